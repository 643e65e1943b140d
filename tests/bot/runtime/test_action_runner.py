"""Custom actions run inside the Rasa server answer as the action server would."""

import asyncio
import logging
import threading
import time

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import Action

from bot.runtime import install
from bot.runtime.action_runner import runner_for

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, affirm]
slots:
  language: {type: text, mappings: [{type: custom}]}
  seen: {type: any, mappings: [{type: custom}]}
responses:
  utter_greet: [{text: "Hei!"}]
  utter_action_failed: [{text: "Sorry, something went wrong."}]
  utter_action_timeout: [{text: "Sorry, that is taking too long."}]
actions: [action_echo, action_reject, action_crash, action_missing, action_blocks,
          action_awaits]
""")
#: Nothing listens here: any HTTP request would fail to connect.
UNREACHABLE = "http://127.0.0.1:9/webhook"


def run(action_name: str, **endpoint: str):
    install()
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
    for _ in range(2):  # every time, not only the first
        events = run("action_crash", actions_module="tests.fakes.inprocess_actions")
        assert [type(event) for event in events] == [BotUttered]
        assert events[0].text == "Sorry, something went wrong."


def test_an_unknown_action_is_an_error_for_rasa_not_a_crash():
    with pytest.raises(RasaException, match="action_missing"):
        run("action_missing", actions_module="tests.fakes.inprocess_actions")


def test_without_actions_module_the_action_server_is_called_over_http():
    with pytest.raises(RasaException, match="Couldn't connect"):
        run("action_echo")


# -- a time limit per action ---------------------------------------------------------------------

#: This module is the actions package of the timeout tests (its own runner, its own limit).
SLOW = "tests.bot.runtime.test_action_runner"
cancelled = threading.Event()


class ActionBlocks(Action):
    """A shop call that hangs: blocking, so only the caller's side can stop waiting."""

    def name(self):
        return "action_blocks"

    def run(self, dispatcher, tracker, domain):
        time.sleep(1.5)
        dispatcher.utter_message(text="too late")
        return []


class ActionAwaits(Action):
    def name(self):
        return "action_awaits"

    async def run(self, dispatcher, tracker, domain):
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return []


@pytest.fixture
def slow_runner():
    runner = runner_for(SLOW)
    runner.timeout = 0.3
    return runner


def test_a_slow_action_is_cut_off_and_the_shopper_told(slow_runner, caplog):
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="bot.runtime.action_runner"):
        events = run("action_blocks", actions_module=SLOW)
    assert time.monotonic() - started < 1.2
    # No events of the late action, and an honest word instead of silence.
    assert [type(event) for event in events] == [BotUttered]
    assert events[0].text == "Sorry, that is taking too long."
    assert "'action_blocks' did not finish within 0.3 s" in caplog.text
    assert "moi" not in caplog.text  # the action's name and the limit, not the conversation


def test_the_next_action_does_not_wait_for_a_stuck_one(slow_runner):
    run("action_blocks", actions_module=SLOW)
    # The first is still sleeping on its worker; this one gets a fresh worker and answers.
    events = run("action_echo", actions_module=SLOW)
    assert [event.text for event in events if isinstance(event, BotUttered)] == \
        ["you said moi", "Hei!"]


def test_an_awaiting_action_is_cancelled(slow_runner):
    cancelled.clear()
    events = run("action_awaits", actions_module=SLOW)
    assert events[0].text == "Sorry, that is taking too long."
    assert cancelled.wait(2)
