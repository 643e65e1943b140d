"""Turn a conversation's events into the context an agent reads on a ticket."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional

from bot.handoff.models import TranscriptLine

#: Slots an agent needs; everything else stays out of the ticket.
AGENT_SLOTS = (
    "task", "order_number", "verified_order", "customer_id", "payment_problem", "payment_date",
    "payment_method", "payment_details", "product", "return_reason", "new_address",
    "verification_failures",
)

REASON_TEXT = {
    "talk_to_human": "asked for a person",
    "complaint": "made a complaint",
    "payment_issue": "has a payment problem",
    "misunderstanding": "was not understood twice",
    "verification_failed": "could not verify an order",
    "verification_locked": "was locked out of order verification after repeated failures",
    "shop_unavailable": "could not be helped because the shop's order system was not answering",
    "shipped": "needs a change to an order that already shipped",
    "address_unreadable": "gave a new delivery address the bot could not read, three times",
    "not_allowed": "needs something the bot may not do",
    "return_window_closed": "wants to return after the return window",
    "faq_unanswered": "asked a question the knowledge base could not answer",
    "faq_not_specific": "asked something the knowledge base answers only in general",
}

_MAX_TEXT = 2000


def transcript_from_events(events: Iterable[Mapping[str, Any]]) -> List[TranscriptLine]:
    """Shopper and bot messages of the current session, oldest first."""
    lines: List[TranscriptLine] = []
    for event in events:
        kind = event.get("event")
        if kind == "session_started":
            lines = []
        elif kind == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            lines.append(TranscriptLine(
                "shopper", str(event.get("text") or "")[:_MAX_TEXT],
                float(event.get("timestamp") or 0.0), intent.get("name"),
                intent.get("confidence"),
            ))
        elif kind == "bot" and event.get("text"):
            metadata = event.get("metadata") or {}
            sender = "agent" if isinstance(metadata, dict) and metadata.get("agent") else "bot"
            lines.append(TranscriptLine(sender, str(event["text"])[:_MAX_TEXT],
                                        float(event.get("timestamp") or 0.0)))
    return lines


def detected_intents(transcript: List[TranscriptLine]) -> List[Dict[str, Any]]:
    """What the bot understood of each shopper message, with its confidence."""
    return [
        {"text": line.text[:200], "intent": line.intent,
         "confidence": round(float(line.confidence or 0.0), 3)}
        for line in transcript
        if line.sender == "shopper" and line.intent
    ]


def agent_slots(slots: Mapping[str, Any]) -> Dict[str, Any]:
    """The slots worth showing an agent, without empty ones."""
    return {name: slots[name] for name in AGENT_SLOTS if slots.get(name) not in (None, "", [])}


def summarise(reason: str, transcript: List[TranscriptLine], slots: Mapping[str, Any],
              customer_name: Optional[str] = None) -> str:
    """One line an agent reads first, e.g. 'Shopper made a complaint about order 10023 ...'."""
    who = customer_name or "Shopper"
    parts = [f"{who} {REASON_TEXT.get(reason, reason.replace('_', ' '))}"]
    task = slots.get("task")
    if task and task != reason:
        parts.append(f"while on {str(task).replace('_', ' ')}")
    order = slots.get("verified_order") or slots.get("order_number")
    if order:
        verified = "verified" if slots.get("verified_order") else "not verified"
        parts.append(f"(order {order}, {verified})")
    said = [line.text for line in transcript if line.sender == "shopper" and line.text.strip()
            and not line.text.startswith("/")]
    if said:
        quote = said[-1] if len(said[-1]) <= 120 else said[-1][:117] + "..."
        parts.append(f'- last said: "{quote}"')
    return " ".join(parts)
