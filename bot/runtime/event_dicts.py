"""A tracker's events as dicts without serialising every event of the session again.

Every custom action call sends the whole session (``tracker.current_state(EventVerbosity.ALL)``),
and Rasa builds each event's dict anew for it: in a conversation of a few hundred turns that was
the biggest cost of a turn that grew with the conversation. :func:`current_state` gives the same
document, but the dicts of the events that were serialised for the conversation's previous call
(the same event objects) and have not changed since are copied from that call's.

What "the same" means here: ``Event.as_dict`` builds a new top-level dict whose values are the
event's own attributes (its metadata, parse data, ... are shared with the event, not copied).
For such events a copy of the earlier dict is what ``as_dict`` would give, as long as none of
the event's attributes was rebound since (a timestamp set, metadata stamped): that is checked
for every event, and a changed event is serialised again. An event type whose ``as_dict`` builds
new values (found by calling it twice) is always serialised.
"""

from __future__ import annotations

import operator
import threading
from collections import OrderedDict
from dataclasses import dataclass
from itertools import islice
from typing import Any, Callable, Dict, List, Optional


@dataclass(frozen=True)
class _Serialised:
    """The events of a conversation's last call, their attributes then, and their dicts
    (``None`` for an event that is always serialised)."""

    events: List[Any]
    attributes: List[Any]
    dicts: List[Optional[Dict[str, Any]]]


def _attributes(events: List[Any]) -> List[Any]:
    """Each event's attribute values, gathered in C."""
    return list(map(tuple, map(dict.values, map(vars, events))))


def _first(items: List[Any], value: Any, limit: int) -> int:
    """The index of the first ``value`` among the first ``limit`` items (``limit`` if none)."""
    try:
        return items.index(value, 0, limit)
    except ValueError:
        return limit


class EventDicts:
    """The events' dicts of each recent conversation's last call.

    Args:
        conversations: How many conversations are remembered (least recently used dropped).
    """

    def __init__(self, conversations: int = 1024) -> None:
        self._capacity = conversations
        self._calls: "OrderedDict[str, _Serialised]" = OrderedDict()
        #: Per event type: whether ``as_dict`` only refers to the event's own values.
        self._plain_types: Dict[type, bool] = {}
        self._lock = threading.Lock()

    def _reusable(self, event: Any, made: Dict[str, Any]) -> bool:
        plain = self._plain_types.get(type(event))
        if plain is None:
            again = event.as_dict()
            plain = (made.keys() == again.keys()
                     and all(map(operator.is_, made.values(), again.values())))
            self._plain_types[type(event)] = plain
        return plain

    def as_dicts(self, sender_id: str, events: List[Any]) -> List[Dict[str, Any]]:
        """``[event.as_dict() for event in events]``."""
        with self._lock:
            known = self._calls.get(sender_id)
        attributes = _attributes(events)
        reused = 0
        if known is not None:  # how many events are the very ones of the last call
            same = list(map(operator.is_, events, known.events))
            reused = _first(same, False, len(same))
        unchanged = (list(map(operator.eq, attributes[:reused], known.attributes))
                     if known is not None and reused else [])
        dicts: List[Optional[Dict[str, Any]]] = []
        result: List[Dict[str, Any]] = []
        # Up to the first event that changed (or is always serialised) the dicts are copied
        # in C; usually that is every event but the last few.
        start = _first(unchanged, False, reused)
        start = _first(known.dicts, None, start) if known is not None else 0
        if start:
            dicts, result = known.dicts[:start], list(map(dict, known.dicts[:start]))
        for index, event in enumerate(islice(events, start, None), start):
            earlier = known.dicts[index] if index < reused and unchanged[index] else None
            if earlier is not None:
                made = dict(earlier)
            else:
                made = event.as_dict()
                earlier = dict(made) if self._reusable(event, made) else None
            dicts.append(earlier)
            result.append(made)
        with self._lock:
            self._calls[sender_id] = _Serialised(list(events), attributes, dicts)
            self._calls.move_to_end(sender_id)
            while len(self._calls) > self._capacity:
                self._calls.popitem(last=False)
        return result

    def forget(self) -> None:
        """Drop every remembered call."""
        with self._lock:
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
