"""Erasure through the integrator API, and the daily retention purge of the console server.

``POST /api/privacy/erase`` with ``{"sender": ...}``, ``{"email": ...}`` or
``{"customer_id": ...}`` removes one shopper's data from every store and answers with what
was removed. Only the integrator (``Authorization: Bearer <HANDOFF_API_TOKEN>``) or an admin's
console session may ask: an agent's bearer name (``X-Agent``) does not make anyone an admin.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.auth import guarded, require
from bot.privacy import Shopper, ShopperRecords, build_shopper_records, purge_expired

logger = logging.getLogger(__name__)

#: Fields an erasure request may name (exactly one of them).
REQUEST_FIELDS = ("sender", "email", "customer_id")
PURGE_EVERY_HOURS = 24.0


def shopper_records(app: Sanic) -> ShopperRecords:
    """The stores of shopper data, opened on first use over the console's queue store."""
    if getattr(app.ctx, "shopper_records", None) is None:
        app.ctx.shopper_records = build_shopper_records(app.ctx.settings, app.ctx.queue)
    return app.ctx.shopper_records


def requester(request: Request) -> str:
    """Who asks: ``integrator`` for the integrator's token, else the admin's user name.

    Raises:
        PermissionError: No or wrong credentials (401).
        LookupError: A console session without the admin role (403).
    """
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = request.app.ctx.settings.handoff.api_token
        if token and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
            return "integrator"
        raise PermissionError("wrong token")
    return require(request, roles=("admin",)).username


def shopper_from(request: Request) -> Shopper:
    """The shopper an erasure request names; ValueError says what is wrong with the body."""
    try:
        body = request.json
    except Exception as error:  # noqa: BLE001 - Sanic's parse error, whatever its type
        raise ValueError("the body must be JSON") from error
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    unknown = sorted(set(body) - set(REQUEST_FIELDS))
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r}: give sender, email or customer_id")
    return Shopper(**body)


def privacy_blueprint() -> Blueprint:
    """The erasure call of the integrator API."""
    privacy = Blueprint("privacy_api", url_prefix="/api/privacy")

    @privacy.post("/erase")
    @guarded
    async def erase(request: Request) -> HTTPResponse:
        who = requester(request)
        try:
            shopper = shopper_from(request)
        except ValueError as error:
            return response.json({"error": str(error)}, status=400)
        records = shopper_records(request.app)
        loop = asyncio.get_running_loop()
        report = await loop.run_in_executor(None, records.erase, shopper)
        # Who asked and how much went: an audit trail that names no shopper.
        logger.info("erasure for %s: %d conversations, removed %s", who,
                    report.conversations, report.removed)
        if report.failed:
            return response.json(dict(report.as_dict(), error="some stores failed; try again"),
                                 status=500)
        return response.json(report.as_dict())

    return privacy


def schedule_daily_purge(app: Sanic, every_hours: float = PURGE_EVERY_HOURS) -> None:
    """Purge what is past its retention when the server starts, and every ``every_hours``."""

    @app.after_server_start
    async def start_purge(app: Sanic, _loop: Any) -> None:
        app.add_task(purge_periodically(app, every_hours * 3600))


async def purge_periodically(app: Sanic, interval_seconds: float) -> None:
    """Run the retention purge now and then every ``interval_seconds``, off the event loop."""
    while True:
        try:
            records = shopper_records(app)
            report = await asyncio.get_running_loop().run_in_executor(
                None, purge_expired, records, app.ctx.settings)
            logger.info("retention purge removed %s", report.removed)
        except Exception as error:  # noqa: BLE001 - try again at the next round
            logger.warning("retention purge: %s", type(error).__name__)
        await asyncio.sleep(interval_seconds)
