import json

import pytest

from bot.runtime.channels.rest import request_problem


@pytest.mark.parametrize("body, status", [
    (b"{bad json", 400),
    (b"[]", 400),
    (b'"hi"', 400),
    (b'{"sender": "x"}', 400),
    (b'{"sender": "x", "message": 123}', 400),
    (b'{"sender": {"a": 1}, "message": "hi"}', 400),
    (b'{"sender": "", "message": "hi"}', 400),
    (b'{"sender": "x", "message": "hi", "metadata": "token"}', 400),
    (json.dumps({"sender": "x", "message": "a" * 10_001}).encode(), 413),
    (b"\xff\xfe", 400),
])
def test_malformed_requests_are_refused(body, status):
    assert request_problem(body)[0] == status


@pytest.mark.parametrize("payload", [
    {"sender": "x", "message": ""},
    {"message": "hi"},
    {"sender": "x", "message": "a" * 10_000, "metadata": {"customer_token": "t"}},
])
def test_wellformed_requests_pass(payload):
    assert request_problem(json.dumps(payload).encode()) is None


def _app_failing_with(error):
    from types import SimpleNamespace

    from sanic import Sanic

    from bot.runtime.channels.rest import ShopRestInput

    async def on_new_message(message):
        if error is not None:
            raise error
        await message.output_channel.send_text_message(message.sender_id, "hello")

    channel = ShopRestInput()
    channel._settings = SimpleNamespace(handoff=SimpleNamespace(api_token="t" * 32),
                                        session_secret="s" * 32)
    app = Sanic(f"rest-{type(error).__name__}")
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/rest")
    return app


def _post(app):
    _, answer = app.test_client.post(
        "/webhooks/rest/webhook", json={"sender": "a", "message": "hi"},
        headers={"Authorization": "Bearer " + "t" * 32})
    return answer


def _unavailable_errors():
    from rasa.core.lock_store import LockError

    from bot.runtime.store_errors import StoreUnavailable

    return [StoreUnavailable("tracker store: OperationalError"),
            LockError("Error while acquiring lock. Error:\nConnection refused.")]


@pytest.mark.parametrize("error", _unavailable_errors(), ids=["postgresql", "redis"])
def test_an_unreachable_conversation_store_or_lock_is_a_503_to_retry(error):
    answer = _post(_app_failing_with(error))
    assert answer.status == 503
    assert int(answer.headers["Retry-After"]) > 0
    assert "send it again" in answer.json["error"]


def test_a_reachable_store_answers_as_before():
    answer = _post(_app_failing_with(None))
    assert answer.status == 200 and answer.json == [{"recipient_id": "a", "text": "hello"}]


def test_other_failures_are_still_rasas_empty_answer():
    answer = _post(_app_failing_with(ValueError("a bug")))
    assert answer.status == 200 and answer.json == []
