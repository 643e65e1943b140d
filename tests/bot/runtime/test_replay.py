"""Trackers rebuilt from a remembered replay are the trackers Rasa's own replay builds."""


import pytest
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    EntitiesAdded,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime import install
from tests.bot.runtime.trackers import state_of
from tests.dialogue_model import load_domain

install()
RASA_FROM_EVENTS = DialogueStateTracker.__dict__["from_events"].__func__.__wrapped__
RASA_TRAVEL = DialogueStateTracker.travel_back_in_time.__wrapped__
RASA_APPLIED = DialogueStateTracker.applied_events.__wrapped__


def user(text, intent, entities=()):
    return UserUttered(text, {"name": intent, "confidence": 0.9}, list(entities))


def conversation():
    """A session with a form that is rejected, interrupted and finished, a follow-up action,
    taken-back messages and actions, a pause, then a restart and a second session."""
    return [
        ActionExecuted("action_session_start"), SessionStarted(), SlotSet("language", "fi"),
        ActionExecuted("action_listen"), user("moi", "greet"),
        ActionExecuted("utter_greet"), BotUttered("Hei!"),
        ActionExecuted("action_listen"), user("onko sadetakkia", "product_info"),
        ActionExecuted("product_form"), ActiveLoop("product_form"),
        SlotSet("requested_slot", "product"), BotUttered("Mikä tuote?"),
        ActionExecuted("action_listen"), user("mitä kello on", "out_of_scope"),
        ActionExecutionRejected("product_form"), LoopInterrupted(True),
        ActionExecuted("utter_out_of_scope"), BotUttered("En osaa sanoa."),
        ActionExecuted("product_form"),
        ActionExecuted("action_listen"),
        user("rain jacket", "inform", [{"entity": "product", "value": "rain jacket"}]),
        EntitiesAdded([{"entity": "size", "value": "M"}]),
        ActionExecuted("product_form", hide_rule_turn=True), SlotSet("product", "rain jacket"),
        ActiveLoop(None), SlotSet("requested_slot", None),
        ActionExecuted("action_product_info", hide_rule_turn=True), FollowupAction("utter_greet"),
        ActionExecuted("utter_greet"),
        ActionExecuted("action_listen"), user("asdfgh", "nlu_fallback"), UserUtteranceReverted(),
        ActionExecuted("action_listen"), user("kiitos", "thank"),
        ActionExecuted("utter_noworries"), ActionReverted(),
        ActionExecuted("utter_you_are_welcome"), ConversationPaused(), ConversationResumed(),
        ActionExecuted("action_listen"), user("alusta", "restart"), Restarted(),
        ActionExecuted("action_session_start"), SessionStarted(),
        ActionExecuted("action_listen"), user("hello", "greet"),
        ActionExecuted("utter_greet"), BotUttered("Hi!"), ActionExecuted("action_listen"),
    ]


@pytest.fixture(scope="module")
def slots():
    return load_domain().slots


def test_every_prefix_of_a_conversation_rebuilds_as_rasa_rebuilds_it(slots):
    events = conversation()
    for length in range(len(events) + 1):
        ours = DialogueStateTracker.from_events("prefixes", events[:length], slots)
        rasa = RASA_FROM_EVENTS(DialogueStateTracker, "prefixes", events[:length], slots)
        assert state_of(ours) == state_of(rasa), length


def test_copies_at_each_step_and_travel_back_in_time(slots):
    events = conversation()
    tracker = DialogueStateTracker("copies", slots)
    for event in events:
        tracker.update(event)
        assert state_of(tracker.copy()) == state_of(RASA_TRAVEL(tracker, float("inf")))
    middle = events[20].timestamp
    assert state_of(tracker.travel_back_in_time(middle)) == state_of(
        RASA_TRAVEL(tracker, middle))


def test_a_tracker_rebuilt_from_other_event_objects_is_replayed_in_full(slots):
    events = conversation()
    DialogueStateTracker.from_events("stored", events[:30], slots)
    stored = [type(event).from_parameters(event.as_dict()) for event in events]
    ours = DialogueStateTracker.from_events("stored", stored, slots)
    assert state_of(ours) == state_of(
        RASA_FROM_EVENTS(DialogueStateTracker, "stored", stored, slots))


