"""The Rasa server's speed-ups keep validation as strict as before."""

import asyncio
import json
import math

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.runtime import install
from bot.runtime.fast_json import fast_dumps
from bot.runtime.speedups import cached_validate

validate = cached_validate()


def test_action_server_responses_are_still_validated():
    schema = RemoteAction.action_response_format_spec()
    validate({"events": [{"event": "slot", "name": "language", "value": "fi"}],
              "responses": [{"response": "utter_greet"}]}, schema)
    validate({"events": [], "responses": []}, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as cached_error:
        validate({"events": [{"event": 42}], "responses": []}, schema)
    with pytest.raises(jsonschema.ValidationError) as plain_error:
        jsonschema.validators.validate({"events": [{"event": 42}], "responses": []}, schema)
    assert cached_error.value.message == plain_error.value.message


def test_an_invalid_schema_is_still_an_error():
    with pytest.raises(jsonschema.SchemaError):
        validate({}, {"type": 12})


def test_requests_to_the_action_server_carry_the_same_json():
    body = {"tracker": {"events": [{"event": "user", "text": "Hyvää päivää / hei",
                                    "parse_data": {"intent": {"confidence": 0.1 + 0.2}}}]},
            "next_action": "action_answer_faq", "count": 3, "none": None, "flag": True}
    assert json.loads(fast_dumps(body)) == body
    assert math.isnan(json.loads(fast_dumps({"x": float("nan")}))["x"])  # as json.dumps does
    assert json.loads(fast_dumps({"big": 2 ** 70})) == {"big": 2 ** 70}


def test_rasa_endpoint_sessions_use_the_fast_serialiser():
    install()

    async def serialiser():
        async with EndpointConfig("http://localhost:5055/webhook").session() as session:
            return session._json_serialize

    assert asyncio.run(serialiser()) is fast_dumps



@pytest.mark.parametrize("event", [
    {"event": "slot", "name": 5, "value": "x"},
    {"event": "no_such_event"},
    {"event": "user", "text": "hi", "parse_data": {"entities": [{"entity": 1}]}},
    {"event": ["slot"]},
    {"name": "language"},
])
def test_invalid_events_are_refused_with_jsonschemas_own_error(event):
    schema = RemoteAction.action_response_format_spec()
    response = {"events": [{"event": "slot", "name": "language", "value": "fi"}, event],
                "responses": []}
    with pytest.raises(jsonschema.ValidationError) as cached_error:
        validate(response, schema)
    with pytest.raises(jsonschema.ValidationError) as plain_error:
        jsonschema.validators.validate(response, schema)
    assert cached_error.value.message == plain_error.value.message


def test_every_kind_of_valid_event_passes():
    schema = RemoteAction.action_response_format_spec()
    events = [{"event": "user", "text": "moi", "parse_data": {
                  "intent": {"name": "greet", "confidence": 0.9},
                  "entities": [{"entity": "order_number", "value": "10023", "start": 1,
                                "end": 6}]}},
              {"event": "action", "name": "action_listen", "policy": None, "confidence": 1.0},
              {"event": "bot", "text": "Hei", "data": {"buttons": []}},
              {"event": "active_loop", "name": None}, {"event": "followup", "name": "x"},
              {"event": "session_started", "timestamp": 1.5, "metadata": {}}]
    validate({"events": events, "responses": [{"text": "x"}]}, schema)
    jsonschema.validators.validate({"events": events, "responses": [{"text": "x"}]}, schema)


def test_the_loaded_model_is_left_out_of_later_garbage_collections():
    import gc

    from bot.runtime.speedups import freezing_after_load

    model = [{"weights": list(range(100))} for _ in range(1000)]

    async def load(*args, **kwargs):
        return model

    gc.unfreeze()
    try:
        assert asyncio.run(freezing_after_load(load)("path", app=None)) is model
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()


class _Rules:
    """The parts of Rasa's RulePolicy that filter rules by the conversation's states."""

    from rasa.core.policies.rule_policy import RulePolicy

    _rule_key_to_state = staticmethod(RulePolicy._rule_key_to_state)
    _does_rule_match_state = staticmethod(RulePolicy._does_rule_match_state)
    _is_rule_applicable = RulePolicy._is_rule_applicable
    rasa_possible_keys = RulePolicy._get_possible_keys


def test_rules_found_for_every_step_of_a_conversation_are_rasas():
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.runtime.speedups import possible_rule_keys
    from tests.bot.runtime.test_dialogue_states import CONVERSATION, RASA
    from tests.dialogue_model import load_domain

    domain = load_domain()
    tracker = DialogueStateTracker("rules", domain.slots)
    history = []
    for event in CONVERSATION:
        tracker.update(event)
        history.append(RASA(domain, tracker))
    states = history[-1]
    # Rules of every length cut from the conversation itself (so that many apply), and some
    # that never match.
    lookup = {json.dumps(states[start:end]): "utter_greet"
              for start in range(len(states)) for end in range(start + 1, len(states) + 1)
              if end - start <= 6}
    lookup[json.dumps([{"prev_action": {"action_name": "never"}}])] = "utter_greet"
    rules = _Rules()
    for step in history:
        assert possible_rule_keys(rules, lookup, step) == rules.rasa_possible_keys(lookup, step)
    assert possible_rule_keys(rules, lookup, states)  # some rules do apply


def test_the_rule_policy_formats_its_states_only_for_debug_logs():
    import logging

    import rasa.utils.log_utils
    from rasa.core.policies.policy import Policy

    install()
    states = [{"user": {"intent": "greet"}, "prev_action": {"action_name": "action_listen"}}]
    rasa.utils.log_utils.configure_structlog(logging.INFO)
    assert Policy.format_tracker_states(states) == ""
    rasa.utils.log_utils.configure_structlog(logging.DEBUG)
    assert "user intent: greet" in Policy.format_tracker_states(states)
    rasa.utils.log_utils.configure_structlog(logging.WARNING)


def test_events_after_the_latest_restart_are_rasas():
    from rasa.shared.core.events import ActionExecuted, Restarted, SessionStarted
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.runtime.speedups import idx_after_latest_restart

    def rasas(tracker):  # Rasa 3.6's loop
        for i, event in enumerate(reversed(tracker.events)):
            if isinstance(event, Restarted):
                return len(tracker.events) - i
        return 0

    tracker = DialogueStateTracker("restarts", [])
    for event in [SessionStarted(), ActionExecuted("action_listen"), Restarted(),
                  ActionExecuted("action_session_start"), SessionStarted(), Restarted(),
                  ActionExecuted("action_listen")]:
        assert idx_after_latest_restart(tracker) == rasas(tracker)
        tracker.update(event)
    assert idx_after_latest_restart(tracker) == rasas(tracker) == 6

    class OwnRestart(Restarted):
        pass

    tracker.update(ActionExecuted("action_listen"))
    tracker.update(OwnRestart())
    assert idx_after_latest_restart(tracker) == rasas(tracker) == 9
    without = DialogueStateTracker("no restarts", [])
    for event in [SessionStarted(), ActionExecuted("action_listen")]:
        without.update(event)
    assert idx_after_latest_restart(without) == rasas(without) == 0


def test_events_of_every_kind_are_read_back_as_rasa_reads_them():
    import rasa.shared.utils.common
    from rasa.shared.core.events import Event

    from bot.runtime.speedups import resolve_event_type

    def original(type_name, default=None):  # Rasa's walk
        return next((kind for kind in rasa.shared.utils.common.all_subclasses(Event)
                     if kind.type_name == type_name), None if type_name == "topic" else default)

    resolve = resolve_event_type(Event.resolve_by_type).__func__
    for kind in rasa.shared.utils.common.all_subclasses(Event):
        if getattr(kind, "type_name", None):
            assert resolve(kind.type_name) is original(kind.type_name), kind.type_name
            assert resolve(kind.type_name) is original(kind.type_name)  # from memory
    assert resolve("no_such_event", default=dict) is dict
    assert resolve("topic") is None
    with pytest.raises(ValueError):
        resolve("no_such_event")
