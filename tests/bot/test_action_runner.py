"""Custom actions run inside the Rasa server answer as the action server would."""

import asyncio

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.server import install_speedups

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, affirm]
slots:
  language: {type: text, mappings: [{type: custom}]}
  seen: {type: any, mappings: [{type: custom}]}
responses:
  utter_greet: [{text: "Hei!"}]
  utter_action_failed: [{text: "Sorry, something went wrong."}]
actions: [action_echo, action_reject, action_crash, action_missing]
""")
#: Nothing listens here: any HTTP request would fail to connect.
UNREACHABLE = "http://127.0.0.1:9/webhook"


def run(action_name: str, **endpoint: str):
    install_speedups()
    action = RemoteAction(action_name, EndpointConfig(url=UNREACHABLE, **endpoint))
    tracker = DialogueStateTracker.from_events("shopper", [
        ActionExecuted("action_listen"),
        UserUttered("moi", {"name": "greet", "confidence": 0.9})], DOMAIN.slots)
    return asyncio.run(action.run(CollectingOutputChannel(),
                                  TemplatedNaturalLanguageGenerator(DOMAIN.responses),
                                  tracker, DOMAIN))


def test_an_action_runs_in_process_with_its_messages_and_events():
    events = run("action_echo", actions_module="tests.fakes.inprocess_actions")
    messages = [event for event in events if isinstance(event, BotUttered)]
    assert [message.text for message in messages] == ["you said moi", "Hei!"]
    assert messages[0].data["buttons"] == [{"title": "Yes", "payload": "/affirm"}]
    slots = {event.key: event.value for event in events if isinstance(event, SlotSet)}
    # The domain was sent (no selective domain) and the tuple arrives as a JSON list.
    assert slots == {"language": "fi", "seen": [2, True]}


def test_a_rejection_is_the_action_servers_rejection():
    with pytest.raises(ActionExecutionRejection) as error:
        run("action_reject", actions_module="tests.fakes.inprocess_actions")
    assert "not now" in error.value.message


def test_a_failing_action_tells_the_shopper_and_changes_nothing():
    events = run("action_crash", actions_module="tests.fakes.inprocess_actions")
    assert [type(event) for event in events] == [BotUttered]
    assert events[0].text == "Sorry, something went wrong."


def test_an_unknown_action_is_an_error_for_rasa_not_a_crash():
    with pytest.raises(RasaException, match="action_missing"):
        run("action_missing", actions_module="tests.fakes.inprocess_actions")


def test_without_actions_module_the_action_server_is_called_over_http():
    with pytest.raises(RasaException, match="Couldn't connect"):
        run("action_echo")
