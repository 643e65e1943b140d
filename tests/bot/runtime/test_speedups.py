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
