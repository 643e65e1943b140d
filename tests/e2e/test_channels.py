"""Each messaging platform's documented webhook payload goes in; the reply goes out through
that platform's API (a local fake that records calls); forged requests are refused."""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bot.proactive import sign
from tests.e2e.conftest import (
    FACEBOOK_SECRET,
    SLACK_SECRET,
    TELEGRAM_SECRET,
    TWILIO_SECRET,
    WEBHOOK_SECRET,
)


def post(url, body: bytes, headers):
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def test_telegram(stack, platforms):
    update = {"update_id": 1, "message": {
        "message_id": 7, "date": int(time.time()), "text": "where is my order",
        "chat": {"id": 4242, "type": "private"},
        "from": {"id": 4242, "is_bot": False, "first_name": "Anna"}}}
    url = f"{stack.rasa_url}/webhooks/telegram/webhook"
    body = json.dumps(update).encode()
    assert post(url, body, {"Content-Type": "application/json",
                            "X-Telegram-Bot-Api-Secret-Token": "forged"}) == 403
    assert post(url, body, {"Content-Type": "application/json",
                            "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}) == 200
    sent = platforms.wait_for(lambda c: c["path"].endswith("/sendMessage")
                              and str(c["body"].get("chat_id")) == "4242")
    assert "order number" in sent[0]["body"]["text"]


def test_messenger(stack, platforms):
    event = {"object": "page", "entry": [{"id": "P1", "time": 1, "messaging": [{
        "sender": {"id": "FB-USER-1"}, "recipient": {"id": "P1"}, "timestamp": 1,
        "message": {"mid": "m-1", "text": "what is your return policy"}}]}]}
    body = json.dumps(event).encode()
    url = f"{stack.rasa_url}/webhooks/facebook/webhook"
    good = "sha1=" + hmac.new(FACEBOOK_SECRET.encode(), body, hashlib.sha1).hexdigest()
    assert post(url, body, {"Content-Type": "application/json",
                            "X-Hub-Signature": "sha1=" + "0" * 40}) == 403
    assert post(url, body, {"Content-Type": "application/json", "X-Hub-Signature": good}) == 200
    sent = platforms.wait_for(lambda c: c["path"] == "/graph/me/messages"
                              and c["body"].get("recipient", {}).get("id") == "FB-USER-1")
    assert "30 days" in json.dumps(sent)


def test_slack(stack, platforms):
    event = {"token": "t", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
             "event_id": "Ev1", "event_time": 1, "event": {
                 "type": "message", "channel": "D123", "channel_type": "im", "user": "U42",
                 "text": "hello", "ts": "1700000000.000100"}}
    body = json.dumps(event).encode()
    url = f"{stack.rasa_url}/webhooks/slack/webhook"
    stamp = str(int(time.time()))
    good = "v0=" + hmac.new(SLACK_SECRET.encode(), f"v0:{stamp}:".encode() + body,
                            hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp}
    assert post(url, body, {**headers, "X-Slack-Signature": "v0=forged"}) == 403
    assert post(url, body, {**headers, "X-Slack-Signature": good}) == 200
    sent = platforms.wait_for(lambda c: c["path"] == "/slack/chat.postMessage"
                              and c["body"].get("channel") == "D123")
    assert "Northwind" in json.dumps(sent)


def test_twilio_whatsapp(stack, platforms):
    url = f"{stack.rasa_url}/webhooks/twilio/webhook"
    params = {"From": "whatsapp:+358401234567", "To": "whatsapp:+14155238886",
              "Body": "do you have the rain jacket in size M", "MessageSid": "SM1"}
    body = urlencode(params).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert post(url, body, {**headers, "X-Twilio-Signature": "forged"}) == 403
    signature = RequestValidator(TWILIO_SECRET).compute_signature(url, params)
    assert post(url, body, {**headers, "X-Twilio-Signature": signature}) in (200, 204)
    sent = platforms.wait_for(lambda c: c["path"].endswith("/Messages.json")
                              and c["body"].get("To") == "whatsapp:+358401234567")
    assert "Rain jacket" in sent[0]["body"]["Body"]


def test_signed_webhook_for_the_shops_own_app(stack, platforms):
    url = f"{stack.rasa_url}/webhooks/shop_app/webhook"
    body = json.dumps({"sender": "app-user-9", "message": "hi"}).encode()
    assert post(url, body, {"Content-Type": "application/json",
                            "X-Signature": sign("forged", body)}) == 403
    assert post(url, body, {"Content-Type": "application/json",
                            "X-Signature": sign(WEBHOOK_SECRET, body)}) == 200
    sent = platforms.wait_for(lambda c: c["path"] == "/shop-app/replies"
                              and c["body"].get("recipient_id") == "app-user-9")
    assert "Northwind" in sent[0]["body"]["text"]
    assert sent[0]["headers"]["X-Signature"] == sign(WEBHOOK_SECRET, sent[0]["raw"].encode())
