"""Custom actions run inside the Rasa server, without the action server's HTTP round trip.

With ``actions_module: actions`` under ``action_endpoint`` in endpoints.yml, ``bot.runtime.server``
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
never the Rasa server's message handling. Each call has a time limit
(``limits.action_timeout_seconds``), kept on the server's side of the hand-over, so that it
holds for an action that blocks the worker as much as for one that awaits: past it, the
shopper is told the answer is late (``utter_action_timeout``) and the action's events are
dropped. A worker still busy with a late action is retired (it finishes that action and stops)
and the next call gets a fresh one, so one stuck call does not make every later one late.

What is saved per action: serialising the session to JSON, the HTTP request, and parsing the
session again on the other side.
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
    from bot.runtime.fast_json import fast_dumps

    return json.loads(fast_dumps(document))


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    """A worker thread: run the loop until it is retired, then let what it still runs end."""
    asyncio.set_event_loop(loop)
    loop.run_forever()
    pending = asyncio.all_tasks(loop)
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.close()


class InProcessActions:
    """The Rasa SDK executor for one actions package, on a worker thread.

    Args:
        package: The actions package (``actions``).
        timeout: Seconds a call may take; default ``limits.action_timeout_seconds``.
    """

    def __init__(self, package: str, timeout: Optional[float] = None) -> None:
        self.package = package
        self.timeout = timeout
        self._executor: Any = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._start_lock = threading.Lock()

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._start_lock:
            if self._executor is None:
                from rasa_sdk.executor import ActionExecutor

                from bot.settings import load_settings

                if self.timeout is None:
                    self.timeout = load_settings().limits.action_timeout_seconds
                executor = ActionExecutor()
                executor.register_package(self.package)
                self._executor = executor
                logger.info("Running the custom actions of '%s' in this process (%d actions).",
                            self.package, len(executor.actions))
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=_serve, args=(loop,), daemon=True,
                                 name=f"actions:{self.package}").start()
                self._loop = loop
        return self._loop

    def _retire(self, loop: asyncio.AbstractEventLoop) -> None:
        """Stop giving calls to a worker that may still be busy with a late action."""
        with self._start_lock:
            if self._loop is loop:
                self._loop = None
        loop.call_soon_threadsafe(loop.stop)

    async def call(self, action_call: Dict[str, Any]) -> Dict[str, Any]:
        """Run one action call; the answer the action server would give, or its HTTP error."""
        from rasa.utils.endpoints import ClientResponseError

        loop = self._start()
        future: Future = asyncio.run_coroutine_threadsafe(self._run(action_call), loop)
        try:
            status, body = await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except asyncio.TimeoutError:
            # The action's name and the limit only: the call itself holds the shopper's data.
            logger.error("Custom action '%s' did not finish within %s s; the shopper was told",
                         action_call.get("next_action"), self.timeout)
            # Cancelling reaches an awaiting action; one that blocks still holds the worker.
            self._retire(loop)
            return _round_trip(TIMED_OUT)  # a copy: Rasa pops the response names it reads
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
            return 200, _round_trip(FAILED)
        return 200, _round_trip(result or {})


_REASONS = {400: "Bad Request", 404: "Not Found"}
#: The answer for an action that raised: no events (as when Rasa gets the action server's 500,
#: which it logs and goes on from in silence), and an apology, so the shopper is not left
#: waiting for a reply that never comes.
FAILED: Dict[str, Any] = {"events": [], "responses": [{"response": "utter_action_failed"}]}
#: The answer for an action that ran out of time: no events either (what it did meanwhile is
#: not known), and a message that says so.
TIMED_OUT: Dict[str, Any] = {"events": [], "responses": [{"response": "utter_action_timeout"}]}


def runner_for(package: str) -> InProcessActions:
    """The one runner of a package in this process."""
    with _runners_lock:
        runner = _runners.get(package)
        if runner is None:
            runner = _runners[package] = InProcessActions(package)
        return runner
