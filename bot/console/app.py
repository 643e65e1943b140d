"""``create_app`` builds the agent console and the integrator API (docs/handoff.md)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Protocol, Tuple

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.auth import (  # noqa: F401 - COOKIE is part of this module's API
    COOKIE,
    clear_session_cookie,
    current_agent,
    guarded,
    locked_out,
    login_keys,
    login_retry_after,
    require,
    set_session_cookie,
)
from bot.console.dashboard import dashboard_blueprint
from bot.console.erasure_api import privacy_blueprint
from bot.console.events import events_blueprint
from bot.console.review_api import review_blueprint
from bot.handoff import (
    Agent,
    AgentAccounts,
    HandoffQueue,
    Ticket,
    is_open,
    transcript_from_events,
)
from bot.handoff.canned import load_canned, search
from bot.handoff.rasa_client import ConversationControl
from bot.handoff.tickets import QueueLoad
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.limits import AttemptLimits
from bot.settings import Settings
from bot.shop import OrderService
from bot.shop_events import ShopEvents
from bot.surveys import SurveyStore

logger = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
MAX_TEXT = 4000
#: Channels that get no queue-place updates.
QUIET_CHANNELS = frozenset({"email"})
STREAM_TICK_SECONDS = 1.0  # how often the live queue stream looks for changes

#: What an agent does with a ticket they hold: ``(request, agent, ticket) -> response``.
TicketAction = Callable[[Request, Agent, Ticket], Awaitable[HTTPResponse]]


class ConsoleStore(HandoffQueue, AgentAccounts, AttemptLimits, SurveyStore, ShopEvents, Protocol):
    """What the console keeps in the queue's database: tickets, accounts, login attempts,
    survey answers and the shop's events."""


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def ticket_summary(ticket: Ticket, queue: HandoffQueue, wait: Optional[int] = None) -> Dict:
    """What the queue list shows for one ticket."""
    return {
        "ticket_id": ticket.ticket_id, "conversation_id": ticket.conversation_id,
        "status": ticket.status, "priority": ticket.priority, "reason": ticket.reason,
        "language": ticket.language, "channel": ticket.channel, "agent": ticket.agent,
        "summary": ticket.summary, "created_at": ticket.created_at.isoformat(),
        "position": queue.position(ticket.ticket_id), "wait_minutes": wait,
        "intent": ticket.intents[-1]["intent"] if ticket.intents else None,
        "after_hours": ticket.after_hours,
    }


# -- the app --------------------------------------------------------------------------------------


def create_app(settings: Settings, queue: ConsoleStore, control: ConversationControl,
               orders: Optional[OrderService] = None, name: str = "agent_console",
               notify_interval: float = 3.0, chat_server: Optional[str] = None) -> Sanic:
    """The console app. Stores and clients are passed in; nothing is opened at import time."""
    app = Sanic(name)
    app.config.RESPONSE_TIMEOUT = 3600
    app.config.REQUEST_MAX_SIZE = 1_000_000
    _set_context(app, settings, queue, control, orders)
    _add_blueprints(app, demo=orders is not None and settings.demo_enabled)
    app.static("/static", str(STATIC), name="static")

    app.ctx.chat_server = chat_server or settings.handoff.rasa_url
    app.register_middleware(security_headers, "response")

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    if notify_interval > 0:
        @app.after_server_start
        async def start_notifier(app: Sanic, _loop: Any) -> None:
            app.add_task(queue_notifier(app, notify_interval))

    return app


def _set_context(app: Sanic, settings: Settings, queue: ConsoleStore,
                 control: ConversationControl, orders: Optional[OrderService]) -> None:
    """What the routes share: settings, stores, clients, canned replies and caches."""
    app.ctx.settings = settings
    app.ctx.queue = queue
    app.ctx.control = control
    app.ctx.orders = orders
    app.ctx.canned = load_canned(settings.canned_dir)
    app.ctx.announced: Dict[str, int] = {}
    app.ctx.review = None
    app.ctx.kpi_cache = {}
    app.ctx.static = STATIC
    # One login check at a time per process, so that a burst of parallel guesses cannot all
    # pass the failed-login limit before the first of them is counted.
    app.ctx.login_lock = asyncio.Lock()


