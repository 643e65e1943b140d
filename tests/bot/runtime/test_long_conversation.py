"""A long conversation through the trained model and the real actions, in process: everything
Rasa rebuilds from the tracker's events, and every policy prediction, is what Rasa's own code
gives, and the conversation reads back from the database as Rasa's SQL tracker store reads it."""

import asyncio
import os
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.runtime import install
from bot.settings import PROJECT_ROOT, SECRET_VARIABLES
from bot.tools.benchmarks.long import SCRIPT
from bot.tools.run import Stack, prepare_data
from tests.bot.runtime.trackers import state_of

MODEL = PROJECT_ROOT / "models" / "current.tar.gz"
TURNS = 2 * len(SCRIPT)

install()


def prediction(policy_prediction):
    """What a policy's prediction decides."""
    return {"probabilities": policy_prediction.probabilities,
            "events": [event.as_dict() for event in policy_prediction.events],
            "hide_rule_turn": policy_prediction.hide_rule_turn,
            "end_to_end": policy_prediction.is_end_to_end_prediction,
            "no_user": policy_prediction.is_no_user_prediction,
            "optional_events": [event.as_dict()
                                for event in policy_prediction.optional_events]}


class Checked:
    """Each patched tracker method, called beside Rasa's own; every difference is kept
    (Rasa catches what an action raises, so a failed assert would go unseen)."""

    def __init__(self, monkeypatch):
        self.differences = []
        self.calls = 0
        cls = DialogueStateTracker
        from_events = cls.__dict__["from_events"].__func__
        travel, applied, current = (cls.travel_back_in_time, cls.applied_events,
                                    cls.current_state)

        def check_from_events(klass, sender_id, evts, *args, **kwargs):
            ours = from_events(klass, sender_id, evts, *args, **kwargs)
            self.compare("from_events", state_of(ours), state_of(
                from_events.__wrapped__(klass, sender_id, evts, *args, **kwargs)))
            return ours

        def check_travel(tracker, target_time):
            ours = travel(tracker, target_time)
            self.compare("travel_back_in_time", state_of(ours),
                         state_of(travel.__wrapped__(tracker, target_time)))
            return ours

        def check_applied(tracker):
            ours = applied(tracker)
            self.compare("applied_events", [id(e) for e in ours],
                         [id(e) for e in applied.__wrapped__(tracker)])
            return ours

        def check_current(tracker, verbosity=EventVerbosity.NONE):
            ours = current(tracker, verbosity)
            self.compare("current_state", ours, current.__wrapped__(tracker, verbosity))
            return ours

        from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
        from rasa.core.policies.rule_policy import RulePolicy

        from bot.runtime.dialogue_states import _rule_states

        featurize = MaxHistoryTrackerFeaturizer.prediction_states
        rules = RulePolicy.predict_action_probabilities

        def check_featurize(featurizer, *args, **kwargs):
            ours = featurize(featurizer, *args, **kwargs)
            if _rule_states.get() is None:  # the RulePolicy's are checked by its predictions
                self.compare("prediction_states", ours,
                             featurize.__wrapped__(featurizer, *args, **kwargs))
            return ours

        def check_rules(policy, tracker, domain, *args, **kwargs):
            ours = rules(policy, tracker, domain, *args, **kwargs)
            self.compare("rule prediction", prediction(ours),
                         prediction(rules.__wrapped__(policy, tracker, domain, *args, **kwargs)))
            return ours

        monkeypatch.setattr(MaxHistoryTrackerFeaturizer, "prediction_states", check_featurize)
        monkeypatch.setattr(RulePolicy, "predict_action_probabilities", check_rules)
        monkeypatch.setattr(cls, "from_events", classmethod(check_from_events))
        monkeypatch.setattr(cls, "travel_back_in_time", check_travel)
        monkeypatch.setattr(cls, "applied_events", check_applied)
        monkeypatch.setattr(cls, "current_state", check_current)

    def compare(self, name, ours, rasas):
        self.calls += 1
        if ours != rasas:
            self.differences.append(name)


@pytest.fixture
def assistant(tmp_path, monkeypatch):
    """The Rasa agent as the server runs it: trained model, in-process actions, cached
    tracker store in tmp_path."""
    if not MODEL.exists():
        pytest.skip("no trained model (make train)")
    stack = Stack(var_dir=tmp_path)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump(stack._endpoints(), sort_keys=False))
    secrets = {name: f"{name.lower()}-for-the-long-conversation-test"
               for name in SECRET_VARIABLES}
    env = {"SHOP_ASSISTANT_VAR": str(tmp_path), "ENDPOINTS_FILE": str(endpoints),
           "DEMO_SHOP": "1", **secrets}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    prepare_data(dict(os.environ))
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    return asyncio.run(load_agent(model_path=str(MODEL),
                                  endpoints=AvailableEndpoints.read_endpoints(str(endpoints))))


async def converse(agent, sender, turns):
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    replies = []
    for index in range(turns):
        output = CollectingOutputChannel()
        await agent.handle_message(UserMessage(SCRIPT[index % len(SCRIPT)], output, sender,
                                               input_channel="rest"))
        replies.append([message.get("text") for message in output.messages])
    return replies


def test_every_rebuilt_tracker_and_action_call_is_rasas_own(assistant, monkeypatch):
    checked = Checked(monkeypatch)
    replies = asyncio.run(converse(assistant, "rest:long", TURNS))
    assert all(replies), "every message is answered"
    assert checked.calls > 10 * TURNS
    assert checked.differences == []


def test_the_stored_conversation_reads_back_as_rasas_sql_store_reads_it(assistant,
                                                                        tmp_path: Path):
    from rasa.core.tracker_store import SQLTrackerStore

    asyncio.run(converse(assistant, "rest:stored", TURNS))
    ours = asyncio.run(assistant.tracker_store.retrieve("rest:stored"))
    rasa = SQLTrackerStore(assistant.domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    theirs = asyncio.run(rasa.retrieve("rest:stored"))
    assert len(ours.events) > 10 * TURNS
    assert ours.current_state(EventVerbosity.ALL) == theirs.current_state(EventVerbosity.ALL)
    assert ours.applied_events() == theirs.applied_events()
    assert state_of(ours)["slots"] == state_of(theirs)["slots"]
