"""Action calls get the session's events as Rasa serialises them, however long the session
(and whatever Rasa changes on an event between two calls)."""

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.runtime import install
from bot.runtime.event_dicts import EventDicts
from tests.dialogue_model import load_domain

install()
RASA_STATE = DialogueStateTracker.current_state.__wrapped__


def user(text, intent):
    return UserUttered(text, {"name": intent, "confidence": 0.9}, [],
                       parse_data={"intent": {"name": intent, "confidence": 0.9},
                                   "entities": [], "text": text})


@pytest.fixture
def tracker():
    tracker = DialogueStateTracker("dicts", load_domain().slots)
    tracker.update(ActionExecuted("action_session_start"))
    return tracker


def turn(tracker, number):
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(user(f"message {number}", "greet"))
    tracker.update(SlotSet("language", "fi" if number % 2 else "en"))
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(BotUttered(f"hello {number}", {"buttons": []}))


def test_every_call_of_a_growing_session_gives_rasas_document(tracker):
    for number in range(30):
        turn(tracker, number)
        for verbosity in EventVerbosity:
            assert tracker.current_state(verbosity) == RASA_STATE(tracker, verbosity)


def test_an_event_changed_since_the_last_call_is_serialised_again(tracker):
    turn(tracker, 1)
    tracker.current_state(EventVerbosity.ALL)
    event = tracker.events[2]
    event.timestamp = 12.0  # as Rasa's update_with_events sets it
    event.metadata = {**event.metadata, "model_id": "m1"}  # as Rasa stamps it
    tracker.latest_message.parse_data["entities"].append({"entity": "size", "value": "M"})
    document = tracker.current_state(EventVerbosity.ALL)
    assert document == RASA_STATE(tracker, EventVerbosity.ALL)
    assert document["events"][2]["timestamp"] == 12.0
    assert document["events"][2]["metadata"] == {"model_id": "m1"}


def test_each_call_gets_its_own_list_of_events(tracker):
    turn(tracker, 1)
    first = tracker.current_state(EventVerbosity.ALL)
    first["events"].clear()
    assert tracker.current_state(EventVerbosity.ALL) == RASA_STATE(tracker, EventVerbosity.ALL)


def test_an_event_kept_by_two_conversations_or_changed_between_them(tracker):
    turn(tracker, 1)
    other = DialogueStateTracker.from_events("other", list(tracker.events), tracker.slots.values())
    assert other.current_state(EventVerbosity.ALL)["events"] == RASA_STATE(
        tracker, EventVerbosity.ALL)["events"]
    tracker.current_state(EventVerbosity.ALL)
    tracker.events[1].timestamp = 5.0
    for each in (tracker, other):
        assert each.current_state(EventVerbosity.ALL) == RASA_STATE(each, EventVerbosity.ALL)


def test_the_dicts_of_the_last_call_are_not_built_again(tracker, monkeypatch):
    dicts = EventDicts()
    for number in range(20):
        turn(tracker, number)
    events = list(tracker.events)
    dicts.as_dicts("copied", events)
    built = []
    for kind in {type(event) for event in events}:
        as_dict = kind.as_dict
        monkeypatch.setattr(kind, "as_dict", lambda self, as_dict=as_dict: (
            built.append(self), as_dict(self))[1])
    turn(tracker, 20)
    tracker.events[3].timestamp = 7.0
    assert dicts.as_dicts("copied", list(tracker.events)) == [
        event.as_dict() for event in tracker.events]
    # Only the changed event and the new turn's events were built.
    assert built[:6] == [tracker.events[3], *list(tracker.events)[-5:]]
