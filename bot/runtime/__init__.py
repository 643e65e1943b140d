"""Everything that plugs into or patches Rasa: the one place a Rasa upgrade has to look at.

- Plugged in by configuration (no patching): the channels (``credentials.yml``), the tracker
  store (``endpoints.yml``), the NLU components (``config.yml``).
- Patched: the names below, all applied by :func:`install` and nowhere else.

Patched names (Rasa 3.6.21), each by a function of :mod:`bot.runtime.speedups` unless named:

- ``rasa.core.actions.action.RemoteAction._validate_action_result``: the schema of action
  results checked once per process (``jsonschema.validate`` itself is left alone).
- ``rasa.utils.endpoints.EndpointConfig.session``: request bodies serialised with ujson.
- ``rasa.utils.endpoints.EndpointConfig.request``: custom actions answered in process
  (:mod:`bot.runtime.action_runner`) when the endpoint names an ``actions_module``.
- ``rasa.engine.runner.dask.DaskGraphRunner.run``: the graph run in order, without dask
  (:mod:`bot.runtime.graph_runner`).
- ``rasa.core.run.load_agent_on_start``: the loaded model frozen out of garbage collections.
- ``rasa.shared.core.domain.Domain.states_for_tracker_history``: dialogue states built
  incrementally, and ``rasa.core.featurizers.tracker_featurizers.MaxHistoryTrackerFeaturizer
  .prediction_states``: only the states it keeps copied out, and
  ``rasa.core.policies.rule_policy.RulePolicy.predict_action_probabilities``: only the states
  that can decide its prediction built (:mod:`bot.runtime.dialogue_states`).
- ``rasa.utils.log_utils.configure_structlog`` (and ``rasa.__main__``'s name for it): no
  personal data in logs (:mod:`bot.runtime.log_privacy`).
- ``rasa.shared.core.trackers.DialogueStateTracker.from_events``, ``.travel_back_in_time``
  and ``.applied_events``: a tracker's replay continued from a remembered one instead of
  starting over from the conversation's first event (:mod:`bot.runtime.replay`).
- ``rasa.shared.core.trackers.DialogueStateTracker.current_state``: each event's dict built
  once, not again for every action call; ``rasa.shared.core.events.Event.__setattr__``: notes
  a change of an event whose dict is kept, and a timestamp that is not a number (then a
  tracker's copy compares every event's timestamp, as Rasa's does) (:mod:`bot.runtime.event_dicts`).
- ``rasa.core.policies.rule_policy.RulePolicy._get_possible_keys``: rules filtered until none
  is left, not through every earlier state; ``rasa.core.policies.policy.Policy
  .format_tracker_states``: not formatted while debug messages are dropped;
  ``rasa.shared.core.trackers.DialogueStateTracker.idx_after_latest_restart``: the events
  walked only when one of their types is a restart;
  ``rasa.shared.core.events.Event.resolve_by_type``: each event type's class found once.
- ``rasa.core.tracker_store.FailSafeTrackerStore.on_tracker_store_error`` and
  ``on_tracker_store_retrieve_error``: a database that cannot be reached fails the turn
  instead of answering from memory (:mod:`bot.runtime.store_errors`).
"""

from __future__ import annotations

import threading
from typing import List

#: The Rasa release every patch was written against.
RASA_VERSION = "3.6.21"

#: Each patched name, for the version error.
PATCHED = (
    "rasa.core.actions.action.RemoteAction._validate_action_result",
    "rasa.utils.endpoints.EndpointConfig.session",
    "rasa.utils.endpoints.EndpointConfig.request",
    "rasa.engine.runner.dask.DaskGraphRunner.run",
    "rasa.core.run.load_agent_on_start",
    "rasa.shared.core.domain.Domain.states_for_tracker_history",
    "rasa.utils.log_utils.configure_structlog",
    "rasa.shared.core.trackers.DialogueStateTracker.from_events",
    "rasa.shared.core.trackers.DialogueStateTracker.travel_back_in_time",
    "rasa.shared.core.trackers.DialogueStateTracker.applied_events",
    "rasa.shared.core.trackers.DialogueStateTracker.current_state",
    "rasa.shared.core.events.Event.__setattr__",
    "rasa.shared.core.events.Event.resolve_by_type",
    "rasa.core.policies.rule_policy.RulePolicy._get_possible_keys",
    "rasa.core.policies.policy.Policy.format_tracker_states",
    "rasa.shared.core.trackers.DialogueStateTracker.idx_after_latest_restart",
    "rasa.core.featurizers.tracker_featurizers.MaxHistoryTrackerFeaturizer.prediction_states",
    "rasa.core.policies.rule_policy.RulePolicy.predict_action_probabilities",
    "rasa.core.tracker_store.FailSafeTrackerStore.on_tracker_store_error",
    "rasa.core.tracker_store.FailSafeTrackerStore.on_tracker_store_retrieve_error",
)