def _add_blueprints(app: Sanic, demo: bool) -> None:
    """The pages, the demo shop when switched on, and the APIs."""
    app.blueprint(pages_blueprint())
    if demo:
        from bot.console.demo import demo_blueprint

        app.blueprint(demo_blueprint())
    app.blueprint(events_blueprint())
    app.blueprint(review_blueprint())
    app.blueprint(dashboard_blueprint())
    app.blueprint(api_blueprint())
    app.blueprint(privacy_blueprint())


async def security_headers(request: Request, resp: HTTPResponse) -> None:
    """The security headers of every answer; the demo shop may also reach the Rasa server."""
    for header, value in SECURITY_HEADERS.items():
        resp.headers.setdefault(header, value)
    if request.path.startswith("/demo"):
        # The demo shop's widget talks to the Rasa server (socket.io) on another origin.
        server = request.app.ctx.chat_server.rstrip("/")
        socket = server.replace("https://", "wss://").replace("http://", "ws://")
        resp.headers["Content-Security-Policy"] = (
            f"default-src 'self'; connect-src 'self' {server} {socket}; "
            "img-src 'self' data: https:; frame-ancestors 'none'; base-uri 'none'")


# -- pages ----------------------------------------------------------------------------------------


def pages_blueprint() -> Blueprint:
    """The console page, and signing in and out."""
    pages = Blueprint("console_pages")

    @pages.get("/")
    async def index(request: Request) -> HTTPResponse:
        if request.app.ctx.queue.session_agent(request.cookies.get(COOKIE, "")) is None:
            return response.redirect("/login")
        return await response.file(STATIC / "console.html")

    @pages.get("/login")
    async def login_page(request: Request) -> HTTPResponse:
        return await response.file(STATIC / "login.html")

    pages.add_route(login, "/login", methods=["POST"])

    @pages.post("/logout")
    async def logout(request: Request) -> HTTPResponse:
        request.app.ctx.queue.end_session(request.cookies.get(COOKIE, ""))
        resp = response.redirect("/login")
        clear_session_cookie(request, resp)
        return resp

    return pages


async def login(request: Request) -> HTTPResponse:
    """A form post (answered with redirects) or JSON (answered with JSON)."""
    wants_json = (request.content_type or "").startswith("application/json")
    fields = (request.json if wants_json else request.form) or {}
    if not isinstance(fields, dict):
        return _error(400, "send a username and a password")
    username = str(fields.get("username") or "")
    password = str(fields.get("password") or "")
    agent, wait = await _check_login(request, username, password)
    if wait is not None:
        return locked_out(wait, wants_json)
    if agent is None:
        if wants_json:
            return _error(401, "wrong username or password")
        return response.redirect("/login?failed=1")
    return _signed_in(request, agent, wants_json)


async def _check_login(request: Request, username: str,
                       password: str) -> Tuple[Optional[Agent], Optional[float]]:
    """The agent if the password is right, or the seconds left of a lock-out (then unchecked).

    Failures count against the user name and the client address; a success clears the user
    name's count only, the address keeps its own.
    """
    accounts: AgentAccounts = request.app.ctx.queue
    attempts: AttemptLimits = request.app.ctx.queue
    keys = login_keys(request, username)
    async with request.app.ctx.login_lock:
        wait = login_retry_after(attempts, keys, request.app.ctx.settings.limits)
        if wait is not None:
            return None, wait
        # scrypt takes tens of milliseconds: off the event loop, other requests go on.
        agent = await asyncio.to_thread(accounts.authenticate, username, password)
        if agent is None:
            attempts.record(keys)
        else:
            attempts.clear(keys[:1])
    return agent, None


