"""The dialogue states the policies predict from, built once per event instead of per call.

Rasa 3.6's ``Domain.states_for_tracker_history`` replays the whole session from its first
event on every call, and each action prediction calls it two or three times (the RulePolicy by
text and by intent, the MemoizationPolicy without rule-only turns): under load this was about a
fifth of the Rasa server's CPU. :class:`IncrementalStates` gives the same list of states, but
keeps, per conversation, the replayed tracker and what it looked like before each action. When
the tracker's applied events continue the ones seen before (the same event objects, as within
one message's predictions, or equal copies, as in the next message's tracker rebuilt from the
tracker store), only the new events are replayed; otherwise everything is replayed,
as Rasa does. The part that depends on the call's arguments (rule-only turns and features) runs
on every call, on copies, exactly as in Rasa.
"""

from __future__ import annotations

import contextvars
import operator
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Callable, Dict, List, Optional, Tuple

from rasa.shared.core.constants import PREVIOUS_ACTION, USER
from rasa.shared.core.events import ActionExecuted

State = Dict[str, Any]


@dataclass(frozen=True)
class _Snapshot:
    """What ``states_for_tracker_history`` reads from one prior tracker."""

    hide_rule_turn: bool
    followup_action: Optional[str]
    latest_action_name: Optional[str]
    active_loop_name: Optional[str]
    prev_action: Optional[Dict[str, Any]]
    active_state: State


@dataclass
class _Replay:
    """One conversation's replay: the events applied so far and a snapshot before each action."""

    events: List[Any]
    tracker: Any
    snapshots: List[_Snapshot] = field(default_factory=list)
    #: The snapshot of the tracker after all ``events`` (taken when first asked for).
    current: Optional[_Snapshot] = None
    #: The states of ``snapshots`` as far as folded, per call arguments (see ``_Fold``).
    folds: Dict[Tuple[bool, str], "_Fold"] = field(default_factory=dict)


@dataclass
class _Fold:
    """Rasa's loop over the snapshots, as far as it went: the states it built (never handed
    out, only copies of them), where a state's user sub-state is the previous state's very
    object (as Rasa's rule-only substitution makes it), and the loop's variables."""

    snapshots: int = 0
    states: List[State] = field(default_factory=list)
    #: Each state as its keys and sub-states, to be copied in C (keys ``None``: the state).
    parts: List[Tuple[Any, Any]] = field(default_factory=list)
    shared_user: List[int] = field(default_factory=list)
    last_ml_action_sub_state: Optional[Dict[str, Any]] = None
    turn_was_hidden: bool = False


def _copy_state(state: State) -> State:
    """A state copied two levels deep (its sub-states are edited in place downstream)."""
    return {key: dict(value) if isinstance(value, dict) else value
            for key, value in state.items()}


def _plain(value: Any) -> Any:
    """A value as it reads back from JSON: tuples are lists."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _same_event(new: Any, known: Any) -> bool:
    if new is known:
        return True
    if type(new) is not type(known):
        return False
    new_dict, known_dict = new.as_dict(), known.as_dict()
    # A stored copy reads tuples (a message's token spans) back as lists.
    return new_dict == known_dict or _plain(new_dict) == _plain(known_dict)


def _continues(events: List[Any], known: List[Any]) -> bool:
    """Whether ``events`` begin with ``known``: the same event objects, or equal copies.

    Within a message the tracker keeps its event objects; the next message's tracker is
    rebuilt from stored copies, which are equal in every field (``as_dict``) once read back
    from JSON.
    """
    if len(events) < len(known):
        return False
    if all(map(operator.is_, events, known)):  # the usual case, checked in C
        return True
    same = list(map(operator.is_, events, known))
    first = same.index(False)  # the events stored since: compared field by field
    return all(_same_event(a, b) for a, b in zip(events[first:], known[first:]))


def _start_of_last(states: List[State], count: int, skip_unlikely: bool) -> int:
    """Where the last ``count`` of ``states`` begin (states after ``action_unlikely_intent``
    not counted when ``skip_unlikely``)."""
    if not skip_unlikely:
        return max(0, len(states) - count)
    from rasa.core.featurizers.tracker_featurizers import (
        _is_prev_action_unlikely_intent_in_state,
    )

    found = 0
    for index in range(len(states) - 1, -1, -1):
        if not _is_prev_action_unlikely_intent_in_state(states[index]):
            found += 1
            if found == count:
                return index
    return 0


#: While the RulePolicy predicts: how many of the last states can decide its prediction.
_rule_states: "contextvars.ContextVar[Optional[int]]" = contextvars.ContextVar(
    "rule_states", default=None)


def _states_in(key: str) -> int:
    """The number of states of a rule's key (0 for the names of Rasa's default rules)."""
    from bot.runtime.speedups import _rule_length

    try:
        return _rule_length(key)
    except (ValueError, TypeError):
        return 0


def _longest_rule(policy: Any) -> int:
    """The number of states of the RulePolicy's longest rule (counted once per policy)."""
    lookup = policy.lookup
    known = policy.__dict__.get("_longest_rule")
    if known is None or known[0] is not lookup:
        keys = [*lookup.get("rules", {}), *lookup.get("rules_for_loop_unhappy_path", {}),
                *lookup.get("rules_not_in_stories", [])]
        known = policy.__dict__["_longest_rule"] = (lookup, max(map(_states_in, keys),
                                                                default=0))
    return known[1]


