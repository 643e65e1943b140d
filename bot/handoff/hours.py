"""When people are at work, and how long a shopper will wait for one."""

from __future__ import annotations

import logging
import math
import os
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Optional, Sequence, Tuple

from zoneinfo import ZoneInfo

from bot.settings import HandoffSettings, Settings, SettingsError, load_settings

logger = logging.getLogger(__name__)


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


def _read_hours(path: Path) -> HandoffSettings:
    return load_settings(endpoints_file=path).handoff


class TeamHours:
    """The team's hours and holidays as the endpoints file says now.

    The file is read again when it has changed, so that new hours or a closure added on the
    day (a holiday) count from the next handoff without a restart; the end-to-end tests move
    the running assistant in and out of hours this way. A file that cannot be read keeps the
    hours read last (and says so in the log).

    Args:
        settings: The hours the process started with.
        source: The endpoints file (None: the start-up hours are kept).
        read: Reads the handoff settings from the file (tests pass their own).
    """

    def __init__(self, settings: HandoffSettings, source: Optional[Path] = None,
                 read: Callable[[Path], HandoffSettings] = _read_hours) -> None:
        self._hours = settings
        self._source = source
        self._read = read
        self._lock = threading.Lock()
        self._seen = self._stamp()

    @classmethod
    def of(cls, settings: Settings) -> "TeamHours":
        """The hours of the endpoints file the settings were read from (as ``load_settings``
        finds it)."""
        source = Path(os.environ.get("ENDPOINTS_FILE") or settings.project_root / "endpoints.yml")
        return cls(settings.handoff, source)

    def _stamp(self) -> Optional[Tuple[int, int]]:
        try:
            stat = self._source.stat() if self._source else None
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size) if stat else None

    def current(self) -> HandoffSettings:
        """The hours in force now."""
        with self._lock:
            stamp = self._stamp()
            if stamp is not None and stamp != self._seen and self._source is not None:
                try:
                    self._hours = self._read(self._source)
                except (OSError, SettingsError) as error:
                    logger.warning("opening hours not re-read, keeping the last ones: %s", error)
                self._seen = stamp
            return self._hours