def _signed_in(request: Request, agent: Agent, wants_json: bool) -> HTTPResponse:
    """A new session for the agent: its cookie, and the agent's home page or account."""
    accounts: AgentAccounts = request.app.ctx.queue
    token = accounts.start_session(agent)
    home = {"lead": "/dashboard", "trainer": "/review"}.get(agent.role, "/")
    resp = response.json({"agent": asdict(agent)}) if wants_json else response.redirect(home)
    set_session_cookie(request, resp, token)
    return resp


# -- API ------------------------------------------------------------------------------------------


def api_blueprint() -> Blueprint:
    """The console's JSON API under ``/api``; most of it is the integrator API too."""
    api = Blueprint("console_api", url_prefix="/api")

    @api.exception(ValueError)
    async def bad_request(request: Request, error: Exception) -> HTTPResponse:
        return _error(400, str(error))

    add_agent_routes(api)
    add_ticket_routes(api)
    add_ticket_action_routes(api)
    add_canned_routes(api)
    add_event_stream(api)
    return api


# -- agents -------------------------------------------------------------------------------------


def add_agent_routes(api: Blueprint) -> None:
    """Who is signed in (``/me``), and the agents a ticket can be transferred to."""

    @api.get("/me")
    @guarded
    async def me(request: Request) -> HTTPResponse:
        return response.json({"agent": asdict(require(request, roles=("agent", "admin",
                                                                        "trainer", "lead")))})

    @api.get("/agents")
    @guarded
    async def agents(request: Request) -> HTTPResponse:
        require(request)
        accounts: AgentAccounts = request.app.ctx.queue
        online = {a.username for a in accounts.agents_online()}
        return response.json({"agents": [dict(asdict(a), online=a.username in online)
                                         for a in accounts.list_agents()
                                         if a.role in ("agent", "admin")]})


# -- tickets ------------------------------------------------------------------------------------


def add_ticket_routes(api: Blueprint) -> None:
    """The queue: list the tickets, read one, claim one or the next waiting."""

    @api.get("/tickets")
    @guarded
    async def list_tickets(request: Request) -> HTTPResponse:
        require(request, integrator=True)
        statuses = [s for s in (request.args.get("status") or "waiting,active").split(",") if s]
        return response.json(queue_listing(request.app, statuses, request.args.get("language")))

    @api.get("/tickets/<ticket_id>")
    @guarded
    async def get_ticket(request: Request, ticket_id: str) -> HTTPResponse:
        require(request, integrator=True)
        ticket = request.app.ctx.queue.get(ticket_id)
        if ticket is None:
            return _error(404, "no such ticket")
        return response.json(await ticket_detail(request, ticket))

    @api.post("/tickets/<ticket_id>/claim")
    @guarded
    async def claim(request: Request, ticket_id: str) -> HTTPResponse:
        agent = require(request, integrator=True)
        queue: HandoffQueue = request.app.ctx.queue
        if queue.get(ticket_id) is None:
            return _error(404, "no such ticket")
        ticket = queue.claim(ticket_id, agent.username)
        if ticket is None:
            current = queue.get(ticket_id)
            return _error(409, f"already {current.status}" + (
                f" with {current.agent}" if current.agent else ""))
        return await _taken_over(request, agent, ticket)

    @api.post("/tickets/next")
    @guarded
    async def claim_next(request: Request) -> HTTPResponse:
        agent = require(request, integrator=True)
        ticket = request.app.ctx.queue.claim_next(agent.username)
        if ticket is None:
            return _error(404, "nobody is waiting")
        return await _taken_over(request, agent, ticket)


