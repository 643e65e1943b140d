"""The policies' dialogue states, built incrementally, are exactly the ones Rasa builds."""

import itertools

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    FollowupAction,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.dialogue_states import IncrementalStates
from tests.dialogue_model import load_domain

RASA = getattr(Domain.states_for_tracker_history, "__wrapped__",
               Domain.states_for_tracker_history)
ARGUMENTS = [dict(omit_unset_slots=omit, ignore_rule_only_turns=ignore, rule_only_data=data)
             for omit, ignore, data in itertools.product(
                 [False, True], [False, True],
                 [None, {"rule_only_slots": ["product"], "rule_only_loops": ["product_form"]}])]


def user(text, intent, entities=()):
    return UserUttered(text, {"name": intent, "confidence": 0.9}, list(entities))


#: A conversation with a form (rule-only turns hidden), a follow-up action, a slot set by an
#: entity, and a message that is taken back.
CONVERSATION = [
    ActionExecuted("action_session_start"), SlotSet("language", "fi"),
    ActionExecuted("action_listen"), user("moi", "greet"),
    ActionExecuted("utter_greet"), BotUttered("Hei!"),
    ActionExecuted("action_listen"), user("onko sadetakkia", "product_info"),
    ActionExecuted("product_form"), ActiveLoop("product_form"),
    SlotSet("requested_slot", "product"), BotUttered("Mikä tuote?"),
    ActionExecuted("action_listen"),
    user("rain jacket", "inform", [{"entity": "product", "value": "rain jacket"}]),
    ActionExecuted("product_form", hide_rule_turn=True), SlotSet("product", "rain jacket"),
    ActiveLoop(None), SlotSet("requested_slot", None),
    ActionExecuted("action_product_info", hide_rule_turn=True), FollowupAction("utter_greet"),
    ActionExecuted("utter_greet"),
    ActionExecuted("action_listen"), user("asdfgh", "nlu_fallback"), UserUtteranceReverted(),
    ActionExecuted("action_listen"), user("kiitos", "thank"),
    ActionExecuted("utter_you_are_welcome"),
]


@pytest.fixture(scope="module")
def domain():
    return load_domain()


def test_every_step_of_a_conversation_gives_rasas_states(domain):
    states = IncrementalStates(RASA)
    tracker = DialogueStateTracker("shopper", domain.slots)
    for event in CONVERSATION:
        tracker.update(event)
        for arguments in ARGUMENTS:
            assert states(domain, tracker, **arguments) == RASA(domain, tracker, **arguments)


def test_a_tracker_rebuilt_from_stored_events_or_another_conversation(domain):
    states = IncrementalStates(RASA)
    first = DialogueStateTracker.from_events("a", CONVERSATION[:12], domain.slots)
    assert states(domain, first) == RASA(domain, first)
    # The next message arrives on a tracker rebuilt from copies of the stored events.
    copies = [type(e).from_parameters(e.as_dict()) for e in CONVERSATION[:16]]
    again = DialogueStateTracker.from_events("a", copies, domain.slots)
    for arguments in ARGUMENTS:
        assert states(domain, again, **arguments) == RASA(domain, again, **arguments)
    other = DialogueStateTracker.from_events("b", CONVERSATION[:6], domain.slots)
    assert states(domain, other) == RASA(domain, other)


def test_callers_may_edit_their_states(domain):
    states = IncrementalStates(RASA)
    tracker = DialogueStateTracker.from_events("s", CONVERSATION[:14], domain.slots)
    first = states(domain, tracker)
    for state in first:
        for sub_state in state.values():
            sub_state.clear()
    assert states(domain, tracker) == RASA(domain, tracker)


def test_it_replaces_the_domain_method_when_the_server_starts(domain):
    from bot.runtime import install

    install()
    assert isinstance(Domain.__dict__["states_for_tracker_history"], IncrementalStates)
    tracker = DialogueStateTracker.from_events("s", CONVERSATION, domain.slots)
    assert tracker.past_states(domain, ignore_rule_only_turns=True) == RASA(
        domain, tracker, ignore_rule_only_turns=True)


def sharing(states):
    """Which states hold the previous state's very user sub-state (Rasa's rule-only
    substitution shares it, so an edit of one shows in the other)."""
    return [index for index in range(1, len(states))
            if states[index].get("user") is not None
            and states[index].get("user") is states[index - 1].get("user")]


def test_states_share_user_sub_states_where_rasas_do_at_every_step(domain):
    states = IncrementalStates(RASA)
    tracker = DialogueStateTracker("sharing", domain.slots)
    for event in CONVERSATION:
        tracker.update(event)
        for arguments in ARGUMENTS:
            ours, rasas = states(domain, tracker, **arguments), RASA(domain, tracker, **arguments)
            assert ours == rasas
            assert sharing(ours) == sharing(rasas)


def test_a_featurizer_with_a_max_history_gets_rasas_states(domain):
    from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
    from rasa.shared.core.constants import ACTION_UNLIKELY_INTENT_NAME

    from bot.runtime import install

    install()
    rasas = MaxHistoryTrackerFeaturizer.prediction_states.__wrapped__
    # action_unlikely_intent states are dropped before the last max_history are kept.
    events = [*CONVERSATION[:8], ActionExecuted(ACTION_UNLIKELY_INTENT_NAME),
              ActionExecuted(ACTION_UNLIKELY_INTENT_NAME), *CONVERSATION[8:]]
    tracker = DialogueStateTracker("featurizer", domain.slots)
    for event in events:
        tracker.update(event)
        for max_history, use_text, unlikely, arguments in itertools.product(
                [1, 3, 5, None], [False, True], [False, True], ARGUMENTS):
            if arguments["omit_unset_slots"]:
                continue  # the featurizer never omits them
            featurizer = MaxHistoryTrackerFeaturizer(max_history=max_history)
            options = dict(use_text_for_last_user_input=use_text,
                           ignore_rule_only_turns=arguments["ignore_rule_only_turns"],
                           rule_only_data=arguments["rule_only_data"],
                           ignore_action_unlikely_intent=unlikely)
            ours = featurizer.prediction_states([tracker], domain, **options)
            assert ours == rasas(featurizer, [tracker], domain, **options)
