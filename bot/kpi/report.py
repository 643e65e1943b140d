"""The KPIs a support lead reads, computed from conversations, tickets and survey answers."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Dict, List, Optional, Sequence, Tuple

from zoneinfo import ZoneInfo

from bot.handoff.models import Ticket
from bot.kpi.conversations import Conversation
from bot.surveys import SurveyResponse
from bot.surveys.policy import NOT_TOPICS, TASK_INTENTS

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Filters:
    """Which conversations count: a date range in the shop's time zone, language, channel."""

    since: date
    until: date  # inclusive
    language: Optional[str] = None
    channel: Optional[str] = None
    timezone: str = "UTC"

    def bounds(self) -> Tuple[float, float]:
        """Unix seconds of the range's first and one past its last moment."""
        zone = ZoneInfo(self.timezone)
        start = datetime.combine(self.since, datetime.min.time(), zone)
        end = datetime.combine(self.until + timedelta(days=1), datetime.min.time(), zone)
        return start.timestamp(), end.timestamp()

    def naive_bounds(self) -> Tuple[datetime, datetime]:
        """The range as naive local datetimes (how tickets and surveys store their times)."""
        low, high = self.bounds()
        return (datetime.fromtimestamp(low), datetime.fromtimestamp(high))


@dataclass
class Durations:
    """Seconds: how many, median and 90th percentile."""

    count: int = 0
    median: Optional[float] = None
    p90: Optional[float] = None

    @classmethod
    def of(cls, values: Sequence[float]) -> "Durations":
        values = sorted(v for v in values if v >= 0)
        if not values:
            return cls()
        return cls(len(values), round(statistics.median(values), 1),
                   round(values[min(len(values) - 1, int(0.9 * len(values)))], 1))


@dataclass
class Breakdown:
    """KPIs for one language or one channel."""

    conversations: int = 0
    containment: Optional[float] = None
    handoff_rate: Optional[float] = None
    csat: Optional[float] = None
    csat_answers: int = 0
    nps: Optional[float] = None
    nps_answers: int = 0


@dataclass
class KpiReport:
    """Everything the dashboard shows, for one set of filters."""

    filters: Dict[str, Any]
    conversations: int = 0
    task_conversations: int = 0
    contained: int = 0
    containment: Optional[float] = None
    handoffs: int = 0
    handoff_rate: Optional[float] = None
    handoff_reasons: List[Tuple[str, int]] = field(default_factory=list)
    first_response_bot: Durations = field(default_factory=Durations)
    first_response_human: Durations = field(default_factory=Durations)
    resolution_bot: Durations = field(default_factory=Durations)
    resolution_human: Durations = field(default_factory=Durations)
    repeat_contacts: int = 0
    repeat_rate: Optional[float] = None
    repeat_topics: List[Tuple[str, int]] = field(default_factory=list)
    top_intents: List[Tuple[str, int]] = field(default_factory=list)
    complaint_topics: List[Tuple[str, int]] = field(default_factory=list)
    faq_to_fix: List[Dict[str, Any]] = field(default_factory=list)
    busiest_hours: List[List[int]] = field(default_factory=list)  # [weekday][hour]
    csat: Optional[float] = None
    csat_answers: int = 0
    nps: Optional[float] = None
    nps_answers: int = 0
    surveys_declined: int = 0
    trend: List[Dict[str, Any]] = field(default_factory=list)
    by_language: Dict[str, Breakdown] = field(default_factory=dict)
    by_channel: Dict[str, Breakdown] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def _rate(part: int, whole: int) -> Optional[float]:
    return round(part / whole, 3) if whole else None


