"""How long the KPIs take over a large tracker store (SQLite and PostgreSQL).

Writes ``conversations`` synthetic conversations over 90 days into Rasa's ``events`` table
(same columns and JSON shape the SQL tracker store writes), tickets and survey answers into the
handoff store, then times the dashboard's report for 30 and 90 days.
"""

from __future__ import annotations

import io
import random
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Iterator, List, Tuple

from bot.handoff import PostgresHandoffQueue, SQLHandoffQueue, SQLiteHandoffQueue, Ticket
from bot.kpi import Filters, SQLEventSource, kpi_report
from bot.surveys import SurveyResponse

LANGUAGES = (("en", 40), ("fi", 20), ("nb", 10), ("tr", 10), ("uk", 10), ("id", 10))
CHANNELS = (("socketio", 60), ("telegram", 15), ("facebook", 10), ("twilio", 10), ("slack", 5))
TASKS = (("order_status", 30), ("faq", 30), ("return_item", 10), ("change_address", 6),
         ("cancel_order", 6), ("refund_status", 6), ("payment_issue", 4), ("product_info", 8))
FAQ_KEYS = ("delivery_time", "return_policy", "shipping_options", "payment_methods", "invoice",
            "size_guide", "discount_codes", "warranty")
FORM_TASKS = {"order_status", "return_item", "change_address", "cancel_order", "refund_status"}
TASK_SLOTS = ("new_address", "address_confirmed", "cancel_confirmed", "change_request",
              "change_confirmed", "return_reason", "payment_method", "payment_details",
              "requested_slot")
EVENTS_TABLE = ("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,"
                " type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255),"
                " action_name VARCHAR(255), data TEXT)")
Row = Tuple[str, str, float, object, object, str]
SPAN = 90 * 86400  # seconds of history
META = '"metadata": {"model_id": "m", "assistant_id": "northwind-shop-assistant"}'


def _pick(rng: random.Random, weighted) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


@dataclass
class _Visit:
    """One synthetic conversation: who writes, when, in which language and channel, about what;
    its events go to ``rows``."""

    rows: List[Row]
    n: int
    sender: str
    t: float
    language: str
    channel: str
    task: str

    def add(self, kind: str, at: float, intent=None, action=None, extra: str = "") -> None:
        """One event, in the JSON shape the SQL tracker store writes."""
        data = f'{{"event": "{kind}", "timestamp": {at}, {META}{extra}}}'
        self.rows.append((self.sender, kind, at, intent, action, data))


def generate(conversations: int, end: datetime, seed: int = 7
             ) -> Tuple[List[Row], List[Ticket], List[SurveyResponse]]:
    """Events, tickets and survey answers of ``conversations`` conversations before ``end``."""
    rng = random.Random(seed)
    rows: List[Row] = []
    tickets: List[Ticket] = []
    answers: List[SurveyResponse] = []
    start_of = end.timestamp() - SPAN
    for n in range(conversations):
        visit = _visit(rng, rows, n, conversations, start_of)
        visit.add("action", visit.t - 1, action="action_session_start",
                  extra=', "name": "action_session_start"')
        visit.add("session_started", visit.t - 1)
        visit.add("slot", visit.t, action="language",
                  extra=f', "name": "language", "value": "{visit.language}"')
        _turns(rng, visit)
        end_t = visit.t + 60
        handed = _handoff(rng, visit, end_t, tickets)
        _survey_answers(rng, visit, end_t, handed, answers)
    rows.sort(key=lambda r: r[2])
    return rows, tickets, answers


def _visit(rng: random.Random, rows: List[Row], n: int, conversations: int,
           start_of: float) -> _Visit:
    """The ``n``-th conversation's shopper, start, language, channel and task."""
    sender = f"s{n % (conversations * 3 // 4 or 1):07d}"  # some shoppers come back
    # Busier in office hours and on Mondays.
    t = start_of + rng.random() * SPAN
    hour = datetime.fromtimestamp(t).hour
    if hour < 8 and rng.random() < 0.6:
        t += 9 * 3600
    language, channel = _pick(rng, LANGUAGES), _pick(rng, CHANNELS)
    return _Visit(rows, n, sender, t, language, channel, _pick(rng, TASKS))


