from dataclasses import replace
from datetime import datetime, time

from bot.handoff import SQLiteHandoffQueue
from bot.handoff.tickets import PersonRequest, build_ticket, request_person, wait_minutes
from bot.settings import HandoffSettings, load_settings
from tests.bot.handoff.test_context import EVENTS

WEDNESDAY_NOON = datetime(2026, 3, 18, 12, 0)
SUNDAY_NOON = datetime(2026, 3, 22, 12, 0)


def request(**changes) -> PersonRequest:
    base = PersonRequest(
        conversation_id="rest:anna", reason="complaint", events=EVENTS,
        slots={"order_number": "10023", "email": "anna@example.com", "verified_order": "10022"},
        verified_order=None, language="fi", channel="rest", client="client-1",
        customer_id="C-1001", customer_name="Anna Virtanen",
        customer_email="anna.virtanen@example.com")
    return replace(base, **changes)


def settings():
    return replace(load_settings(env={}), handoff=HandoffSettings(timezone="UTC"))


def test_the_ticket_carries_the_context_an_agent_needs():
    ticket = build_ticket(request(), settings(), WEDNESDAY_NOON)
    assert ticket.priority == 1 and ticket.reason == "complaint"  # complaints go first
    assert ticket.summary.startswith("Anna Virtanen")
    assert ticket.language == "fi" and ticket.customer_id == "C-1001"
    assert ticket.followup_email == "anna.virtanen@example.com"
    assert [line.text for line in ticket.transcript][-1] == "this is useless, get me a human"
    assert not ticket.after_hours


def test_only_a_still_valid_verification_counts_as_verified():
    stale = build_ticket(request(), settings(), WEDNESDAY_NOON)  # the slot says 10022 ...
    assert not stale.order_verified and stale.order_number == "10023"  # ... but it expired
    fresh = build_ticket(request(verified_order="10022"), settings(), WEDNESDAY_NOON)
    assert fresh.order_verified and fresh.order_number == "10022"


def test_after_hours_is_decided_by_the_teams_hours():
    assert build_ticket(request(), settings(), SUNDAY_NOON).after_hours


def test_asking_again_finds_the_open_ticket_and_the_wait_counts_the_queue(tmp_path):
    queue = SQLiteHandoffQueue(tmp_path / "q.db")
    open_all_week = replace(settings(), handoff=HandoffSettings(
        timezone="UTC", hours=tuple([(time(0), time(23, 59))] * 7)))
    first = request_person(queue, queue, open_all_week, request(), WEDNESDAY_NOON)
    again = request_person(queue, queue, open_all_week, request(), WEDNESDAY_NOON)
    assert first.new and not again.new and again.ticket.ticket_id == first.ticket.ticket_id
    other = request_person(queue, queue, open_all_week,
                           request(conversation_id="rest:mikko", reason="talk_to_human"),
                           WEDNESDAY_NOON)
    # Nobody online: the default handling time per ticket ahead, the complaint first.
    assert wait_minutes(queue, queue, first.ticket.ticket_id, 6.0) < \
        wait_minutes(queue, queue, other.ticket.ticket_id, 6.0)
