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
    """KPIs for one language or one channel.

    ``solved_by_bot``, ``handed_to_person`` and ``other`` split the same conversations and add
    up to 1: a task (order, product, FAQ) done without a person; a conversation that went to a
    person; neither (the shopper left, chatted, or was not understood). ``containment`` is
    the share of conversations *with a task* solved without a person, as in the summary.
    """

    conversations: int = 0
    containment: Optional[float] = None
    handoff_rate: Optional[float] = None
    solved_by_bot: Optional[float] = None
    handed_to_person: Optional[float] = None
    other: Optional[float] = None
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


@dataclass(frozen=True)
class _Counted:
    """A conversation the report counts, with its ticket, topic and whether it repeats one."""

    conversation: Conversation
    ticket: Optional[Ticket]
    topic: Optional[str]
    repeat: bool

    @property
    def handed(self) -> bool:
        """Whether the conversation went to a person."""
        return self.ticket is not None or self.conversation.handoff_at is not None

    @property
    def handoff_time(self) -> Optional[float]:
        """When it went to a person: the ticket's creation, else the handoff slot's time."""
        return self.ticket.created_at.timestamp() if self.ticket else self.conversation.handoff_at


def compute(conversations: Sequence[Conversation], tickets: Sequence[Ticket],
            answers: Sequence[SurveyResponse], filters: Filters,
            repeat_days: int = 7) -> KpiReport:
    """All KPIs for the conversations, tickets and survey answers that match the filters.

    ``conversations`` may include earlier ones (for repeat contacts); only those that start
    inside the range are counted.
    """
    report = KpiReport(filters={"since": filters.since.isoformat(),
                                "until": filters.until.isoformat(),
                                "language": filters.language, "channel": filters.channel,
                                "timezone": filters.timezone})
    counted = _counted(conversations, tickets, filters, repeat_days)
    report.conversations = len(counted)
    csat, nps = _count_surveys(report, answers, filters)
    _count_activity(report, counted, ZoneInfo(filters.timezone))
    _count_handoffs(report, counted)
    _count_tasks(report, counted)
    report.complaint_topics = _complaint_topics(counted)
    report.faq_to_fix = _faq_to_fix(counted, _low_rated_faqs(csat))
    report.trend = _trend(csat, nps, weekly=(filters.until - filters.since).days > 31)
    report.by_language = _breakdown(counted, csat, nps, "language")
    report.by_channel = _breakdown(counted, csat, nps, "channel")
    return report


def _repeat_contacts(conversations: Sequence[Conversation], repeat_days: int) -> Dict[int, bool]:
    """By index: whether the shopper asked about the same topic within ``repeat_days`` before.

    Looks back over every conversation given, in time order.
    """
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
    return repeat


def _counted(conversations: Sequence[Conversation], tickets: Sequence[Ticket],
             filters: Filters, repeat_days: int) -> List[_Counted]:
    """The conversations that start inside the range and match the filters."""
    low, high = filters.bounds()
    ticket_of = _attach_tickets(conversations, tickets)
    repeat = _repeat_contacts(conversations, repeat_days)
    return [_Counted(c, ticket_of.get(i), topic(c), bool(repeat.get(i)))
            for i, c in enumerate(conversations)
            if low <= c.started < high and _matches(filters, c.language, c.channel)]


def _count_surveys(report: KpiReport, answers: Sequence[SurveyResponse],
                   filters: Filters) -> Tuple[List[SurveyResponse], List[SurveyResponse]]:
    """Fill in CSAT, NPS and declined surveys; the CSAT and NPS answers that count."""
    low_dt, high_dt = filters.naive_bounds()
    picked = [a for a in answers if low_dt <= a.created_at < high_dt
              and _matches(filters, a.language, a.channel)]
    csat = [a for a in picked if a.kind == "csat" and a.score is not None]
    nps = [a for a in picked if a.kind == "nps" and a.score is not None]
    report.surveys_declined = sum(1 for a in picked if a.declined)
    report.csat, report.csat_answers = _mean([a.score for a in csat]), len(csat)
    report.nps, report.nps_answers = nps_score([a.score for a in nps]), len(nps)
    return csat, nps


def _count_activity(report: KpiReport, counted: Sequence[_Counted], zone: ZoneInfo) -> None:
    """Fill in the top intents, the busiest hours and the bot's first response times."""
    intents: Counter = Counter()
    heat = [[0] * 24 for _ in WEEKDAYS]
    first_bot = []
    for c in (item.conversation for item in counted):
        for intent in c.intents:
            if intent not in NOT_TOPICS:
                intents[intent] += 1
        for stamp in c.user_times:
            local = datetime.fromtimestamp(stamp, zone)
            heat[local.weekday()][local.hour] += 1
        if c.first_bot_reply is not None:
            first_bot.append(c.first_bot_reply - c.user_times[0])
    report.top_intents = intents.most_common(10)
    report.busiest_hours = heat
    report.first_response_bot = Durations.of(first_bot)


def _count_handoffs(report: KpiReport, counted: Sequence[_Counted]) -> None:
    """Fill in the handoffs, their reasons and the people's response and resolution times."""
    reasons: Counter = Counter()
    first_human, resolve_human = [], []
    for item in counted:
        if not item.handed:
            continue
        c, ticket, start = item.conversation, item.ticket, item.handoff_time
        report.handoffs += 1
        reasons[ticket.reason if ticket else "talk_to_human"] += 1
        if c.first_agent_reply is not None and start is not None:
            first_human.append(c.first_agent_reply - start)
        elif ticket and ticket.claimed_at:
            first_human.append(ticket.claimed_at.timestamp() - start)
        if ticket and ticket.resolved_at and ticket.status == "resolved":
            resolve_human.append(ticket.resolved_at.timestamp() - start)
    report.handoff_rate = _rate(report.handoffs, report.conversations)
    report.handoff_reasons = reasons.most_common()
    report.first_response_human = Durations.of(first_human)
    report.resolution_human = Durations.of(resolve_human)


