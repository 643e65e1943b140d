"""Custom actions for the in-process action runner's tests."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection


class ActionEcho(Action):
    def name(self) -> str:
        return "action_echo"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        text = tracker.latest_message.get("text")
        dispatcher.utter_message(text=f"you said {text}", buttons=[
            {"title": "Yes", "payload": "/affirm"}])
        dispatcher.utter_message(response="utter_greet")
        # A tuple and a domain read: what the action server would get and send back as JSON.
        return [SlotSet("language", "fi"),
                SlotSet("seen", (len(tracker.events), "responses" in domain))]


class ActionReject(Action):
    def name(self) -> str:
        return "action_reject"

    async def run(self, dispatcher, tracker, domain):
        raise ActionExecutionRejection("action_reject", "not now")


class ActionCrash(Action):
    def name(self) -> str:
        return "action_crash"

    def run(self, dispatcher, tracker, domain):
        raise RuntimeError("the shop is down")