def test_changing_a_rebuilt_tracker_changes_nothing_remembered(slots):
    events = conversation()[:14]  # the form is active, a slot is requested
    first = DialogueStateTracker.from_events("edits", events, slots)
    first.update(LoopInterrupted(True))  # edits the active loop in place
    first.update(SlotSet("product", "boots"))
    first.slots["language"].value = "en"
    first.latest_action["action_name"] = "edited"
    again = DialogueStateTracker.from_events("edits", events, slots)
    assert state_of(again) == state_of(
        RASA_FROM_EVENTS(DialogueStateTracker, "edits", events, slots))


def test_the_next_message_replays_only_the_events_since(slots, monkeypatch):
    events = conversation()
    DialogueStateTracker.from_events("since", events[:40], slots)
    replayed = []
    update = DialogueStateTracker.update
    monkeypatch.setattr(DialogueStateTracker, "update",
                        lambda self, event, domain=None: (replayed.append(event),
                                                          update(self, event, domain)))
    tracker = DialogueStateTracker.from_events("since", events[:43], slots)
    assert replayed == events[40:43]
    tracker.copy()
    assert replayed == events[40:43]


def test_a_fresh_tracker_gets_its_own_empty_latest_message(slots):
    first = DialogueStateTracker.from_events("empty", [SlotSet("language", "fi")], slots)
    second = DialogueStateTracker.from_events("empty", [SlotSet("language", "fi")], slots)
    assert first.latest_message is not second.latest_message
    assert first.latest_bot_utterance is not second.latest_bot_utterance


def test_applied_events_step_by_step_as_rasa_folds_them(slots):
    events = conversation()
    tracker = DialogueStateTracker("applied", slots)
    for event in events:
        tracker.update(event)
        assert [id(e) for e in tracker.applied_events()] == [
            id(e) for e in RASA_APPLIED(tracker)]


def test_applied_events_when_a_loop_is_activated_only_later(slots):
    # A form that ran before it was ever activated in these events is folded differently once
    # an ActiveLoop names it: what was remembered must not be continued.
    events = [ActionExecuted("action_listen"), user("hi", "greet"),
              ActionExecuted("product_form"), ActionExecuted("action_listen"),
              user("jacket", "inform"), ActionExecuted("product_form")]
    tracker = DialogueStateTracker("late_loop", slots)
    for event in events:
        tracker.update(event)
        tracker.applied_events()
    tracker.update(ActiveLoop("product_form"))
    assert [id(e) for e in tracker.applied_events()] == [id(e) for e in RASA_APPLIED(tracker)]


def test_a_bounded_event_history_is_replayed_as_rasa_does(slots):
    events = conversation()
    ours = DialogueStateTracker.from_events("bounded", events, slots, max_event_history=10)
    rasa = RASA_FROM_EVENTS(DialogueStateTracker, "bounded", events, slots,
                            max_event_history=10)
    assert state_of(ours) == state_of(rasa)
    assert ours.applied_events() == RASA_APPLIED(rasa)


@pytest.mark.parametrize("odd", [float("nan"), None, "2026-12-06"])
def test_a_copy_with_an_odd_timestamp_is_rasas(slots, monkeypatch, odd):
    """A copy no longer looks at each event's timestamp while every timestamp ever set is a
    number; one that is not (NaN, None, text) makes a copy look again, as Rasa's does."""
    from bot.runtime import event_dicts

    monkeypatch.setattr(event_dicts, "unusual_timestamps", [])
    events = conversation()
    tracker = DialogueStateTracker.from_events("odd", events, slots)
    assert event_dicts.timestamps_are_numbers()
    assert state_of(tracker.copy()) == state_of(RASA_TRAVEL(tracker, float("inf")))
    events[30].timestamp = odd
    assert not event_dicts.timestamps_are_numbers()
    if odd is None or isinstance(odd, str):
        with pytest.raises(TypeError):
            RASA_TRAVEL(tracker, float("inf"))
        with pytest.raises(TypeError):
            tracker.copy()
    else:
        assert state_of(tracker.copy()) == state_of(RASA_TRAVEL(tracker, float("inf")))
        assert len(tracker.copy().events) == 30
