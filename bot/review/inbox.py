"""The review inbox: real shopper messages the bot was wrong or unsure about, from the tracker
store, for trainers to label. Labelled messages become training examples.

Personal data never reaches the inbox: messages and their context are masked before they are
stored (:func:`find_candidates`), again when they are read, and items stored by a version with
older masking rules are masked again when the inbox opens."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import sqlalchemy as sa

from bot.review.masking import MASKING_VERSION, mask_personal_data, training_text
from bot.text.nlu_data import ExampleError, add_example

REVIEW_SCHEMA = """
CREATE TABLE IF NOT EXISTS review_items (
    event_id INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    text TEXT NOT NULL,
    predicted TEXT,
    confidence REAL NOT NULL,
    language TEXT NOT NULL,
    reason TEXT NOT NULL,
    context TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL,
    label TEXT,
    reviewer TEXT
);
CREATE TABLE IF NOT EXISTS review_scan (
    name TEXT PRIMARY KEY,
    last_event_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS review_masking (
    version INTEGER NOT NULL
)
"""
SPECIAL_LABELS = ("out_of_scope", "junk")
#: Intents that ask for a person: a handoff after one of them, understood with confidence, is
#: the bot doing its job, not a message to relabel.
HANDOFF_REQUESTS = frozenset({"talk_to_human", "complaint"})


@dataclass(frozen=True)
class ReviewItem:
    """A message for a trainer to label, with personal data masked."""

    event_id: int
    conversation_id: str
    text: str
    predicted: Optional[str]
    confidence: float
    language: str
    reason: str
    context: List[Dict[str, str]]
    created_at: str
    status: str = "open"

    def masked(self) -> "ReviewItem":
        """The item with its conversation id, text and context masked."""
        return replace(self, conversation_id=mask_personal_data(self.conversation_id),
                       text=mask_personal_data(self.text), context=_masked_context(self.context))


def _masked_context(context: List[Dict[str, str]]) -> List[Dict[str, str]]:
    return [{**line, "text": mask_personal_data(line.get("text") or "")} for line in context]


def _reason(parse: Dict[str, Any], unsure_below: float, faq_below: float) -> Optional[str]:
    intent = parse.get("intent") or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    if name == "nlu_fallback":
        return "fallback"
    if name == "faq":
        selector = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        if float(selector.get("confidence") or 0.0) < faq_below:
            return "unsure_faq"
    if confidence < unsure_below:
        return "unsure"
    return None


def _handoff_requested(parse: Dict[str, Any], confident_at: float) -> bool:
    """Whether the message confidently asked for a person (so a handoff after it was right)."""
    intent = parse.get("intent") or {}
    return intent.get("name") in HANDOFF_REQUESTS and \
        float(intent.get("confidence") or 0.0) >= confident_at


def find_candidates(events: Sequence[Dict[str, Any]], low_csat: set,
                    unsure_below: float = 0.6, faq_below: float = 0.6,
                    confident_at: float = 0.8) -> List[ReviewItem]:
    """Messages that fell back, were unsure, preceded a handoff, or sit in a low-rated chat;
    masked.

    A handoff right after a message that asked for a person with at least ``confident_at``
    confidence was understood and handled correctly: it is not a candidate (unless its
    conversation was rated low).
    """
    by_conversation: Dict[str, List[Dict[str, Any]]] = {}
    for event in events:
        by_conversation.setdefault(event["sender_id"], []).append(event)
    items = []
    for conversation, rows in by_conversation.items():
        for index, row in enumerate(rows):
            data = row["data"]
            if row["type_name"] != "user" or not str(data.get("text") or "").strip():
                continue
            text = str(data["text"])
            if text.startswith("/"):
                continue  # buttons, not typed text
            parse = data.get("parse_data") or {}
            reason = _reason(parse, unsure_below, faq_below)
            following = [r.get("action_name") for r in rows[index + 1:index + 4]]
            if reason is None and "action_handoff" in following \
                    and not _handoff_requested(parse, confident_at):
                reason = "handoff"
            if reason is None and conversation in low_csat:
                reason = "low_rating"
            if reason is None:
                continue
            context = [{"sender": "shopper" if r["type_name"] == "user" else "bot",
                        "text": str(r["data"].get("text") or "")}
                       for r in rows[max(0, index - 4):index + 4]
                       if r["type_name"] in ("user", "bot") and r["data"].get("text")]
            intent = parse.get("intent") or {}
            ranking = parse.get("intent_ranking") or []
            predicted = intent.get("name")
            if predicted == "nlu_fallback" and len(ranking) > 1:
                predicted = ranking[1].get("name")
            language = ((parse.get("language") or {}).get("name")) or "en"
            item = ReviewItem(
                int(row["id"]), conversation, text, predicted,
                float(intent.get("confidence") or 0.0), language, reason, context,
                datetime.fromtimestamp(float(row["timestamp"])).isoformat(timespec="seconds"),
            ).masked()
            # Cut after masking, so that no piece of a value at the cut survives.
            items.append(replace(item, text=item.text[:1000]))
    return items


def read_tracker_events(url: str, after_id: int = 0) -> Tuple[List[Dict[str, Any]], int]:
    """User, bot and action events of every conversation with an event after ``after_id``
    (whole conversations, for context), oldest first, and the newest event id seen."""
    engine = sa.create_engine(url)
    rows: List[Any] = []
    try:
        with engine.connect() as connection:
            newest = connection.execute(sa.text("SELECT MAX(id) FROM events")).scalar() or 0
            senders = [r[0] for r in connection.execute(sa.text(
                "SELECT DISTINCT sender_id FROM events WHERE id > :after AND id <= :newest"),
                {"after": after_id, "newest": newest})]
            query = sa.text(
                "SELECT id, sender_id, type_name, timestamp, action_name, data FROM events"
                " WHERE sender_id IN :senders AND id <= :newest AND type_name IN"
                " ('user', 'bot', 'action') ORDER BY id").bindparams(
                sa.bindparam("senders", expanding=True))
            for start in range(0, len(senders), 500):
                rows += connection.execute(query, {"senders": senders[start:start + 500],
                                                   "newest": newest}).fetchall()
    except sa.exc.OperationalError:
        return [], after_id  # no conversation yet
    finally:
        engine.dispose()
    rows.sort(key=lambda r: r[0])
    return [{"id": r[0], "sender_id": r[1], "type_name": r[2], "timestamp": r[3],
             "action_name": r[4], "data": json.loads(r[5] or "{}")} for r in rows], int(newest)


class ReviewInbox:
    """Review items kept in the handoff database (same connection as tickets and agents)."""

    def __init__(self, queue: Any, nlu_dir: Path, tracker_url: str) -> None:
        self.queue = queue
        self.nlu_dir = Path(nlu_dir)
        self.tracker_url = tracker_url
        with queue._transaction() as cur:
            for statement in filter(str.strip, REVIEW_SCHEMA.split(";")):
                cur.execute(statement)
        self._mask_stored_items()

    def _mask_stored_items(self) -> None:
        """Mask again the items stored under older masking rules (or none), once per version."""
        with self.queue._transaction() as cur:
            row = self.queue._one(cur, "SELECT MAX(version) AS version FROM review_masking")
            if row and row["version"] is not None and row["version"] >= MASKING_VERSION:
                return
            for stored in self.queue._all(cur, "SELECT event_id, conversation_id, text, context"
                                               " FROM review_items"):
                values = (mask_personal_data(stored["conversation_id"]),
                          mask_personal_data(stored["text"]),
                          json.dumps(_masked_context(json.loads(stored["context"]))))
                if values != (stored["conversation_id"], stored["text"], stored["context"]):
                    cur.execute(self.queue._sql(
                        "UPDATE review_items SET conversation_id = ?, text = ?, context = ?"
                        " WHERE event_id = ?"), (*values, stored["event_id"]))
            cur.execute("DELETE FROM review_masking")
            cur.execute(self.queue._sql("INSERT INTO review_masking VALUES (?)"),
                        (MASKING_VERSION,))

    def refresh(self, unsure_below: float = 0.6, faq_below: float = 0.6) -> int:
        """Add new candidates from the tracker store; return how many were added.

        Only conversations with events since the last refresh are read again."""
        with self.queue._transaction() as cur:
            row = self.queue._one(cur, "SELECT last_event_id FROM review_scan WHERE name ="
                                       " 'tracker'")
        after = row["last_event_id"] if row else 0
        events, newest = read_tracker_events(self.tracker_url, after)
        # A rating (of the bot or of a person) is stored when its conversation gets new events:
        # only answers given since the first new event can mark a conversation as low-rated.
        first_new = min((e["timestamp"] for e in events if e["id"] > after), default=None)
        answers = [] if first_new is None else self.queue.survey_responses(
            since=datetime.fromtimestamp(first_new) - timedelta(minutes=1))
        senders = {e["sender_id"] for e in events}
        low = {a.conversation_id for a in answers
               if a.kind == "csat" and a.score is not None and a.score <= 2
               and a.conversation_id in senders}
        added = 0
        with self.queue._transaction() as cur:
            cur.execute(self.queue._sql("DELETE FROM review_scan WHERE name = 'tracker'"))
            cur.execute(self.queue._sql("INSERT INTO review_scan VALUES ('tracker', ?)"),
                        (newest,))
            known = {row["event_id"] for row in self.queue._all(
                cur, "SELECT event_id FROM review_items")}
            for item in find_candidates(events, low, unsure_below, faq_below):
                if item.event_id in known:
                    continue
                cur.execute(self.queue._sql(
                    "INSERT INTO review_items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', NULL,"
                    " NULL)"), (item.event_id, item.conversation_id, item.text, item.predicted,
                                item.confidence, item.language, item.reason,
                                json.dumps(item.context), item.created_at))
                added += 1
        return added

    def items(self, language: Optional[str] = None, intent: Optional[str] = None,
              since: Optional[str] = None, until: Optional[str] = None,
              status: str = "open") -> List[ReviewItem]:
        """Stored items, newest first (at most 500), masked again on the way out."""
        query = "SELECT * FROM review_items WHERE status = ?"
        params: List[Any] = [status]
        for column, value, op in (("language", language, "="), ("predicted", intent, "="),
                                  ("created_at", since, ">="), ("created_at", until, "<=")):
            if value:
                query += f" AND {column} {op} ?"
                params.append(value)
        with self.queue._transaction() as cur:
            rows = self.queue._all(cur, query + " ORDER BY created_at DESC LIMIT 500", params)
        return [ReviewItem(r["event_id"], r["conversation_id"], r["text"], r["predicted"],
                           r["confidence"], r["language"], r["reason"], json.loads(r["context"]),
                           r["created_at"], r["status"]).masked() for r in rows]

    def label(self, event_ids: Sequence[int], label: str, reviewer: str) -> List[str]:
        """Turn messages into training examples or mark them junk; return the files written.

        An example is the masked message with neutral values in place of the placeholders
        (:func:`bot.review.masking.training_text`)."""
        written = []
        for item in [i for i in self.items() if i.event_id in set(event_ids)]:
            status = "junk" if label == "junk" else "labelled"
            if label != "junk":
                try:
                    path = add_example(self.nlu_dir, label, item.language,
                                       training_text(item.text, item.language))
                    written.append(str(path))
                except ExampleError as error:
                    if "already there" not in str(error):
                        raise
            with self.queue._transaction() as cur:
                cur.execute(self.queue._sql("UPDATE review_items SET status = ?, label = ?,"
                                            " reviewer = ? WHERE event_id = ?"),
                            (status, label, reviewer, item.event_id))
        return written