def _turns(rng: random.Random, visit: _Visit) -> None:
    """The shopper's turns (sometimes a greeting first, then the task) and the bot's answers."""
    for turn, intent in enumerate(("greet", visit.task) if rng.random() < 0.3
                                  else (visit.task,)):
        at = visit.t + turn * 20
        visit.add("user", at, intent=intent,
                  extra=f', "text": "...", "parse_data": {{"intent": {{"name": "{intent}",'
                        f' "confidence": 0.9}}}}, "input_channel": "{visit.channel}"')
        visit.add("action", at + 0.1, action="action_listen", extra=', "name": "action_listen"')
        utter = f"utter_faq/{rng.choice(FAQ_KEYS)}" if intent == "faq" else f"utter_{intent}"
        if intent in FORM_TASKS:
            at = _form_turn(visit, intent, at)
        visit.add("bot", at + 0.2 + rng.random(),
                  extra=f', "text": "...", "metadata": {{"utter_action": "{utter}"}}')
        visit.add("action", at + 1.3, action="action_listen", extra=', "name": "action_listen"')


def _form_turn(visit: _Visit, intent: str, at: float) -> float:
    """What a form turn writes: slot resets, the form, its questions and the shopper's answers.

    Returns:
        The time of the last answer.
    """
    for slot in TASK_SLOTS:
        visit.add("slot", at + 0.1, action=slot, extra=f', "name": "{slot}", "value": null')
    visit.add("action", at + 0.1, action=f"{intent}_form", extra=f', "name": "{intent}_form"')
    for step, slot in enumerate(("order_number", "email"), start=1):
        visit.add("bot", at + 0.2, extra=', "text": "...", "metadata": {"utter_action":'
                                         f' "utter_ask_{slot}"}}')
        visit.add("action", at + 0.3, action="action_listen", extra=', "name": "action_listen"')
        at += 15 * step
        visit.add("user", at, intent="inform",
                  extra=f', "text": "...", "input_channel": "{visit.channel}"')
        visit.add("slot", at + 0.1, action=slot, extra=f', "name": "{slot}", "value": "x"')
    return at


def _handoff(rng: random.Random, visit: _Visit, end_t: float, tickets: List[Ticket]) -> bool:
    """Payment problems, complaints and some others go to a person: a resolved ticket and an
    agent's reply. Returns whether this conversation did."""
    handed = visit.task == "payment_issue" or rng.random() < 0.12
    complaint = rng.random() < 0.05
    if complaint:
        visit.add("user", end_t, intent="complaint",
                  extra=f', "text": "...", "input_channel": "{visit.channel}"')
        handed = True
    if handed:
        visit.add("action", end_t + 1, action="action_handoff",
                  extra=', "name": "action_handoff"')
        visit.add("slot", end_t + 1, action="handoff_ticket",
                  extra=f', "name": "handoff_ticket", "value": "H-{visit.n:08d}"')
        created = datetime.fromtimestamp(end_t + 1)
        claimed = created + timedelta(seconds=rng.randint(30, 900))
        tickets.append(Ticket(
            f"H-{visit.n:08d}", visit.sender, "complaint" if complaint else (
                "payment_issue" if visit.task == "payment_issue" else "talk_to_human"),
            "s", status="resolved", language=visit.language, channel=visit.channel,
            created_at=created, claimed_at=claimed, agent="alice",
            resolved_at=claimed + timedelta(seconds=rng.randint(60, 1800))))
        visit.add("bot", claimed.timestamp() + 5,
                  extra=', "text": "...", "metadata": {"agent": "alice"}')
    return handed


def _survey_answers(rng: random.Random, visit: _Visit, end_t: float, handed: bool,
                    answers: List[SurveyResponse]) -> None:
    """A CSAT rating for some conversations, an NPS answer for fewer."""
    sender, language, channel = visit.sender, visit.language, visit.channel
    if rng.random() < 0.3:
        score = rng.choices([1, 2, 3, 4, 5], [5, 5, 10, 30, 50])[0]
        answers.append(SurveyResponse(
            "csat", "human" if handed else "bot", sender, f"conversation:{sender}", score,
            language, channel, human=handed, intents=[visit.task],
            created_at=datetime.fromtimestamp(end_t + 300), response_id=f"S-{visit.n:09d}"))
    if rng.random() < 0.08:
        answers.append(SurveyResponse(
            "nps", "bot", sender, f"conversation:{sender}", rng.randint(0, 10), language,
            channel, created_at=datetime.fromtimestamp(end_t + 320),
            response_id=f"N-{visit.n:09d}"))