def nps_score(scores: Sequence[int]) -> Optional[float]:
    """Promoters (9-10) minus detractors (0-6), in percent of all answers."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100.0 * (promoters - detractors) / len(scores), 1)


def _mean(values: Sequence[int]) -> Optional[float]:
    return round(statistics.fmean(values), 2) if values else None


def topic(conversation: Conversation) -> Optional[str]:
    """What the conversation was about: its first task (an FAQ answer names the FAQ)."""
    for intent in conversation.intents:
        if intent == "faq" and conversation.faq_answers:
            return f"faq/{conversation.faq_answers[0][0]}"
        if intent in TASK_INTENTS:
            return intent
    return None


def _matches(filters: Filters, language: str, channel: str) -> bool:
    return ((not filters.language or language == filters.language)
            and (not filters.channel or channel == filters.channel))


def _attach_tickets(conversations: Sequence[Conversation],
                    tickets: Sequence[Ticket]) -> Dict[int, Ticket]:
    """The ticket of each conversation (the first created during it), by index."""
    by_sender: Dict[str, List[int]] = defaultdict(list)
    for index, conversation in enumerate(conversations):
        by_sender[conversation.conversation_id].append(index)
    found: Dict[int, Ticket] = {}
    for ticket in tickets:
        created = ticket.created_at.timestamp()
        for index in by_sender.get(ticket.conversation_id, ()):
            c = conversations[index]
            if c.started - 1 <= created <= c.ended + 3600 and index not in found:
                found[index] = ticket
                break
    return found


def _bucket(day: date, weekly: bool) -> str:
    if not weekly:
        return day.isoformat()
    monday = day - timedelta(days=day.weekday())
    return monday.isoformat()


def compute(conversations: Sequence[Conversation], tickets: Sequence[Ticket],
            answers: Sequence[SurveyResponse], filters: Filters,
            repeat_days: int = 7) -> KpiReport:
    """All KPIs for the conversations, tickets and survey answers that match the filters.

    ``conversations`` may include earlier ones (for repeat contacts); only those that start
    inside the range are counted.
    """
    zone = ZoneInfo(filters.timezone)
    low, high = filters.bounds()
    report = KpiReport(filters={"since": filters.since.isoformat(),
                                "until": filters.until.isoformat(),
                                "language": filters.language, "channel": filters.channel,
                                "timezone": filters.timezone})
    ticket_of = _attach_tickets(conversations, tickets)

    # Repeat contacts look back over every conversation given, in time order.
    last_topic_time: Dict[Tuple[str, str], float] = {}
    repeat: Dict[int, bool] = {}
    for index, conversation in enumerate(conversations):
        about = topic(conversation)
        if about is None:
            continue
        key = (conversation.shopper, about)
        previous = last_topic_time.get(key)
        repeat[index] = previous is not None and \
            conversation.started - previous <= repeat_days * 86400
        last_topic_time[key] = conversation.started

    chosen = [(i, c) for i, c in enumerate(conversations)
              if low <= c.started < high and _matches(filters, c.language, c.channel)]
    report.conversations = len(chosen)

    intents: Counter = Counter()
    reasons: Counter = Counter()
    complaints: Counter = Counter()
    repeats: Counter = Counter()
    heat = [[0] * 24 for _ in WEEKDAYS]
    faq_answered: Counter = Counter()
    faq_handoff: Counter = Counter()
    faq_low: Counter = Counter()
    faq_bad: Counter = Counter()
    first_bot, first_human, resolve_bot, resolve_human = [], [], [], []
    groups: Dict[str, Dict[str, List[Tuple[bool, bool, bool]]]] = {
        "language": defaultdict(list), "channel": defaultdict(list)}

    # Survey answers of the chosen range and filters.
    low_dt, high_dt = filters.naive_bounds()
    picked = [a for a in answers if low_dt <= a.created_at < high_dt
              and _matches(filters, a.language, a.channel)]
    csat = [a for a in picked if a.kind == "csat" and a.score is not None]
    nps = [a for a in picked if a.kind == "nps" and a.score is not None]
    report.surveys_declined = sum(1 for a in picked if a.declined)
    report.csat, report.csat_answers = _mean([a.score for a in csat]), len(csat)
    report.nps, report.nps_answers = nps_score([a.score for a in nps]), len(nps)
    low_rated: Dict[str, set] = defaultdict(set)  # conversation -> FAQ keys rated 1-2
    for answer in csat:
        if answer.score <= 2:
            low_rated[answer.conversation_id].update(answer.faq_keys)

    for index, c in chosen:
        ticket = ticket_of.get(index)
        handed = ticket is not None or c.handoff_at is not None
        is_task = topic(c) is not None
        for intent in c.intents:
            if intent not in NOT_TOPICS:
                intents[intent] += 1
        for stamp in c.user_times:
            local = datetime.fromtimestamp(stamp, zone)
            heat[local.weekday()][local.hour] += 1
        if c.first_bot_reply is not None:
            first_bot.append(c.first_bot_reply - c.user_times[0])
        if handed:
            report.handoffs += 1
            reasons[ticket.reason if ticket else "talk_to_human"] += 1
            start = ticket.created_at.timestamp() if ticket else c.handoff_at
            if c.first_agent_reply is not None and start is not None:
                first_human.append(c.first_agent_reply - start)
            elif ticket and ticket.claimed_at:
                first_human.append(ticket.claimed_at.timestamp() - start)
            if ticket and ticket.resolved_at and ticket.status == "resolved":
                resolve_human.append(ticket.resolved_at.timestamp() - start)
        if is_task:
            report.task_conversations += 1
            if not handed:
                report.contained += 1
                if c.last_bot_message is not None:
                    resolve_bot.append(c.last_bot_message - c.user_times[0])
            if repeat.get(index):
                report.repeat_contacts += 1
                repeats[topic(c)] += 1
        if "complaint" in c.intents or (ticket and ticket.reason == "complaint"):
            about = [i for i in c.intents if i in TASK_INTENTS and i != "faq"]
            about += [f"faq/{key}" for key, _ in c.faq_answers]
            for name in dict.fromkeys(about) or ["general"]:
                complaints[name] += 1
        handoff_time = (ticket.created_at.timestamp() if ticket else c.handoff_at)
        for key in dict.fromkeys(k for k, _ in c.faq_answers):
            faq_answered[key] += 1
            answered_at = min(t for k, t in c.faq_answers if k == key)
            handed_after = handoff_time is not None and handoff_time >= answered_at
            rated_low = key in low_rated.get(c.conversation_id, ())
            faq_handoff[key] += handed_after
            faq_low[key] += rated_low
            faq_bad[key] += handed_after or rated_low
        for name, value in (("language", c.language), ("channel", c.channel)):
            groups[name][value].append((is_task, is_task and not handed, handed))

    weekly = (filters.until - filters.since).days > 31
    trend: Dict[str, Dict[str, List[int]]] = defaultdict(lambda: {"csat": [], "nps": []})
    for answer in csat + nps:
        trend[_bucket(answer.created_at.date(), weekly)][answer.kind].append(answer.score)
    report.trend = [{"period": period, "csat": _mean(v["csat"]), "csat_answers": len(v["csat"]),
                     "nps": nps_score(v["nps"]), "nps_answers": len(v["nps"])}
                    for period, v in sorted(trend.items())]

    report.containment = _rate(report.contained, report.task_conversations)
    report.handoff_rate = _rate(report.handoffs, report.conversations)
    report.repeat_rate = _rate(report.repeat_contacts, report.task_conversations)
    report.handoff_reasons = reasons.most_common()
    report.repeat_topics = repeats.most_common(10)
    report.top_intents = intents.most_common(10)
    report.complaint_topics = complaints.most_common(10)
    report.first_response_bot = Durations.of(first_bot)
    report.first_response_human = Durations.of(first_human)
    report.resolution_bot = Durations.of(resolve_bot)
    report.resolution_human = Durations.of(resolve_human)
    report.busiest_hours = heat
    fix = []
    for key, count in faq_answered.items():
        bad = faq_bad[key]
        if bad:
            fix.append({"faq": key, "answered": count, "then_handoff": faq_handoff[key],
                        "low_rating": faq_low[key], "share": round(bad / count, 3)})
    report.faq_to_fix = sorted(fix, key=lambda f: (-f["share"], -f["answered"]))[:10]
    for name, target in (("language", report.by_language), ("channel", report.by_channel)):
        for value, rows in sorted(groups[name].items()):
            tasks = sum(1 for r in rows if r[0])
            scores_c = [a.score for a in csat if getattr(a, name) == value]
            scores_n = [a.score for a in nps if getattr(a, name) == value]
            target[value] = Breakdown(
                conversations=len(rows), containment=_rate(sum(1 for r in rows if r[1]), tasks),
                handoff_rate=_rate(sum(1 for r in rows if r[2]), len(rows)),
                csat=_mean(scores_c), csat_answers=len(scores_c),
                nps=nps_score(scores_n), nps_answers=len(scores_n))
    return report


def to_csv(report: KpiReport) -> str:
    """The report as ``section,name,value`` rows (one file a spreadsheet opens)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "name", "value"])
    for key, value in report.filters.items():
        writer.writerow(["filter", key, "" if value is None else value])
    for key in ("conversations", "task_conversations", "contained", "containment", "handoffs",
                "handoff_rate", "repeat_contacts", "repeat_rate", "csat", "csat_answers",
                "nps", "nps_answers", "surveys_declined"):
        value = getattr(report, key)
        writer.writerow(["summary", key, "" if value is None else value])
    for key in ("first_response_bot", "first_response_human", "resolution_bot",
                "resolution_human"):
        durations: Durations = getattr(report, key)
        for part in ("count", "median", "p90"):
            value = getattr(durations, part)
            writer.writerow([f"{key}_seconds", part, "" if value is None else value])
    for section in ("handoff_reasons", "repeat_topics", "top_intents", "complaint_topics"):
        for name, count in getattr(report, section):
            writer.writerow([section, name, count])
    for row in report.faq_to_fix:
        writer.writerow(["faq_to_fix", row["faq"],
                         f"{row['share']} ({row['then_handoff']} handoffs,"
                         f" {row['low_rating']} low ratings of {row['answered']})"])
    for day, hours in zip(WEEKDAYS, report.busiest_hours):
        for hour, count in enumerate(hours):
            if count:
                writer.writerow(["messages_by_hour", f"{day} {hour:02d}:00", count])
    for row in report.trend:
        writer.writerow(["csat_trend", row["period"], "" if row["csat"] is None else row["csat"]])
        writer.writerow(["nps_trend", row["period"], "" if row["nps"] is None else row["nps"]])
    for section, groups in (("language", report.by_language), ("channel", report.by_channel)):
        for value, b in groups.items():
            for key, figure in asdict(b).items():
                writer.writerow([f"by_{section}", f"{value} {key}",
                                 "" if figure is None else figure])
    return out.getvalue()
