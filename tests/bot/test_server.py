"""The Rasa server's speed-ups keep validation as strict as before."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.server import _cached_validate

validate = _cached_validate()


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
