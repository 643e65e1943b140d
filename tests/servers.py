"""A running assistant (Rasa server with the actions, and the console) on free ports, with its
own data: the fixtures ``platforms``, ``stack`` and ``chat`` (registered in tests/conftest.py)
and a REST ``Chat`` client, shared by the end-to-end and the security tests."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple, TypeVar

import pytest

from bot.settings import PROJECT_ROOT
from bot.tools.ports import free_port
from bot.tools.run import Stack

MODEL = PROJECT_ROOT / "models" / "current.tar.gz"
SECRET = "e2e-secret"
TELEGRAM_SECRET, FACEBOOK_SECRET, SLACK_SECRET = "tg-secret", "fb-secret", "slack-secret"
TWILIO_SECRET, WEBHOOK_SECRET = "twilio-secret", "webhook-secret"
ALWAYS_OPEN = {day: "00:00-23:59" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


Servers = TypeVar("Servers")


def require_model() -> None:
    """Skip the test when there is no trained model to serve."""
    if not MODEL.exists():
        pytest.skip("no trained model: run `make train` (make test trains first)")


def serving(servers: Servers, timeout: float = 240) -> Iterator[Servers]:
    """For a fixture: start ``servers`` (a Stack, a Cluster), wait until they answer, hand them
    to the tests, and stop them afterwards, also when the start or a test fails."""
    try:
        servers.start()  # type: ignore[attr-defined]
        servers.wait_until_ready(timeout=timeout)  # type: ignore[attr-defined]
        yield servers
    finally:
        servers.stop()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def platforms():  # noqa: D103 - the fake messaging platforms' APIs
    from tests.fakes.platforms import FakePlatforms

    fake = FakePlatforms()
    yield fake
    fake.close()


def platform_credentials(api: str) -> Dict[str, Dict[str, Any]]:
    """Messaging-app channels whose replies go to the local fake of their APIs."""
    return {
        "bot.runtime.channels.platforms.ShopTelegramInput": {
            "access_token": "123456:TEST", "verify": "northwind_bot",
            "webhook_url": "https://shop.example/webhooks/telegram/webhook",
            "secret_token": TELEGRAM_SECRET, "api_url": api},
        "bot.runtime.channels.platforms.ShopFacebookInput": {
            "verify": "fb-verify", "secret": FACEBOOK_SECRET, "page-access-token": "fb-token",
            "api_url": f"{api}/graph"},
        "bot.runtime.channels.platforms.ShopSlackInput": {
            "slack_token": "xoxb-test", "slack_signing_secret": SLACK_SECRET,
            "api_url": f"{api}/slack/"},
        "bot.runtime.channels.platforms.ShopTwilioInput": {
            "account_sid": "AC" + "0" * 32, "auth_token": TWILIO_SECRET,
            "twilio_number": "whatsapp:+14155238886", "api_url": f"{api}/twilio"},
        "bot.runtime.channels.webhook.SignedWebhookInput": {
            "secret": WEBHOOK_SECRET, "callback_url": f"{api}/shop-app/replies"},
    }


@pytest.fixture(scope="session")
def stack(tmp_path_factory, platforms) -> Stack:
    require_model()
    var_dir = Path(tmp_path_factory.mktemp("var"))
    shutil.copytree(PROJECT_ROOT / "data" / "nlu", var_dir / "nlu")  # the review inbox writes here
    running = Stack(rasa_port=free_port(), actions_port=free_port(), console_port=free_port(),
                    var_dir=var_dir, model=MODEL,
                    extra_env={"CUSTOMER_TOKEN_SECRET": SECRET,
                               "TRAINING_DATA_DIR": str(var_dir / "nlu")},
                    endpoints_overrides={"handoff": {"hours": ALWAYS_OPEN}},
                    credentials_overrides=platform_credentials(platforms.url))
    yield from serving(running)


class Chat:
    """One shopper talking to the REST webhook."""

    def __init__(self, stack: Stack, sender: str,
                 metadata: Optional[Dict[str, Any]] = None, token: Optional[str] = None) -> None:
        self.url = f"{stack.rasa_url}/webhooks/rest/webhook"
        self.sender = sender
        self.metadata = metadata
        self.token = stack.integrator_token if token is None else token

    @property
    def conversation_id(self) -> str:
        """The key the assistant files this conversation under (channel included)."""
        return f"rest:{self.sender}"

    def post(self, body: bytes) -> Tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def say(self, text: str) -> List[Dict[str, Any]]:
        payload: Dict[str, Any] = {"sender": self.sender, "message": text}
        if self.metadata:
            payload["metadata"] = self.metadata
        status, replies = self.post(json.dumps(payload).encode())
        assert status == 200, replies
        return replies

    def text(self, message: str) -> str:
        """Everything the bot answered, joined."""
        return "\n".join(reply.get("text", "") for reply in self.say(message))


@pytest.fixture
def chat(stack, request):
    return Chat(stack, f"shopper-{request.node.name}")


def email_credentials(imap: Any, smtp: Any, public_url: str) -> Dict[str, Dict[str, Any]]:
    """The email channel reading a local Dovecot's mailbox and sending through a local SMTP
    receiver (tests/email/mailservers.py); it polls every second. The IMAP password goes in
    the environment (EMAIL_IMAP_PASSWORD), as in production."""
    return {"bot.runtime.channels.mail.EmailInput": {
        "address": imap.user, "team": "Northwind", "chat_url": "https://shop.test/#chat",
        "imap_host": "127.0.0.1", "imap_port": imap.port, "imap_user": imap.user,
        "imap_security": "none", "smtp_host": "127.0.0.1", "smtp_port": smtp.port,
        "smtp_security": "none", "poll_seconds": 1, "emails_per_hour": 20,
        "public_url": public_url}}