def queue_listing(app: Sanic, statuses: List[str], language: Optional[str]) -> Dict[str, Any]:
    """The tickets in these states (of one language), each waiting one with its expected wait."""
    queue: HandoffQueue = app.ctx.queue
    accounts: AgentAccounts = app.ctx.queue
    tickets = [t for t in queue.list_tickets(statuses) if not language or t.language == language]
    load = QueueLoad.now(queue, accounts, app.ctx.settings.handoff.default_handling_minutes)
    items = []
    for ticket in tickets:
        position = queue.position(ticket.ticket_id)
        items.append(ticket_summary(ticket, queue, load.wait_for(position) if position else None))
    return {"tickets": items, "agents_online": load.agents_online,
            "open": is_open(app.ctx.settings.handoff)}


async def ticket_detail(request: Request, ticket: Ticket) -> Dict[str, Any]:
    """Everything the agent needs: transcript (live from Rasa), context, notes, order."""
    queue: HandoffQueue = request.app.ctx.queue
    orders: Optional[OrderService] = request.app.ctx.orders
    transcript = await _transcript(request, ticket)
    order = _verified_order(orders, ticket)
    customer = _customer(orders, ticket)
    detail = ticket_summary(ticket, queue)
    detail.update({
        "transcript": [asdict(line) for line in transcript],
        "intents": ticket.intents, "slots": ticket.slots,
        "order_number": ticket.order_number, "order_verified": ticket.order_verified,
        "order": order,
        "customer": asdict(customer) if customer else None,
        "notes": [{"author": n.author, "text": n.text, "created_at": n.created_at.isoformat()}
                  for n in queue.notes(ticket.ticket_id)],
        "followup_email": ticket.followup_email, "csat": ticket.csat,
    })
    return detail


async def _transcript(request: Request, ticket: Ticket) -> List[Any]:
    """The conversation as Rasa has it now, else as it was when the ticket was made."""
    try:
        tracker = await request.app.ctx.control.tracker(ticket.conversation_id)
        return transcript_from_events(tracker.get("events") or []) or ticket.transcript
    except Exception as error:  # noqa: BLE001 - fall back to the stored transcript
        logger.warning("tracker unavailable for a ticket: %s", type(error).__name__)
        return ticket.transcript


def _customer(orders: Optional[OrderService], ticket: Ticket) -> Optional[Any]:
    """Who the shopper is: the logged-in customer, or the owner of the order they verified
    (by number and email), so that the agent and the canned replies know their name."""
    if orders is None:
        return None
    if ticket.customer_id:
        return orders.customer(ticket.customer_id)
    if ticket.order_verified and ticket.order_number:
        found = orders.shop.get_order(ticket.order_number)
        return orders.customer(found.customer_id) if found is not None else None
    return None


def _verified_order(orders: Optional[OrderService], ticket: Ticket) -> Optional[Dict[str, Any]]:
    """The order the shopper proved is theirs, as the ticket view shows it."""
    if orders is None or not ticket.order_verified or not ticket.order_number:
        return None
    found = orders.shop.get_order(ticket.order_number)
    if found is None:
        return None
    return {"order_id": found.order_id, "status": found.status.value,
            "items": found.describe_items(), "total": found.total,
            "carrier": found.carrier, "tracking_url": found.tracking_url,
            "expected_delivery": found.expected_delivery.isoformat()
            if found.expected_delivery else None,
            "address": found.shipping_address.one_line()}


async def _taken_over(request: Request, agent: Agent, ticket: Ticket) -> HTTPResponse:
    """Pause the bot for the agent who now holds the ticket; the ticket as the list shows it."""
    await _safely(request.app.ctx.control.take_over(ticket.conversation_id, agent.display_name))
    return response.json(ticket_summary(ticket, request.app.ctx.queue))


# -- what the agent holding a ticket does -------------------------------------------------------


