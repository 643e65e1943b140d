"""Where survey answers live: beside the tickets (same SQLite file or PostgreSQL database).

``SQLSurveys`` is a mixin of the handoff queue store, like the agent accounts, so that one
connection (and one transaction discipline) serves tickets, agents and surveys.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict, Iterator, List, Optional, Protocol

from bot.surveys.models import SurveyPrefs, SurveyResponse

SURVEY_SCHEMA = """
CREATE TABLE IF NOT EXISTS survey_responses (
    response_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    shopper TEXT NOT NULL,
    score INTEGER,
    declined INTEGER NOT NULL DEFAULT 0,
    comment TEXT,
    language TEXT NOT NULL,
    channel TEXT NOT NULL,
    human INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS survey_responses_time ON survey_responses (created_at);
CREATE INDEX IF NOT EXISTS survey_responses_conversation ON survey_responses (conversation_id);
CREATE TABLE IF NOT EXISTS survey_prefs (
    shopper TEXT PRIMARY KEY,
    declined_at TEXT,
    nps_asked_at TEXT
);
"""

_COLUMNS = ("response_id", "kind", "source", "conversation_id", "shopper", "score", "declined",
            "comment", "language", "channel", "human", "created_at", "body")


class SurveyStore(Protocol):
    """Survey answers and per-shopper survey memory."""

    def record_survey(self, answer: SurveyResponse) -> SurveyResponse:
        """Keep an answer (or a declined question)."""

    def comment_survey(self, response_id: str, comment: str) -> bool:
        """Attach the shopper's optional comment to an answer; False if there is no such answer."""

    def survey_prefs(self, shopper: str) -> SurveyPrefs:
        """What is remembered about this shopper (nothing yet: empty prefs)."""

    def decline_surveys(self, shopper: str, when: Optional[datetime] = None) -> None:
        """Remember that the shopper does not want to be asked."""

    def mark_nps_asked(self, shopper: str, when: Optional[datetime] = None) -> None:
        """Remember when the shopper was last asked the NPS question."""

    def survey_responses(self, since: Optional[datetime] = None,
                         until: Optional[datetime] = None) -> List[SurveyResponse]:
        """Answers given in ``[since, until)``, oldest first."""


def _row(answer: SurveyResponse) -> tuple:
    body = {"intents": list(answer.intents), "faq_keys": list(answer.faq_keys),
            "ticket_id": answer.ticket_id, "order_number": answer.order_number}
    return (answer.response_id, answer.kind, answer.source, answer.conversation_id,
            answer.shopper, answer.score, int(answer.declined), answer.comment,
            answer.language, answer.channel, int(answer.human),
            answer.created_at.isoformat(), json.dumps(body))


def _answer(row: Dict[str, Any]) -> SurveyResponse:
    body = json.loads(row.get("body") or "{}")
    return SurveyResponse(
        kind=row["kind"], source=row["source"], conversation_id=row["conversation_id"],
        shopper=row["shopper"], score=row["score"], language=row["language"],
        channel=row["channel"], human=bool(row["human"]), declined=bool(row["declined"]),
        comment=row["comment"], intents=body.get("intents") or [],
        faq_keys=body.get("faq_keys") or [], ticket_id=body.get("ticket_id"),
        order_number=body.get("order_number"),
        created_at=datetime.fromisoformat(row["created_at"]), response_id=row["response_id"])


def _time(value: Optional[str]) -> Optional[datetime]:
    return datetime.fromisoformat(value) if value else None


class SQLSurveys:
    """The survey tables over the host store's ``_transaction``, ``_one`` and ``_all``."""

    def _transaction(self) -> Iterator[Any]:  # provided by the host store
        raise NotImplementedError

    def record_survey(self, answer: SurveyResponse) -> SurveyResponse:
        with self._transaction() as cur:
            cur.execute(self._sql(f"INSERT INTO survey_responses ({', '.join(_COLUMNS)}) VALUES"
                                  f" ({', '.join('?' * len(_COLUMNS))})"), _row(answer))
        return answer

    def comment_survey(self, response_id: str, comment: str) -> bool:
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE survey_responses SET comment = ? WHERE response_id = ?"),
                        (comment[:2000], response_id))
            return cur.rowcount == 1

    def survey_prefs(self, shopper: str) -> SurveyPrefs:
        with self._transaction() as cur:
            row = self._one(cur, "SELECT * FROM survey_prefs WHERE shopper = ?", (shopper,))
        if row is None:
            return SurveyPrefs(shopper)
        return SurveyPrefs(shopper, _time(row["declined_at"]), _time(row["nps_asked_at"]))

    def _remember(self, shopper: str, column: str, when: Optional[datetime]) -> None:
        stamp = (when or datetime.now()).isoformat()
        with self._transaction() as cur:
            cur.execute(self._sql(f"INSERT INTO survey_prefs (shopper, {column}) VALUES (?, ?)"
                                  f" ON CONFLICT (shopper) DO UPDATE SET {column} ="
                                  f" excluded.{column}"), (shopper, stamp))

    def decline_surveys(self, shopper: str, when: Optional[datetime] = None) -> None:
        self._remember(shopper, "declined_at", when)

    def mark_nps_asked(self, shopper: str, when: Optional[datetime] = None) -> None:
        self._remember(shopper, "nps_asked_at", when)

    def survey_responses(self, since: Optional[datetime] = None,
                         until: Optional[datetime] = None) -> List[SurveyResponse]:
        with self._transaction() as cur:
            rows = self._all(cur, "SELECT * FROM survey_responses WHERE created_at >= ? AND"
                                  " created_at < ? ORDER BY created_at",
                             ((since or datetime.min).isoformat(),
                              (until or datetime.max).isoformat()))
        return [_answer(row) for row in rows]
