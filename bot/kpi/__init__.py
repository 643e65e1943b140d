"""Support KPIs from Rasa's tracker store, the handoff queue and the survey answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.kpi.conversations import (
    Conversation,
    EventSource,
    SQLEventSource,
    read_conversations,
)
from bot.kpi.report import Breakdown, Durations, Filters, KpiReport, compute, nps_score, to_csv

__all__ = [
    "Breakdown", "Conversation", "Durations", "EventSource", "Filters", "KpiReport",
    "SQLEventSource", "compute", "kpi_report", "nps_score", "read_conversations", "to_csv",
]


def kpi_report(source: EventSource, store: Any, filters: Filters,
               repeat_days: int = 7) -> KpiReport:
    """Read what the filters need from the stores and compute the report.

    Conversations are read from ``repeat_days`` before the range so that a repeat contact on
    its first day is recognised.
    """
    low, high = filters.bounds()
    conversations = read_conversations(source.rows(low - repeat_days * 86400, high))
    since, until = filters.naive_bounds()
    tickets = store.tickets_created(since - timedelta(days=repeat_days), until)
    answers = store.survey_responses(since, until)
    return compute(conversations, tickets, answers, filters, repeat_days)
