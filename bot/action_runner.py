"""Custom actions run inside the Rasa server, without the action server's HTTP round trip.

With ``actions_module: actions`` under ``action_endpoint`` in endpoints.yml, ``bot.server``
hands every action call that Rasa would POST to the action server to :class:`InProcessActions`
instead. The call is the same document (the session's events, slots, the domain where an action
asks for it) and so is the answer: the Rasa SDK's executor runs the action and its reply goes
back through a JSON round trip, so Rasa sees exactly what the action server would have sent.
Rejections become the action server's HTTP 400 and unknown actions its 404. An action that
raises is logged as the action server would log it; where the action server would answer 500
(after which Rasa carries on without a word to the shopper), the shopper is told that something
went wrong (``utter_action_failed``).

The actions run on one worker thread with its own event loop, as they would in a one-process
action server: a slow shop backend (``HttpShop`` uses blocking requests) holds up other actions,
never the Rasa server's message handling. What is saved per action: serialising the session to
JSON, the HTTP request, and parsing the session again on the other side.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from concurrent.futures import Future
from typing import Any, Dict, Optional

logger = logging.getLogger(__name__)

_runners: Dict[str, "InProcessActions"] = {}
_runners_lock = threading.Lock()


def _round_trip(document: Any) -> Any:
    """The document as it would arrive over HTTP: serialised as Rasa's requests are, parsed
    as Rasa parses the action server's response."""
    from bot.server import fast_dumps

    return json.loads(fast_dumps(document))


class InProcessActions:
    """The Rasa SDK executor for one actions package, on a worker thread."""

    def __init__(self, package: str) -> None:
        self.package = package
        self._executor: Any = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._start_lock = threading.Lock()

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._start_lock:
            if self._loop is None:
                from rasa_sdk.executor import ActionExecutor

                executor = ActionExecutor()
                executor.register_package(self.package)
                self._executor = executor
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, daemon=True,
                                          name=f"actions:{self.package}")
                thread.start()
                self._loop = loop
                logger.info("Running the custom actions of '%s' in this process (%d actions).",
                            self.package, len(executor.actions))
        return self._loop

    async def call(self, action_call: Dict[str, Any]) -> Dict[str, Any]:
        """Run one action call; the answer the action server would give, or its HTTP error."""
        from rasa.utils.endpoints import ClientResponseError

        loop = self._start()
        future: Future = asyncio.run_coroutine_threadsafe(self._run(action_call), loop)
        status, body = await asyncio.wrap_future(future)
        if status != 200:
            raise ClientResponseError(status, _REASONS[status], json.dumps(body))
        return body

    async def _run(self, action_call: Dict[str, Any]) -> tuple:
        from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

        try:
            result = await self._executor.run(action_call)
        except ActionExecutionRejection as error:
            return 400, {"error": error.message, "action_name": error.action_name}
        except ActionNotFoundException as error:
            logger.error("%s", error.message)
            return 404, {"error": error.message, "action_name": error.action_name}
        except Exception:  # logged like the action server does, but the shopper is told
            logger.exception("Custom action '%s' failed", action_call.get("next_action"))
            return 200, FAILED
        return 200, _round_trip(result or {})


_REASONS = {400: "Bad Request", 404: "Not Found"}
#: The answer for an action that raised: no events (as when Rasa gets the action server's 500,
#: which it logs and goes on from in silence), and an apology, so the shopper is not left
#: waiting for a reply that never comes.
FAILED: Dict[str, Any] = {"events": [], "responses": [{"response": "utter_action_failed"}]}


def runner_for(package: str) -> InProcessActions:
    """The one runner of a package in this process."""
    with _runners_lock:
        runner = _runners.get(package)
        if runner is None:
            runner = _runners[package] = InProcessActions(package)
        return runner
