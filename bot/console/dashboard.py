"""The support lead's dashboard (role lead or admin): KPIs as charts, filters, CSV export."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Dict, Optional, Tuple

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.auth import COOKIE, guarded, require
from bot.i18n import LANGUAGES
from bot.kpi import Filters, KpiReport, SQLEventSource, kpi_report, to_csv

LEAD_ROLES = ("lead", "admin")
MAX_DAYS = 366
CACHE_SECONDS = 60.0


@dataclass
class _Cached:
    at: float
    report: KpiReport


def parse_filters(args: Any, timezone: str, today: Optional[date] = None) -> Filters:
    """Filters from query arguments; ValueError names the bad one. Default: the last 30 days."""
    today = today or date.today()

    def day(name: str, default: date) -> date:
        raw = args.get(name)
        if not raw:
            return default
        try:
            return date.fromisoformat(raw)
        except ValueError as error:
            raise ValueError(f"'{name}' must be a date like 2026-11-01") from error

    until = day("until", today)
    since = day("since", until - timedelta(days=29))
    if since > until:
        raise ValueError("'since' must not be after 'until'")
    if (until - since).days >= MAX_DAYS:
        raise ValueError(f"the range can be at most {MAX_DAYS} days")
    language = args.get("language") or None
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"'language' must be one of {', '.join(LANGUAGES)}")
    channel = args.get("channel") or None
    if channel is not None and (len(channel) > 40 or not channel.replace("_", "").isalnum()):
        raise ValueError("'channel' must be a channel name such as socketio or telegram")
    return Filters(since, until, language, channel, timezone)


async def report_for(request: Request, filters: Filters) -> KpiReport:
    """The KPI report for the filters, kept for a minute (reading the stores takes a while)."""
    app = request.app
    cache: Dict[Tuple, _Cached] = app.ctx.kpi_cache
    key = (filters.since, filters.until, filters.language, filters.channel)
    hit = cache.get(key)
    if hit is not None and time.monotonic() - hit.at < CACHE_SECONDS:
        return hit.report
    settings = app.ctx.settings
    source = SQLEventSource(settings.tracker_store_url)
    loop = asyncio.get_running_loop()
    # Reading a large tracker store takes a while: off the event loop.
    report = await loop.run_in_executor(
        None, kpi_report, source, app.ctx.queue, filters,
        settings.surveys.repeat_contact_days)
    if len(cache) > 64:
        cache.clear()
    cache[key] = _Cached(time.monotonic(), report)
    return report


def dashboard_blueprint() -> Blueprint:
    """The dashboard page, and the KPIs as JSON and as CSV."""
    dashboard = Blueprint("dashboard")

    @dashboard.get("/dashboard")
    async def page(request: Request) -> HTTPResponse:
        agent = request.app.ctx.queue.session_agent(request.cookies.get(COOKIE, ""))
        if agent is None:
            return response.redirect("/login")
        if agent.role not in LEAD_ROLES:
            return response.text("The dashboard is for support leads and admins.", status=403)
        return await response.file(request.app.ctx.static / "dashboard.html")

    @dashboard.get("/api/kpis")
    @guarded
    async def kpis(request: Request) -> HTTPResponse:
        require(request, roles=LEAD_ROLES)
        filters = parse_filters(request.args, request.app.ctx.settings.handoff.timezone)
        return response.json((await report_for(request, filters)).to_dict())

    @dashboard.get("/api/kpis.csv")
    @guarded
    async def kpis_csv(request: Request) -> HTTPResponse:
        require(request, roles=LEAD_ROLES)
        filters = parse_filters(request.args, request.app.ctx.settings.handoff.timezone)
        report = await report_for(request, filters)
        name = f"kpis-{filters.since}-{filters.until}.csv"
        return response.text(to_csv(report), content_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @dashboard.exception(ValueError)
    async def bad_filter(request: Request, error: Exception) -> HTTPResponse:
        return response.json({"error": str(error)}, status=400)

    return dashboard