def _fill_store(queue: SQLHandoffQueue, tickets: List[Ticket],
                answers: List[SurveyResponse]) -> None:
    from bot.handoff.schema import to_row
    from bot.surveys.store import _row

    with queue._transaction() as cur:
        cur.executemany(queue._sql("INSERT INTO tickets VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"),
                        [to_row(t) for t in tickets])
        cur.executemany(queue._sql("INSERT INTO survey_responses VALUES"
                                   " (?,?,?,?,?,?,?,?,?,?,?,?,?)"), [_row(a) for a in answers])


def sqlite_stores(work: Path, rows: List[Row], tickets, answers
                  ) -> Tuple[SQLEventSource, SQLHandoffQueue]:
    path = work / "tracker-kpi.db"
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute(EVENTS_TABLE)
    db.executemany("INSERT INTO events (sender_id, type_name, timestamp, intent_name,"
                   " action_name, data) VALUES (?,?,?,?,?,?)", rows)
    db.commit()
    db.close()
    (work / "handoff-kpi.db").unlink(missing_ok=True)
    queue = SQLiteHandoffQueue(work / "handoff-kpi.db")
    _fill_store(queue, tickets, answers)
    return SQLEventSource(f"sqlite:///{path}"), queue


def postgres_stores(dsn: str, rows: List[Row], tickets, answers
                    ) -> Tuple[SQLEventSource, SQLHandoffQueue]:
    import psycopg2

    connection = psycopg2.connect(dsn)
    with connection, connection.cursor() as cur:
        cur.execute(EVENTS_TABLE.replace("id INTEGER PRIMARY KEY", "id SERIAL PRIMARY KEY"))
        buffer = io.StringIO()
        for sender, kind, at, intent, action, data in rows:
            fields = [sender, kind, repr(at), intent or "\\N", action or "\\N",
                      data.replace("\\", "\\\\")]
            buffer.write("\t".join(fields) + "\n")
        buffer.seek(0)
        cur.copy_expert("COPY events (sender_id, type_name, timestamp, intent_name,"
                        " action_name, data) FROM STDIN", buffer)
    connection.close()
    queue = PostgresHandoffQueue(dsn)
    _fill_store(queue, tickets, answers)
    return SQLEventSource(dsn.replace("postgresql://", "postgresql+psycopg2://", 1)), queue


def _time(call: Callable[[], object], repeat: int = 2) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


def run(say: Callable[[str], None], conversations: int = 100_000) -> None:
    """Print a Markdown table of KPI report times."""
    from bot.tools.localservers import postgres

    end = datetime.combine(date.today(), datetime.min.time())
    rows, tickets, answers = generate(conversations, end)
    say("### KPIs over a large tracker store\n")
    say(f"{conversations:,} conversations over 90 days: {len(rows):,} tracker events,"
        f" {len(tickets):,} tickets, {len(answers):,} survey answers. Time of one dashboard"
        " report (every KPI, both stores read), best of 2.\n")
    say("| store | last 30 days | all 90 days | last 30 days, one language |")
    say("|---|---|---|---|")
    last = end.date() - timedelta(days=1)
    filters = (Filters(last - timedelta(days=29), last),
               Filters(last - timedelta(days=89), last),
               Filters(last - timedelta(days=29), last, language="fi"))
    with tempfile.TemporaryDirectory() as work:
        stores = [("SQLite", lambda: sqlite_stores(Path(work), rows, tickets, answers))]
        servers: Iterator = postgres()
        server = next(servers)
        stores.append(("PostgreSQL", lambda: postgres_stores(server.new_database("kpi_bench"),
                                                             rows, tickets, answers)))
        try:
            for name, build in stores:
                source, queue = build()
                times = [_time(lambda f=f, s=source, q=queue: kpi_report(s, q, f))
                         for f in filters]
                check = kpi_report(source, queue, filters[1])
                say(f"| {name} | {times[0]:.1f} s | {times[1]:.1f} s | {times[2]:.1f} s |")
                queue.close()
            say(f"\n(90 days: {check.conversations:,} conversations counted,"
                f" containment {check.containment}, CSAT {check.csat}, NPS {check.nps}.)\n")
        finally:
            next(servers, None)
