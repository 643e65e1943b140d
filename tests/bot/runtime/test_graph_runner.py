"""The prediction graph gives the same answers run in order as run through dask."""

import asyncio

import pytest
from rasa.core.agent import Agent
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.graph_runner import plan_for, run_in_order
from bot.settings import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "current.tar.gz"
DASK_RUN = DaskGraphRunner.__dict__["run"] if DaskGraphRunner.run is not run_in_order else None


@pytest.fixture(scope="module")
def agent():
    if not MODEL.exists():
        pytest.skip("no trained model (make train)")
    return Agent.load(str(MODEL))


def answers(agent, run):
    original = DaskGraphRunner.run
    DaskGraphRunner.run = run
    try:
        async def go():
            parsed = [await agent.parse_message(text) for text in (
                "where is my order 10023", "mikä on palautusoikeus", "asdf qwerty", "")]
            tracker = DialogueStateTracker.from_events("s", [
                ActionExecuted("action_listen"),
                UserUttered("hi", {"name": "greet", "confidence": 1.0})], agent.domain.slots)
            prediction = agent.processor._predict_next_with_tracker(tracker)
            return parsed, (prediction.policy_name, prediction.max_confidence,
                            agent.domain.action_names_or_texts[
                                prediction.probabilities.index(prediction.max_confidence)])
        return asyncio.run(go())
    finally:
        DaskGraphRunner.run = original


@pytest.mark.skipif(DASK_RUN is None, reason="dask's run was replaced before this module")
def test_same_parse_and_prediction_as_dask(agent):
    assert answers(agent, run_in_order) == answers(agent, DASK_RUN)


def test_each_node_comes_after_the_nodes_it_needs(agent):
    schema = agent.processor.graph_runner._graph_schema
    plan = plan_for(schema, list(schema.nodes))
    position = {name: k for k, (name, _) in enumerate(plan)}
    assert len(position) == len(plan) == len(schema.nodes)
    for name, needs in plan:
        assert all(position[need] < position[name] for need in needs if need in position)


def test_an_input_named_like_a_node_is_refused(agent):
    runner = agent.processor.graph_runner
    node = next(iter(runner._graph_schema.nodes))
    with pytest.raises(GraphRunError):
        run_in_order(runner, inputs={"__message__": node})
