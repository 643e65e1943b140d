"""A local fake of the messaging platforms' APIs (Telegram, Messenger, Slack, Twilio) that
records every call, so tests can see the replies the bot sends."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List
from urllib.parse import parse_qs, urlparse


class FakePlatforms:
    def __init__(self) -> None:
        self.calls: List[Dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", "replace")
                path = urlparse(self.path).path
                body: Any
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                fake.calls.append({"method": self.command, "path": path, "body": body,
                                   "raw": raw, "headers": dict(self.headers)})
                if path.endswith("/getMe"):
                    result: Any = {"ok": True, "result": {"id": 1, "is_bot": True,
                                                          "first_name": "Northwind",
                                                          "username": "northwind_bot"}}
                elif path.endswith("/setWebhook"):
                    result = {"ok": True, "result": True}
                elif "/bot" in path:  # Telegram sendMessage and friends
                    result = {"ok": True, "result": {"message_id": 1, "date": 0,
                                                     "chat": {"id": 1, "type": "private"},
                                                     "text": "ok"}}
                elif path.endswith("Messages.json"):  # Twilio
                    result = {"sid": "SM00000000000000000000000000000000", "status": "queued"}
                else:  # Slack chat.postMessage, Messenger /me/messages
                    result = {"ok": True, "message_id": "m1", "recipient_id": "U1"}
                data = json.dumps(result).encode()
                self.send_response(201 if path.endswith("Messages.json") else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def wait_for(self, predicate, timeout: float = 60.0) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [call for call in list(self.calls) if predicate(call)]
            if found:
                return found
            time.sleep(0.2)
        raise AssertionError(f"no matching API call; calls were: {self.calls[-10:]}")

    def close(self) -> None:
        self._server.shutdown()
