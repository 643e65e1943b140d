"""``python -m bot.tools.deploy`` against a server that answers too slowly."""

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.tools import deploy


class _LoadsButNeverReports(BaseHTTPRequestHandler):
    """Accepts the model, then keeps the status request waiting."""

    def do_PUT(self):  # noqa: N802 (the standard library's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def do_GET(self):  # noqa: N802
        threading.Event().wait(3)

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _LoadsButNeverReports)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_server_that_never_reports_its_model_gives_a_clear_error(
        slow_server, tmp_path, monkeypatch, capsys):
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"model")
    monkeypatch.setenv("RASA_URLS", slow_server)
    monkeypatch.setattr(deploy, "STATUS_TIMEOUT_SECONDS", 0.5)
    assert deploy.main([str(model)]) == 1
    assert "could not deploy" in capsys.readouterr().err


def test_the_timeout_is_the_status_timeout(slow_server, tmp_path, monkeypatch):
    monkeypatch.setattr(deploy, "STATUS_TIMEOUT_SECONDS", 0.5)
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(deploy.roll_out([slow_server], "token", tmp_path / "model.tar.gz"))
