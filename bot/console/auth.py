"""Who is asking the console: an agent's session cookie or an integrator's bearer token.

Also what guards the way in: failed logins are limited per user name and per client address
(counted in the queue database, so the limit holds across console instances), and the session
cookie is ``Secure`` whenever the console is reached over https.

The client's address and scheme come from the connection. Behind a reverse proxy, Sanic's own
``PROXIES_COUNT`` setting (``SANIC_PROXIES_COUNT=1`` in the environment) makes the proxy's
``X-Forwarded-For`` and ``X-Forwarded-Proto`` count; without it they are ignored, so a client
cannot choose the address it is counted under.
"""

from __future__ import annotations

import hmac
import math
from datetime import datetime
from typing import Any, List, Optional, Sequence, Tuple

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff import Agent, AgentAccounts
from bot.handoff.agents import QUEUE_ROLES
from bot.limits import AttemptLimits, Key, Limit
from bot.settings import LimitSettings

COOKIE = "console_session"
#: Each further round of failed logins locks out for longer: ``login_failures`` failures per
#: window, then twice, three and four times as many per 2, 4 and 8 windows, so someone who
#: keeps guessing waits 15, 15, 30 and then 60 minutes with the defaults.
BACKOFF_ROUNDS = 4


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def _bearer(request: Request) -> Optional[str]:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _token_matches(request: Request, given: str) -> bool:
    token = request.app.ctx.settings.handoff.api_token
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


def integrator_agent(request: Request) -> Agent:
    """The account the integrator acts for: ``X-Agent`` must name an agent or admin account.

    Raises:
        LookupError: no such account, or one that does not work the queue (answered with 403).
    """
    name = (request.headers.get("x-agent") or "").strip()
    agent = request.app.ctx.queue.get_agent(name) if 0 < len(name) <= 64 else None
    if agent is None or agent.role not in QUEUE_ROLES:
        raise LookupError("X-Agent must name an agent account")
    return agent


def current_agent(request: Request, touch: bool = True) -> Optional[Agent]:
    """The agent of a live console session, or the one a valid integrator token acts for.

    Args:
        request: the request.
        touch: mark a session's agent as online (off for cheap re-checks).
    """
    accounts: AgentAccounts = request.app.ctx.queue
    given = _bearer(request)
    if given is not None:
        if not _token_matches(request, given):
            return None
        try:
            return integrator_agent(request)
        except LookupError:
            return None
    session = request.cookies.get(COOKIE)
    if not session:
        return None
    if request.method not in ("GET", "HEAD") and request.headers.get("x-console") != "1":
        return None  # cross-site form posts cannot set this header
    return accounts.session_agent(session, touch=touch)


def require(request: Request, roles: Sequence[str] = QUEUE_ROLES,
            integrator: bool = False) -> Agent:
    """The agent making the request, if their role is one of ``roles``.

    Args:
        request: the request.
        roles: the roles the route is for.
        integrator: whether the integrator API (docs/handoff.md) includes the route; the
            integrator's token reaches no other route.

    Raises:
        PermissionError: no login or a wrong token (401).
        LookupError: a role, route or ``X-Agent`` the caller may not use (403).
    """
    given = _bearer(request)
    if given is not None:
        if not _token_matches(request, given):
            raise PermissionError("wrong token")
        if not integrator:
            raise LookupError("not part of the integrator API")
        agent: Optional[Agent] = integrator_agent(request)
    else:
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


# -- the way in -----------------------------------------------------------------------------------


def client_address(request: Request) -> str:
    """The client's address: the one a trusted proxy forwarded, else the connection's."""
    return request.remote_addr or request.ip


def login_keys(request: Request, username: str) -> List[Key]:
    """What failed logins are counted against: the user name first, then the address."""
    return [("login-user", username.strip().lower()),
            ("login-addr", client_address(request))]


def login_limits(limits: LimitSettings) -> Tuple[Limit, ...]:
    """The rounds of the login back-off (BACKOFF_ROUNDS)."""
    return tuple(Limit(limits.login_failures * (n + 1), limits.login_window_seconds * 2 ** n)
                 for n in range(BACKOFF_ROUNDS))


def login_retry_after(attempts: AttemptLimits, keys: Sequence[Key], limits: LimitSettings,
                      now: Optional[datetime] = None) -> Optional[float]:
    """Seconds until these keys may try to log in again, or None when they may now."""
    waits = [attempts.retry_after(keys, limit, now) for limit in login_limits(limits)]
    return max((w for w in waits if w is not None), default=None)


def locked_out(seconds: float, wants_json: bool) -> HTTPResponse:
    """The answer to a login while locked out: 429 with Retry-After, or the login page."""
    minutes = max(1, math.ceil(seconds / 60))
    if not wants_json:
        return response.redirect(f"/login?locked={minutes}")
    unit = "minute" if minutes == 1 else "minutes"
    return response.json({"error": f"too many failed attempts, try again in {minutes} {unit}",
                          "retry_after": math.ceil(seconds)}, status=429,
                         headers={"Retry-After": str(math.ceil(seconds))})


def set_session_cookie(request: Request, resp: HTTPResponse, token: str) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, and Secure when reached over https."""
    resp.cookies[COOKIE] = token
    cookie = resp.cookies[COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    if request.scheme == "https":
        cookie["secure"] = True


def clear_session_cookie(request: Request, resp: HTTPResponse) -> None:
    """Tell the browser to drop the session cookie (same attributes, so it replaces it)."""
    set_session_cookie(request, resp, "")
    resp.cookies[COOKIE]["max-age"] = 0
