from datetime import date, datetime, time

import pytest
from zoneinfo import ZoneInfo

from bot.handoff import estimate_wait_minutes, is_open, next_opening
from bot.settings import HandoffSettings, SettingsError, load_settings

HELSINKI = ZoneInfo("Europe/Helsinki")
HOURS = HandoffSettings(holidays=(date(2026, 12, 24),))


def at(*args):
    return datetime(*args, tzinfo=HELSINKI)


def test_open_on_weekdays_in_the_teams_time_zone():
    assert is_open(HOURS, at(2026, 3, 18, 10, 0))       # Wednesday
    assert not is_open(HOURS, at(2026, 3, 18, 17, 0))   # closing time
    assert not is_open(HOURS, at(2026, 3, 21, 12, 0))   # Saturday
    assert not is_open(HOURS, at(2026, 12, 24, 12, 0))  # holiday
    utc_morning = datetime(2026, 3, 18, 6, 30, tzinfo=ZoneInfo("UTC"))  # 08:30 in Helsinki
    assert not is_open(HOURS, utc_morning)


def test_next_opening_skips_weekends_and_holidays():
    assert next_opening(HOURS, at(2026, 3, 20, 18, 0)) == at(2026, 3, 23, 9, 0)  # Fri -> Mon
    assert next_opening(HOURS, at(2026, 12, 23, 18, 0)) == at(2026, 12, 25, 9, 0)
    assert next_opening(HOURS, at(2026, 3, 18, 7, 0)) == at(2026, 3, 18, 9, 0)


def test_wait_estimate_uses_recent_handling_times_and_agents_online():
    assert estimate_wait_minutes(3, 1, [4.0, 6.0], 10) == 15
    assert estimate_wait_minutes(3, 3, [4.0, 6.0], 10) == 5
    assert estimate_wait_minutes(2, 0, [], 6) == 12
    assert estimate_wait_minutes(1, 5, [0.1], 6) == 1


def test_hours_are_configured_in_endpoints(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("handoff:\n  timezone: Europe/Istanbul\n  hours:\n    mon: 08:00-20:00\n"
                         "    sat: 10:00-14:00\n  holidays: [2026-01-01]\n")
    settings = load_settings(env={}, endpoints_file=endpoints).handoff
    assert settings.hours[0] == (time(8), time(20)) and settings.hours[1] is None
    assert settings.hours[5] == (time(10), time(14)) and settings.holidays == (date(2026, 1, 1),)
    endpoints.write_text("handoff:\n  hours:\n    mon: 9-5\n")
    with pytest.raises(SettingsError, match="handoff.hours.mon"):
        load_settings(env={}, endpoints_file=endpoints)
    endpoints.write_text("handoff:\n  timezone: Mars/Olympus\n")
    with pytest.raises(SettingsError, match="handoff.timezone"):
        load_settings(env={}, endpoints_file=endpoints)


def test_team_hours_follow_the_endpoints_file_while_running(tmp_path):
    import os

    import yaml

    from bot.handoff.hours import TeamHours

    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump({"handoff": {"hours": {"mon": "09:00-17:00"}}}))
    read = lambda path: load_settings(env={}, endpoints_file=path).handoff  # noqa: E731
    hours = TeamHours(read(endpoints), endpoints, read)
    assert hours.current().holidays == ()
    endpoints.write_text(yaml.safe_dump({"handoff": {"hours": {"mon": "09:00-17:00"},
                                                     "holidays": ["2026-03-16"]}}))
    os.utime(endpoints, ns=(1, 1))  # a change within the file system's time resolution
    closed = hours.current()
    assert closed.holidays == (date(2026, 3, 16),)
    assert not is_open(closed, at(2026, 3, 16, 10, 0))
    endpoints.write_text("handoff: [not, a, mapping]")
    os.utime(endpoints, ns=(2, 2))
    assert hours.current() is closed  # a broken file keeps the hours read last
