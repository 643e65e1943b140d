"""When people are at work, and how long a shopper will wait for one."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Optional, Sequence

from zoneinfo import ZoneInfo

from bot.settings import HandoffSettings


def _local(now: Optional[datetime], settings: HandoffSettings) -> datetime:
    zone = ZoneInfo(settings.timezone)
    if now is None:
        return datetime.now(zone)
    return now.astimezone(zone) if now.tzinfo else now.replace(tzinfo=zone)


def is_open(settings: HandoffSettings, now: Optional[datetime] = None) -> bool:
    """True when the support team works at ``now`` (in the team's time zone)."""
    local = _local(now, settings)
    if local.date() in settings.holidays:
        return False
    hours = settings.hours[local.weekday()]
    return hours is not None and hours[0] <= local.time() < hours[1]


def next_opening(settings: HandoffSettings, now: Optional[datetime] = None) -> Optional[datetime]:
    """When the team is next at work (local time), within two weeks; None if never."""
    local = _local(now, settings)
    for days in range(0, 15):
        day = (local + timedelta(days=days)).date()
        hours = settings.hours[day.weekday()]
        if hours is None or day in settings.holidays:
            continue
        opening = datetime.combine(day, hours[0], tzinfo=local.tzinfo)
        closing = datetime.combine(day, hours[1], tzinfo=local.tzinfo)
        if days == 0 and local >= closing:
            continue
        return max(opening, local) if days == 0 else opening
    return None


def estimate_wait_minutes(position: int, agents_online: int, recent_minutes: Sequence[float],
                          default_minutes: float) -> int:
    """Minutes until an agent is free: queue place x average handling time / agents online."""
    average = sum(recent_minutes) / len(recent_minutes) if recent_minutes else default_minutes
    return max(1, math.ceil(max(position, 1) * average / max(agents_online, 1)))
