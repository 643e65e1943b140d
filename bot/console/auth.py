"""Who is asking the console: an agent's session cookie or an integrator's bearer token."""

from __future__ import annotations

import hmac
from typing import Any, Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff import Agent, SQLHandoffQueue

COOKIE = "console_session"


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def current_agent(request: Request) -> Optional[Agent]:
    """The agent of a console session cookie, or the integrator of a valid bearer token."""
    queue: SQLHandoffQueue = request.app.ctx.queue
    header = request.headers.get("authorization", "")
    token = request.app.ctx.settings.handoff.api_token
    if header.lower().startswith("bearer "):
        given = header[7:].strip()
        if token and hmac.compare_digest(given.encode(), token.encode()):
            name = (request.headers.get("x-agent") or "api").strip()[:64] or "api"
            return Agent(name, name, "agent")
        return None
    session = request.cookies.get(COOKIE)
    if not session:
        return None
    if request.method not in ("GET", "HEAD") and request.headers.get("x-console") != "1":
        return None  # cross-site form posts cannot set this header
    return queue.session_agent(session)


def require(request: Request, roles=("agent", "admin")) -> Agent:
    agent = current_agent(request)
    if agent is None:
        raise PermissionError("login required")
    if agent.role not in roles:
        raise LookupError("not allowed for your role")
    return agent


def guarded(handler):
    """Turn missing logins into 401 and wrong roles into 403."""

    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        try:
            return await handler(request, *args, **kwargs)
        except PermissionError as error:
            return _error(401, str(error))
        except LookupError as error:
            return _error(403, str(error))

    wrapper.__name__ = handler.__name__
    return wrapper