def _count_tasks(report: KpiReport, counted: Sequence[_Counted]) -> None:
    """Fill in containment, the bot's resolution times and repeat contacts (tasks only)."""
    repeats: Counter = Counter()
    resolve_bot = []
    for item in counted:
        if item.topic is None:
            continue
        report.task_conversations += 1
        if not item.handed:
            report.contained += 1
            c = item.conversation
            if c.last_bot_message is not None:
                resolve_bot.append(c.last_bot_message - c.user_times[0])
        if item.repeat:
            report.repeat_contacts += 1
            repeats[item.topic] += 1
    report.containment = _rate(report.contained, report.task_conversations)
    report.repeat_rate = _rate(report.repeat_contacts, report.task_conversations)
    report.repeat_topics = repeats.most_common(10)
    report.resolution_bot = Durations.of(resolve_bot)


def _complaint_topics(counted: Sequence[_Counted]) -> List[Tuple[str, int]]:
    """What complaints were about: the tasks and FAQ answers of their conversations."""
    complaints: Counter = Counter()
    for item in counted:
        c, ticket = item.conversation, item.ticket
        if "complaint" in c.intents or (ticket and ticket.reason == "complaint"):
            about = [i for i in c.intents if i in TASK_INTENTS and i != "faq"]
            about += [f"faq/{key}" for key, _ in c.faq_answers]
            for name in dict.fromkeys(about) or ["general"]:
                complaints[name] += 1
    return complaints.most_common(10)


def _low_rated_faqs(csat: Sequence[SurveyResponse]) -> Dict[str, set]:
    """By conversation: the FAQ keys answered in it when it was rated 1 or 2."""
    low_rated: Dict[str, set] = defaultdict(set)
    for answer in csat:
        if answer.score <= 2:
            low_rated[answer.conversation_id].update(answer.faq_keys)
    return low_rated


def _faq_to_fix(counted: Sequence[_Counted],
                low_rated: Dict[str, set]) -> List[Dict[str, Any]]:
    """The FAQ answers most often followed by a handoff or a low rating (at most ten)."""
    answered: Counter = Counter()
    then_handoff: Counter = Counter()
    rated_low: Counter = Counter()
    bad: Counter = Counter()
    for item in counted:
        c, handoff_time = item.conversation, item.handoff_time
        for key in dict.fromkeys(k for k, _ in c.faq_answers):
            answered[key] += 1
            answered_at = min(t for k, t in c.faq_answers if k == key)
            handed_after = handoff_time is not None and handoff_time >= answered_at
            low = key in low_rated.get(c.conversation_id, ())
            then_handoff[key] += handed_after
            rated_low[key] += low
            bad[key] += handed_after or low
    fix = [{"faq": key, "answered": count, "then_handoff": then_handoff[key],
            "low_rating": rated_low[key], "share": round(bad[key] / count, 3)}
           for key, count in answered.items() if bad[key]]
    return sorted(fix, key=lambda f: (-f["share"], -f["answered"]))[:10]


def _trend(csat: Sequence[SurveyResponse], nps: Sequence[SurveyResponse],
           weekly: bool) -> List[Dict[str, Any]]:
    """CSAT and NPS per day, or per week (from Monday) when ``weekly``."""
    trend: Dict[str, Dict[str, List[int]]] = defaultdict(lambda: {"csat": [], "nps": []})
    for answer in list(csat) + list(nps):
        trend[_bucket(answer.created_at.date(), weekly)][answer.kind].append(answer.score)
    return [{"period": period, "csat": _mean(v["csat"]), "csat_answers": len(v["csat"]),
             "nps": nps_score(v["nps"]), "nps_answers": len(v["nps"])}
            for period, v in sorted(trend.items())]


def _breakdown(counted: Sequence[_Counted], csat: Sequence[SurveyResponse],
               nps: Sequence[SurveyResponse], name: str) -> Dict[str, Breakdown]:
    """KPIs per language or per channel (``name``), in the order of their values."""
    groups: Dict[str, List[Tuple[bool, bool, bool]]] = defaultdict(list)
    for item in counted:
        is_task = item.topic is not None
        value = getattr(item.conversation, name)
        groups[value].append((is_task, is_task and not item.handed, item.handed))
    found: Dict[str, Breakdown] = {}
    for value, rows in sorted(groups.items()):
        tasks = sum(1 for r in rows if r[0])
        scores_c = [a.score for a in csat if getattr(a, name) == value]
        scores_n = [a.score for a in nps if getattr(a, name) == value]
        solved = _rate(sum(1 for r in rows if r[1]), len(rows))
        handed = _rate(sum(1 for r in rows if r[2]), len(rows))
        found[value] = Breakdown(
            conversations=len(rows), containment=_rate(sum(1 for r in rows if r[1]), tasks),
            handoff_rate=handed, solved_by_bot=solved, handed_to_person=handed,
            # The rest, so that the three shares add up to exactly 1 after rounding.
            other=round(1 - solved - handed, 3) if rows else None,
            csat=_mean(scores_c), csat_answers=len(scores_c),
            nps=nps_score(scores_n), nps_answers=len(scores_n))
    return found


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
