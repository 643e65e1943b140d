"""A tracker's events as dicts without serialising every event of the session again.

Every custom action call sends the whole session (``tracker.current_state(EventVerbosity.ALL)``),
and Rasa builds each event's dict anew for it, about ten times per message: in a conversation
of a few hundred turns that was the biggest cost of a turn that grew with the conversation.
:func:`current_state` gives the same document, but the dicts of the events that were in the
conversation's previous document (the same event objects) and have not changed since are the
ones built then.

What "the same" means here: ``Event.as_dict`` builds a top-level dict whose values are the
event's own attributes (its metadata, parse data, ... are shared with the event, not copied),
so a dict built earlier holds what ``as_dict`` would give now as long as none of the event's
attributes was set since (a timestamp set, metadata stamped, as Rasa does to the events of the
current turn). :func:`tracking_setattr` (``Event.__setattr__``) notes every such change of an
event whose dict is remembered, and that dict is built again. An event type whose ``as_dict``
builds new values (found by calling it twice) is always serialised.

The dicts are shared between the documents of one conversation, as the documents already share
the events' parse data with the events: whoever receives a document reads it (the action
server, the in-process actions, the HTTP API's JSON).
"""

from __future__ import annotations

import operator
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

#: Ids of the events whose dicts are remembered, and of those among them changed since.
_remembered: Dict[int, Set[Tuple[str, int]]] = {}
_changed: Set[int] = set()


#: Set once an event's timestamp was set to anything but an int or float that is not NaN.
unusual_timestamps: List[bool] = []

_NUMBERS = (float, int)


def timestamps_are_numbers() -> bool:
    """Whether every timestamp set on an event in this process (each event sets its own when
    it is made) was an int or a float that is not NaN, so that each is ``<= float("inf")``."""
    return not unusual_timestamps


def tracking_setattr(self: Any, name: str, value: Any) -> None:
    """``Event.__setattr__``: set the attribute, and note it when the event's dict is
    remembered (a set lookup), or when it is a timestamp that is not a plain number
    (see :func:`timestamps_are_numbers`); nothing else changes."""
    object.__setattr__(self, name, value)
    if id(self) in _remembered:
        _changed.add(id(self))
    if (name == "timestamp" and (type(value) not in _NUMBERS or value != value)
            and not unusual_timestamps):
        unusual_timestamps.append(True)


@dataclass
class _Serialised:
    """The events of a conversation's last document and their dicts; which of them are to be
    built again (changed since), and which are always built (a type that is not plain)."""

    events: List[Any]
    dicts: List[Optional[Dict[str, Any]]]
    stale: Set[int] = field(default_factory=set)
    always: Set[int] = field(default_factory=set)


class EventDicts:
    """The events' dicts of each recent conversation's last document.

    A document's dicts are small (their values are the events'), a few hundred bytes per
    event; a conversation that was dropped has its next document built in full, as Rasa does.

    Args:
        conversations: How many conversations are remembered (least recently used dropped).
    """

    def __init__(self, conversations: int = 256) -> None:
        self._capacity = conversations
        self._calls: "OrderedDict[str, _Serialised]" = OrderedDict()
        #: Per event type: whether ``as_dict`` only refers to the event's own values.
        self._plain_types: Dict[type, bool] = {}
        self._lock = threading.RLock()

    def _reusable(self, event: Any, made: Dict[str, Any]) -> bool:
        plain = self._plain_types.get(type(event))
        if plain is None:
            again = event.as_dict()
            plain = (made.keys() == again.keys()
                     and all(map(operator.is_, made.values(), again.values())))
            self._plain_types[type(event)] = plain
        return plain

    def _apply_changes(self) -> None:
        """Mark the dicts of the events changed since they were built to be built again."""
        while _changed:
            for sender_id, index in _remembered.pop(_changed.pop(), ()):
                known = self._calls.get(sender_id)
                if known is not None:
                    known.stale.add(index)

    def _drop(self, sender_id: str, known: _Serialised, start: int) -> None:
        for index, event in enumerate(islice(known.events, start, None), start):
            places = _remembered.get(id(event))
            if places is not None:
                places.discard((sender_id, index))
                if not places:
                    del _remembered[id(event)]

    def _build(self, sender_id: str, index: int, event: Any, known: _Serialised) -> None:
        made = event.as_dict()
        if self._reusable(event, made):
            known.dicts[index] = made
            _remembered.setdefault(id(event), set()).add((sender_id, index))
        else:
            known.dicts[index] = None
            known.always.add(index)

    def as_dicts(self, sender_id: str, events: List[Any]) -> List[Dict[str, Any]]:
        """``[event.as_dict() for event in events]``."""
        events = list(events)
        with self._lock:
            self._apply_changes()
            known = self._calls.pop(sender_id, None)
            reused = 0
            if known is not None:  # how many events are the very ones of the last document
                if all(map(operator.is_, events, known.events)):  # the usual case
                    reused = min(len(events), len(known.events))
                else:
                    same = list(map(operator.is_, events, known.events))
                    reused = same.index(False)
                self._drop(sender_id, known, reused)
                known = _Serialised(events, known.dicts[:reused],
                                    {i for i in known.stale if i < reused},
                                    {i for i in known.always if i < reused})
            else:
                known = _Serialised(events, [])
            known.dicts.extend([None] * (len(events) - reused))
            for index in [*known.stale, *range(reused, len(events))]:
                self._build(sender_id, index, events[index], known)
            known.stale.clear()
            result = list(known.dicts)
            for index in known.always:
                result[index] = events[index].as_dict()
            self._calls[sender_id] = known
            while len(self._calls) > self._capacity:
                evicted, old = self._calls.popitem(last=False)
                self._drop(evicted, old, 0)
        return result  # type: ignore[return-value]

    def forget(self) -> None:
        """Drop every remembered document."""
        with self._lock:
            for sender_id, known in self._calls.items():
                self._drop(sender_id, known, 0)
            self._calls.clear()


#: The one memory of this process.
EVENT_DICTS = EventDicts()


def current_state(original: Callable[..., Dict[str, Any]]) -> Callable[..., Dict[str, Any]]:
    """``DialogueStateTracker.current_state`` with the events' dicts from :data:`EVENT_DICTS`."""

    def state(self: Any, event_verbosity: Any = None) -> Dict[str, Any]:
        from rasa.shared.core.trackers import EventVerbosity

        verbosity = EventVerbosity.NONE if event_verbosity is None else event_verbosity
        events: Optional[List[Any]] = self._events_for_verbosity(verbosity)
        if events is None or not isinstance(self.sender_id, str):
            return original(self, verbosity)
        document = original(self, EventVerbosity.NONE)
        document["events"] = EVENT_DICTS.as_dicts(self.sender_id, events)
        return document

    state.__wrapped__ = original  # type: ignore[attr-defined]
    state.__doc__ = original.__doc__
    return state