def rules_from_the_last_turns(original: Callable[..., Any]) -> Callable[..., Any]:
    """``RulePolicy.predict_action_probabilities``, its featurizer building only the states
    that can decide the prediction.

    The RulePolicy's featurizer has no ``max_history``: it builds the states of the whole
    conversation. A prediction reads them from the end only as far as its longest rule
    reaches; the key it makes of all of them when no rule applies only decides whether the
    turn is hidden (whether it is one of the rules' keys), which a key longer than every rule
    never is. So the states from one more than the longest rule back give the same
    prediction. Only predictions are changed this way, never training.
    """

    def predict_action_probabilities(self: Any, tracker: Any, domain: Any,
                                     rule_only_data: Optional[Dict[str, Any]] = None,
                                     **kwargs: Any) -> Any:
        token = _rule_states.set(_longest_rule(self) + 1)
        try:
            return original(self, tracker, domain, rule_only_data, **kwargs)
        finally:
            _rule_states.reset(token)

    predict_action_probabilities.__wrapped__ = original  # type: ignore[attr-defined]
    predict_action_probabilities.__doc__ = original.__doc__
    return predict_action_probabilities


def prediction_states_of_the_last_turns(original: Callable[..., Any]) -> Callable[..., Any]:
    """``MaxHistoryTrackerFeaturizer.prediction_states``, building only the states it keeps.

    With a ``max_history`` (the MemoizationPolicy's) Rasa builds the states of the whole
    conversation and keeps the last few; here only those are copied out of
    :class:`IncrementalStates` (for the RulePolicy: see :func:`rules_from_the_last_turns`). The
    rest of the method is Rasa's: the same states, sliced and edited the same way.
    """

    def prediction_states(self: Any, trackers: List[Any], domain: Any,
                          use_text_for_last_user_input: bool = False,
                          ignore_rule_only_turns: bool = False,
                          rule_only_data: Optional[Dict[str, Any]] = None,
                          ignore_action_unlikely_intent: bool = False) -> List[List[State]]:
        states_for = type(domain).__dict__.get("states_for_tracker_history")
        count = self.max_history or _rule_states.get()
        if not count or not isinstance(states_for, IncrementalStates):
            return original(self, trackers, domain, use_text_for_last_user_input,
                            ignore_rule_only_turns, rule_only_data,
                            ignore_action_unlikely_intent)
        trackers_as_states = [
            states_for.last_states(domain, tracker, count,
                                   ignore_action_unlikely_intent,
                                   ignore_rule_only_turns=ignore_rule_only_turns,
                                   rule_only_data=rule_only_data)
            for tracker in trackers]
        if ignore_action_unlikely_intent:
            trackers_as_states = [self._remove_action_unlikely_intent_from_states(states)
                                  for states in trackers_as_states]
        trackers_as_states = [self.slice_state_history(states, self.max_history)
                              for states in trackers_as_states]
        self._choose_last_user_input(trackers_as_states, use_text_for_last_user_input)
        return trackers_as_states

    prediction_states.__wrapped__ = original  # type: ignore[attr-defined]
    prediction_states.__doc__ = original.__doc__
    return prediction_states


