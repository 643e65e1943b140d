"""Trackers rebuilt from their events without replaying the whole conversation each time.

Rasa rebuilds a conversation's tracker from its events several times per message: when it
reads the tracker from the store (``DialogueStateTracker.from_events``), before every action
(``tracker.copy()``, which is ``travel_back_in_time``), for the slot validation action, and
each time a tracker's ``applied_events()`` are asked for (which the policies, the session check
and the action calls all do). Each of these walks every event of the session, so a turn cost
more the longer the conversation had gone on (docs/benchmarks.md, "One long conversation").

:class:`Replays` remembers, per conversation, the last few replays: the events replayed and
the tracker's state after them (its slots, loop, latest message, latest action ...), and the
applied events of a tracker's events. A new replay whose events begin with remembered ones (the
very same event objects, as within one message and from the tracker store's cache) starts from
that state and replays only the events after it. Anything else (other event objects, another
set of slots, a bounded event history) is replayed in full, as Rasa does. The result is the
same tracker: the remembered state is the state Rasa's own replay reached after those events,
and the replay from there is Rasa's.
"""

from __future__ import annotations

import copy
import dataclasses
import operator
import threading
from collections import OrderedDict
from dataclasses import dataclass
from itertools import islice, repeat
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)

from bot.runtime.event_dicts import timestamps_are_numbers

#: Slot names and types: replays are only shared between trackers with the same slots.
SlotKinds = Tuple[Tuple[str, type], ...]


def starts_with(events: Sequence[Any], prefix: Sequence[Any]) -> bool:
    """Whether ``events`` begin with the very objects of ``prefix`` (compared in C)."""
    if len(events) < len(prefix):
        return False
    if prefix and events[len(prefix) - 1] is not prefix[-1]:  # the usual miss, at once
        return False
    return all(map(operator.is_, prefix, events))


def _contains(events: Sequence[Any], event: Any) -> bool:
    return any(map(operator.is_, reversed(events), repeat(event)))


@dataclass(frozen=True)
class _State:
    """A tracker's state after replaying ``events`` from a fresh tracker."""

    events: List[Any]
    slot_kinds: SlotKinds
    #: The value of each slot that has been set (the others have their initial value).
    slots: Dict[str, Any]
    paused: bool
    followup_action: Optional[str]
    latest_action: Any
    #: The latest user / bot message, or None for the empty placeholder of a fresh tracker.
    latest_message: Optional[UserUttered]
    latest_bot_utterance: Optional[BotUttered]
    active_loop: Any


@dataclass(frozen=True)
class _Applied:
    """``applied_events()`` of ``events``, and the loop names those events activate."""

    events: List[Any]
    loops: FrozenSet[str]
    applied: List[Any]


def _slot_kinds(tracker: Any) -> SlotKinds:
    return tuple((name, type(slot)) for name, slot in tracker.slots.items())


def _capture(tracker: Any, events: List[Any]) -> _State:
    message = tracker.latest_message
    bot = tracker.latest_bot_utterance
    return _State(
        events=events,
        slot_kinds=_slot_kinds(tracker),
        slots={name: slot._value for name, slot in tracker.slots.items()
               if slot._has_been_set},
        paused=tracker._paused,
        followup_action=tracker.followup_action,
        latest_action=copy.copy(tracker.latest_action),
        latest_message=message if message is not None and _contains(events, message) else None,
        latest_bot_utterance=bot if bot is not None and _contains(events, bot) else None,
        active_loop=(dataclasses.replace(tracker.active_loop)
                     if tracker.active_loop is not None else None),
    )


def _restore(tracker: Any, state: _State) -> None:
    """Put a fresh tracker (no events yet) into ``state``."""
    tracker.events.extend(state.events)
    for name, value in state.slots.items():
        slot = tracker.slots[name]
        slot._value, slot._has_been_set = value, True
    tracker._paused = state.paused
    tracker.followup_action = state.followup_action
    tracker.latest_action = copy.copy(state.latest_action)
    tracker.latest_message = state.latest_message or UserUttered.empty()
    tracker.latest_bot_utterance = state.latest_bot_utterance or BotUttered.empty()
    tracker.active_loop = (dataclasses.replace(state.active_loop)
                           if state.active_loop is not None else None)