_lock = threading.Lock()
_installed: List[bool] = []


class RasaVersionError(RuntimeError):
    """The installed Rasa is not the one the patches were written for."""


def check_rasa_version(installed: str) -> None:
    """Refuse any Rasa but the one the patches know.

    Raises:
        RasaVersionError: naming the installed version and every patch that depends on it.
    """
    if installed != RASA_VERSION:
        raise RasaVersionError(
            f"Rasa {installed} is installed, but bot.runtime patches Rasa {RASA_VERSION}:"
            f" {', '.join(PATCHED)}. Install rasa=={RASA_VERSION} (make setup) or review each"
            " patch against the new version and update RASA_VERSION.")


def _patch_what_grows_with_the_conversation() -> None:
    """The patches that keep a turn's cost from growing with the conversation's length."""
    from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
    from rasa.core.policies.policy import Policy
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.runtime import event_dicts, replay, speedups
    from bot.runtime.dialogue_states import (
        prediction_states_of_the_last_turns,
        rules_from_the_last_turns,
    )

    tracker = DialogueStateTracker
    tracker.from_events = replay.from_events(tracker.__dict__["from_events"].__func__)
    tracker.travel_back_in_time = replay.travel_back_in_time(tracker.travel_back_in_time)
    tracker.applied_events = replay.applied_events(tracker.applied_events)
    tracker.current_state = event_dicts.current_state(tracker.current_state)
    tracker.idx_after_latest_restart = speedups.idx_after_latest_restart
    Event.__setattr__ = event_dicts.tracking_setattr
    Event.resolve_by_type = speedups.resolve_event_type(Event.resolve_by_type)
    RulePolicy._get_possible_keys = speedups.possible_rule_keys
    MaxHistoryTrackerFeaturizer.prediction_states = prediction_states_of_the_last_turns(
        MaxHistoryTrackerFeaturizer.prediction_states)
    RulePolicy.predict_action_probabilities = rules_from_the_last_turns(
        RulePolicy.predict_action_probabilities)
    Policy.format_tracker_states = speedups.states_formatted_when_logged(
        Policy.format_tracker_states)


def install() -> None:
    """Apply every patch to this process, once (later calls do nothing).

    Raises:
        RasaVersionError: another Rasa version is installed.
    """
    with _lock:
        if _installed:
            return
        import rasa

        check_rasa_version(rasa.__version__)
        import rasa.core.run
        from rasa.core.actions.action import RemoteAction
        from rasa.engine.runner.dask import DaskGraphRunner
        from rasa.shared.core.domain import Domain
        from rasa.utils.endpoints import EndpointConfig

        from bot.runtime import log_privacy, speedups
        from bot.runtime.dialogue_states import IncrementalStates
        from bot.runtime.graph_runner import run_in_order

        RemoteAction._validate_action_result = speedups.validate_action_result
        EndpointConfig.session = speedups.session_with_fast_json
        speedups.http_request = EndpointConfig.request
        EndpointConfig.request = speedups.request
        DaskGraphRunner.run = run_in_order
        rasa.core.run.load_agent_on_start = speedups.freezing_after_load(
            rasa.core.run.load_agent_on_start)
        Domain.states_for_tracker_history = IncrementalStates(
            Domain.states_for_tracker_history)
        log_privacy.install()
        _patch_what_grows_with_the_conversation()
        from rasa.core.tracker_store import FailSafeTrackerStore

        from bot.runtime.store_errors import raising_unavailable

        for name in ("on_tracker_store_error", "on_tracker_store_retrieve_error"):
            setattr(FailSafeTrackerStore, name,
                    raising_unavailable(getattr(FailSafeTrackerStore, name)))
        _installed.append(True)