class IncrementalStates:
    """A drop-in for ``Domain.states_for_tracker_history`` (same arguments, same result)."""

    def __init__(self, original: Callable[..., List[State]], conversations: int = 512) -> None:
        self.__wrapped__ = original
        self._replays: "OrderedDict[Tuple[int, str, bool], _Replay]" = OrderedDict()
        self._capacity = conversations
        self._lock = threading.Lock()
        #: The applied events of the tracker last asked about, while it has no new event.
        self._applied: Tuple[Any, ...] = (None, -1, None, [])

    def __get__(self, domain: Any, owner: Any = None) -> Any:
        if domain is None:
            return self
        return lambda *args, **kwargs: self(domain, *args, **kwargs)

    def _snapshot(self, domain: Any, tracker: Any, hide_rule_turn: bool,
                  omit_unset_slots: bool) -> _Snapshot:
        return _Snapshot(hide_rule_turn, tracker.followup_action, tracker.latest_action_name,
                         tracker.active_loop_name, domain._get_prev_action_sub_state(tracker),
                         domain.get_active_state(tracker, omit_unset_slots=omit_unset_slots))

    def _applied_events(self, tracker: Any) -> List[Any]:
        """``tracker.applied_events()``, computed once for the calls of one prediction."""
        raw = tracker.events
        last = raw[-1] if raw else None
        with self._lock:
            known_tracker, length, known_last, applied = self._applied
        if known_tracker is tracker and length == len(raw) and known_last is last:
            return applied
        applied = tracker.applied_events()
        with self._lock:
            self._applied = (tracker, len(raw), last, applied)
        return applied

    def _replay(self, domain: Any, tracker: Any, omit_unset_slots: bool) -> _Replay:
        """The replay with snapshots before each applied action and of the tracker now."""
        events = self._applied_events(tracker)
        key = (id(domain), tracker.sender_id, omit_unset_slots)
        with self._lock:
            replay = self._replays.pop(key, None)
        if (replay is None or replay.tracker.slots.keys() != tracker.slots.keys()
                or not _continues(events, replay.events)):
            replay = _Replay([], tracker.init_copy())
        for event in events[len(replay.events):]:
            if isinstance(event, ActionExecuted):
                replay.snapshots.append(self._snapshot(domain, replay.tracker,
                                                       event.hide_rule_turn, omit_unset_slots))
            replay.tracker.update(event)
            replay.current = None
        replay.events = events
        if replay.current is None:
            replay.current = self._snapshot(domain, replay.tracker, False, omit_unset_slots)
        with self._lock:
            self._replays[key] = replay
            while len(self._replays) > self._capacity:
                self._replays.popitem(last=False)
        return replay

    def __call__(self, domain: Any, tracker: Any, omit_unset_slots: bool = False,
                 ignore_rule_only_turns: bool = False,
                 rule_only_data: Optional[Dict[str, Any]] = None) -> List[State]:
        return self._states(domain, tracker, omit_unset_slots, ignore_rule_only_turns,
                            rule_only_data)

    def last_states(self, domain: Any, tracker: Any, count: int, skip_unlikely: bool,
                    omit_unset_slots: bool = False, ignore_rule_only_turns: bool = False,
                    rule_only_data: Optional[Dict[str, Any]] = None) -> List[State]:
        """The end of ``states_for_tracker_history``'s list, from where its last ``count``
        states begin (not counting states after ``action_unlikely_intent`` when
        ``skip_unlikely``): what a featurizer with that ``max_history`` keeps of it."""
        return self._states(domain, tracker, omit_unset_slots, ignore_rule_only_turns,
                            rule_only_data, count, skip_unlikely)

    def _states(self, domain: Any, tracker: Any, omit_unset_slots: bool,
                ignore_rule_only_turns: bool, rule_only_data: Optional[Dict[str, Any]],
                count: Optional[int] = None, skip_unlikely: bool = False) -> List[State]:
        # Rasa's loop, over the snapshots instead of freshly replayed trackers. The snapshots
        # before each action never change while the conversation continues, so the loop is
        # continued from where the last call with these arguments left it; only the state of
        # the tracker as it is now is built anew each time.
        replay = self._replay(domain, tracker, omit_unset_slots)
        key = (ignore_rule_only_turns, repr(rule_only_data))
        fold = replay.folds.get(key)
        if fold is None or fold.snapshots > len(replay.snapshots):
            fold = replay.folds[key] = _Fold()
        for snapshot in replay.snapshots[fold.snapshots:]:
            self._fold(domain, fold, fold.states, snapshot, ignore_rule_only_turns,
                       rule_only_data)
        fold.snapshots = len(replay.snapshots)
        for state in fold.states[len(fold.parts):]:
            values = tuple(state.values())
            fold.parts.append((tuple(state), values)
                              if all(map(isinstance, values, repeat(dict))) else (None, state))
        start = 0 if count is None else _start_of_last(fold.states, count, skip_unlikely)
        states = [dict(zip(keys, map(dict, values))) if keys is not None
                  else _copy_state(values) for keys, values in fold.parts[start:]]
        for index in fold.shared_user:
            if index > start:
                states[index - start][USER] = states[index - start - 1][USER]
        now = _Fold(last_ml_action_sub_state=fold.last_ml_action_sub_state,
                    turn_was_hidden=fold.turn_was_hidden)
        self._fold(domain, now, states, replay.current, ignore_rule_only_turns, rule_only_data)
        return states

    @staticmethod
    def _fold(domain: Any, fold: _Fold, states: List[State], snapshot: _Snapshot,
              ignore_rule_only_turns: bool, rule_only_data: Optional[Dict[str, Any]]) -> None:
        """One step of Rasa's loop in ``states_for_tracker_history``."""
        if ignore_rule_only_turns:
            if not fold.turn_was_hidden:
                fold.last_ml_action_sub_state = snapshot.prev_action
            if (not snapshot.followup_action
                    and not snapshot.latest_action_name == snapshot.active_loop_name):
                fold.turn_was_hidden = snapshot.hide_rule_turn
            if fold.turn_was_hidden:
                return
        state = _copy_state(snapshot.active_state)
        if ignore_rule_only_turns:
            domain._remove_rule_only_features(state, rule_only_data)
            if states:
                domain._substitute_rule_only_user_input(state, states[-1])
            if fold.last_ml_action_sub_state:
                state[PREVIOUS_ACTION] = dict(fold.last_ml_action_sub_state)
        state = domain._clean_state(state)
        if (states and state.get(USER) is not None
                and state.get(USER) is states[-1].get(USER)):
            fold.shared_user.append(len(states))
        states.append(state)

    def forget(self) -> None:
        """Drop every remembered replay."""
        with self._lock:
            self._replays.clear()