def add_ticket_action_routes(api: Blueprint) -> None:
    """Reply, keep a note, transfer and resolve; all but notes need the ticket claimed."""

    @api.post("/tickets/<ticket_id>/reply")
    @guarded
    async def reply(request: Request, ticket_id: str) -> HTTPResponse:
        text = _text(request)
        return await with_owned(request, ticket_id, partial(send_reply, text=text))

    @api.post("/tickets/<ticket_id>/notes")
    @guarded
    async def add_note(request: Request, ticket_id: str) -> HTTPResponse:
        agent = require(request, integrator=True)
        text = _text(request)
        queue: HandoffQueue = request.app.ctx.queue
        if queue.get(ticket_id) is None:
            return _error(404, "no such ticket")
        note = queue.add_note(ticket_id, agent.username, text)
        return response.json({"author": note.author, "text": note.text,
                              "created_at": note.created_at.isoformat()}, status=201)

    @api.post("/tickets/<ticket_id>/transfer")
    @guarded
    async def transfer(request: Request, ticket_id: str) -> HTTPResponse:
        body = request.json if isinstance(request.json, dict) else {}
        target = body.get("agent")
        return await with_owned(request, ticket_id, partial(transfer_ticket, target=target))

    @api.post("/tickets/<ticket_id>/resolve")
    @guarded
    async def resolve(request: Request, ticket_id: str) -> HTTPResponse:
        return await with_owned(request, ticket_id, resolve_ticket)


def _text(request: Request) -> str:
    body = request.json if isinstance(request.json, dict) else {}
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'text' must be a non-empty string")
    if len(text) > MAX_TEXT:
        raise ValueError(f"'text' is longer than {MAX_TEXT} characters")
    return text.strip()


async def with_owned(request: Request, ticket_id: str, action: TicketAction) -> HTTPResponse:
    """Run ``action`` on a ticket the caller holds: 404 without the ticket, 409 if not theirs."""
    agent = require(request, integrator=True)
    ticket = request.app.ctx.queue.get(ticket_id)
    if ticket is None:
        return _error(404, "no such ticket")
    if ticket.status != "active" or ticket.agent != agent.username:
        return _error(409, "claim the ticket first")
    return await action(request, agent, ticket)


async def send_reply(request: Request, agent: Agent, ticket: Ticket, text: str) -> HTTPResponse:
    """The agent's message to the shopper; 502 when Rasa does not take it."""
    try:
        await request.app.ctx.control.send_agent_message(ticket.conversation_id, text,
                                                         agent.username, agent.display_name)
    except Exception as error:  # noqa: BLE001
        logger.warning("reply not delivered: %s", type(error).__name__)
        return _error(502, "the message could not be delivered")
    return response.json({"sent": True})


async def transfer_ticket(request: Request, agent: Agent, ticket: Ticket,
                          target: Optional[str]) -> HTTPResponse:
    """Hand the ticket to another agent or admin, or without ``target`` back to the queue."""
    queue: HandoffQueue = request.app.ctx.queue
    accounts: AgentAccounts = request.app.ctx.queue
    if target:
        known = {a.username: a for a in accounts.list_agents()}
        if target not in known or known[target].role not in ("agent", "admin"):
            return _error(400, "no such agent")
        moved = queue.release(ticket.ticket_id, agent=target)
        await _safely(request.app.ctx.control.take_over(
            ticket.conversation_id, known[target].display_name))
    else:
        moved = queue.release(ticket.ticket_id)
        await _safely(request.app.ctx.control.hand_back(
            ticket.conversation_id, "action_queue_update"))
    return response.json(ticket_summary(moved, queue))


async def resolve_ticket(request: Request, agent: Agent, ticket: Ticket) -> HTTPResponse:
    """Close the ticket and give the conversation back to the bot, which asks for a rating."""
    queue: HandoffQueue = request.app.ctx.queue
    done = queue.resolve(ticket.ticket_id)
    await _safely(request.app.ctx.control.hand_back(ticket.conversation_id, "action_ask_csat"))
    return response.json(ticket_summary(done, queue))


# -- canned replies -----------------------------------------------------------------------------


