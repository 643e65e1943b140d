"""What a tracker holds, for comparing the trackers the runtime's patches build with Rasa's own
(Rasa's originals are the patches' ``__wrapped__``, taken once the patches are installed)."""

import dataclasses
from typing import Any, Dict

from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.runtime import install

install()
RASA_STATE = DialogueStateTracker.current_state.__wrapped__
RASA_APPLIED = DialogueStateTracker.applied_events.__wrapped__


def message(tracker: DialogueStateTracker, latest: Any) -> Any:
    """The latest message: which event it is, or (for the empty placeholder of a tracker
    without one) its content apart from when it was made."""
    if any(event is latest for event in tracker.events):
        return id(latest)
    return {key: value for key, value in latest.as_dict().items() if key != "timestamp"}


def state_of(tracker: DialogueStateTracker) -> Dict[str, Any]:
    """Everything a replay sets on a tracker, and which event objects it holds, as Rasa's own
    code reads them."""
    return {
        "document": RASA_STATE(tracker, EventVerbosity.ALL),
        "slots": {name: (slot.value, slot.has_been_set) for name, slot in tracker.slots.items()},
        "paused": tracker.is_paused(),
        "followup": tracker.followup_action,
        "latest_action": tracker.latest_action,
        "active_loop": (dataclasses.asdict(tracker.active_loop)
                        if tracker.active_loop else None),
        "latest_message": message(tracker, tracker.latest_message),
        "latest_bot": message(tracker, tracker.latest_bot_utterance),
        "events": [id(event) for event in tracker.events],
        "applied": [id(event) for event in RASA_APPLIED(tracker)],
    }