class Replays:
    """The last few replays of each recent conversation.

    A message replays its conversation's tracker about five times (read from the store,
    copied before each action, the slot validation's tracker ...), and the next message's
    replay continues the one of the previous message's read from the store: enough of them
    are kept for that one to be there still.

    Each remembered replay holds a list of its events (the events themselves are the
    conversation's): a few hundred conversations at once cover a busy server, and one that
    was dropped is replayed in full again, as Rasa does.

    Args:
        conversations: How many conversations are remembered (least recently used dropped).
        per_conversation: How many replays of one conversation are remembered.
    """

    def __init__(self, conversations: int = 256, per_conversation: int = 12) -> None:
        self._capacity = conversations
        self._per_conversation = per_conversation
        self._states: "OrderedDict[str, List[_State]]" = OrderedDict()
        self._applied: "OrderedDict[str, List[_Applied]]" = OrderedDict()
        self._lock = threading.Lock()

    def _remember(self, table: "OrderedDict[str, List[Any]]", sender_id: str,
                  entry: Any) -> None:
        with self._lock:
            entries = table.pop(sender_id, [])
            entries.insert(0, entry)
            table[sender_id] = entries[:self._per_conversation]
            while len(table) > self._capacity:
                table.popitem(last=False)

    def _longest(self, table: "OrderedDict[str, List[Any]]", sender_id: str,
                 events: Sequence[Any], fits: Callable[[Any], bool] = lambda _: True) -> Any:
        with self._lock:
            entries = list(table.get(sender_id, ()))
        for entry in sorted(entries, key=lambda entry: len(entry.events), reverse=True):
            if fits(entry) and starts_with(events, entry.events):
                return entry
        return None

    def replay(self, tracker: Any, events: Sequence[Any], domain: Any = None) -> Any:
        """Apply ``events`` to ``tracker`` (fresh, without events), as
        ``for e in events: tracker.update(e, domain)`` does, and return it."""
        if (tracker._max_event_history is not None or tracker.events
                or type(tracker.slots) is not dict or tracker.model_id
                or tracker.assistant_id):
            for event in events:
                tracker.update(event, domain)
            return tracker
        events = list(events)
        kinds = _slot_kinds(tracker)
        known = self._longest(self._states, tracker.sender_id, events,
                              lambda state: state.slot_kinds == kinds)
        if known is not None:
            _restore(tracker, known)
        for event in islice(events, len(known.events) if known else 0, None):
            tracker.update(event, domain)
        if known is None or len(events) > len(known.events):
            self._remember(self._states, tracker.sender_id, _capture(tracker, events))
        return tracker

    def applied_events(self, tracker: Any, original: Callable[[Any], List[Any]]) -> List[Any]:
        """``tracker.applied_events()``, continued from a remembered fold of its events."""
        events = list(tracker.events)
        known = self._longest(self._applied, tracker.sender_id, events)
        if known is not None and len(known.events) == len(events):
            return list(known.applied)
        # An ActionExecuted of a loop is folded differently once the loop is activated
        # anywhere in the events: a loop new in the added events means a fold from scratch.
        start = len(known.events) if known is not None else 0
        loops = _loop_names(islice(events, start, None))
        if known is None or not loops <= known.loops:
            applied = original(tracker)
            self._remember(self._applied, tracker.sender_id, _Applied(
                events, _loop_names(events), list(applied)))
            return applied
        applied = list(known.applied)
        for event in islice(events, start, None):
            _fold(tracker, known.loops, applied, event)
        self._remember(self._applied, tracker.sender_id,
                       _Applied(events, known.loops, list(applied)))
        return applied

    def forget(self) -> None:
        """Drop everything remembered."""
        with self._lock:
            self._states.clear()
            self._applied.clear()


def _loop_names(events: Any) -> FrozenSet[str]:
    """The loops activated by these events (as ``applied_events`` finds them)."""
    return frozenset(event.name for event in events
                     if isinstance(event, ActiveLoop) and event.name)


def _fold(tracker: Any, loop_names: FrozenSet[str], applied: List[Any], event: Any) -> None:
    """One step of Rasa's ``DialogueStateTracker.applied_events`` (the same branches)."""
    if isinstance(event, (Restarted, SessionStarted)):
        applied.clear()
    elif isinstance(event, ActionReverted):
        tracker._undo_till_previous(ActionExecuted, applied)
    elif isinstance(event, UserUtteranceReverted):
        tracker._undo_till_previous(UserUttered, applied)
        tracker._undo_till_previous(ActionExecuted, applied)
    elif (isinstance(event, ActionExecuted) and event.action_name in loop_names
          and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)):
        tracker._undo_till_previous_loop_execution(event.action_name, applied)
    else:
        applied.append(event)


_timestamp = operator.attrgetter("timestamp")
_INFINITY = float("inf")

#: The one memory of this process.
REPLAYS = Replays()


def from_events(original: Any) -> Any:
    """``DialogueStateTracker.from_events`` continuing a remembered replay."""

    def build(cls: Any, sender_id: str, evts: List[Any], slots: Any = None,
              max_event_history: Optional[int] = None, sender_source: Optional[str] = None,
              domain: Any = None) -> Any:
        tracker = cls(sender_id, slots, max_event_history, sender_source)
        return REPLAYS.replay(tracker, evts, domain)

    build.__wrapped__ = original  # type: ignore[attr-defined]
    build.__doc__ = original.__doc__
    return classmethod(build)


def travel_back_in_time(original: Callable[..., Any]) -> Callable[..., Any]:
    """``DialogueStateTracker.travel_back_in_time`` (and so ``copy()``) continuing a
    remembered replay."""

    def travel(self: Any, target_time: float) -> Any:
        tracker = self.init_copy()
        events = list(self.events)
        # copy(): every timestamp is a number, so every event is in time, without a look
        # at each event of the session.
        if target_time == _INFINITY and timestamps_are_numbers():
            return REPLAYS.replay(tracker, events)
        # Usually every event is in time: checked in C.
        if all(map(operator.le, map(_timestamp, events), repeat(target_time))):
            return REPLAYS.replay(tracker, events)
        events = []
        for event in self.events:
            if event.timestamp <= target_time:
                events.append(event)
            else:
                break
        return REPLAYS.replay(tracker, events)

    travel.__wrapped__ = original  # type: ignore[attr-defined]
    travel.__doc__ = original.__doc__
    return travel


def applied_events(original: Callable[[Any], List[Any]]) -> Callable[[Any], List[Any]]:
    """``DialogueStateTracker.applied_events`` continuing a remembered fold."""

    def applied(self: Any) -> List[Any]:
        if self._max_event_history is not None:
            return original(self)
        return REPLAYS.applied_events(self, original)

    applied.__wrapped__ = original  # type: ignore[attr-defined]
    applied.__doc__ = original.__doc__
    return applied