def add_canned_routes(api: Blueprint) -> None:
    """Canned replies in the ticket's language, filled in for the agent and the ticket."""

    @api.get("/canned")
    @guarded
    async def canned(request: Request) -> HTTPResponse:
        agent = require(request, integrator=True)
        language = request.args.get("language") or DEFAULT_LANGUAGE
        if language not in LANGUAGES:
            return _error(400, "unknown language")
        items = request.app.ctx.canned.get(language) or request.app.ctx.canned.get(
            DEFAULT_LANGUAGE, [])
        items = search(items, request.args.get("q") or "")
        values = await _canned_values(request, agent)
        return response.json({"canned": [{"key": c.key, "title": c.title,
                                           "text": c.render(values)} for c in items]})


async def _canned_values(request: Request, agent: Agent) -> Dict[str, str]:
    """What the placeholders of canned replies are filled with (the ticket's when one is named)."""
    settings: Settings = request.app.ctx.settings
    values = {"agent_name": agent.display_name,
              "shop_phone": settings.shop_phone, "shop_email": settings.shop_email}
    ticket = request.app.ctx.queue.get(request.args.get("ticket") or "")
    if ticket is not None:
        detail = await ticket_detail(request, ticket)
        values["first_name"] = (detail.get("customer") or {}).get("first_name", "")
        values["order_id"] = ticket.order_number or ""
        values["tracking_url"] = (detail.get("order") or {}).get("tracking_url") or ""
    return values


# -- the live queue -----------------------------------------------------------------------------


def add_event_stream(api: Blueprint) -> None:
    """``/api/events``: the queue as server-sent events."""

    @api.get("/events")
    @guarded
    async def events(request: Request) -> HTTPResponse:
        """Server-sent events: the queue snapshot whenever it changes, while the login lasts.

        The login is checked again before every tick, so the stream ends (and sends nothing
        more) once the session is logged out, expires or its account changes.
        """
        require(request, integrator=True)
        stream = await request.respond(content_type="text/event-stream",
                                       headers={"Cache-Control": "no-cache"})
        queue: HandoffQueue = request.app.ctx.queue
        last = ""
        ticks = 0
        # Every 30th check also marks the agent online; the others only read.
        while current_agent(request, touch=ticks % 30 == 0) is not None:
            snapshot = queue_snapshot(queue)
            digest = hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()
            if digest != last:
                await stream.send(f"event: queue\ndata: {json.dumps(snapshot)}\n\n")
                last = digest
            elif ticks % 15 == 0:
                await stream.send(": keep-alive\n\n")
            ticks += 1
            await asyncio.sleep(STREAM_TICK_SECONDS)
        await stream.send("event: logout\ndata: {}\n\n")
        await stream.eof()


def queue_snapshot(queue: HandoffQueue) -> List[Dict[str, Any]]:
    """The open tickets as the live stream sends them (without wait estimates)."""
    snapshot = [ticket_summary(t, queue) for t in queue.list_open()]
    for item in snapshot:
        item.pop("wait_minutes", None)
    return snapshot


async def _safely(call: Awaitable[Any]) -> None:
    """Rasa being unreachable must not lose the ticket change; it is logged instead."""
    try:
        await call
    except Exception as error:  # noqa: BLE001
        logger.warning("conversation update failed: %s", type(error).__name__)


async def queue_notifier(app: Sanic, interval: float) -> None:
    """Tell waiting shoppers when their place in the queue changes."""
    queue: HandoffQueue = app.ctx.queue
    while True:
        try:
            for ticket in queue.list_tickets(("waiting",)):
                position = queue.position(ticket.ticket_id)
                # An email per queue place would be a flood: email shoppers hear from a person.
                if position is None or ticket.after_hours or ticket.channel in QUIET_CHANNELS:
                    continue
                previous = app.ctx.announced.get(ticket.ticket_id)
                if previous is not None and position < previous:
                    await _safely(app.ctx.control.notify(ticket.conversation_id,
                                                         "action_queue_update"))
                app.ctx.announced[ticket.ticket_id] = position
        except Exception as error:  # noqa: BLE001 - keep notifying after a hiccup
            logger.warning("queue notifier: %s", type(error).__name__)
        await asyncio.sleep(interval)
