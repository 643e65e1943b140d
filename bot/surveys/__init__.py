"""Satisfaction surveys: CSAT after a resolved conversation, NPS once per period, follow-ups
after shop events; answers stored with what the conversation was about."""

from __future__ import annotations

from bot.surveys.models import KINDS, SOURCES, SurveyPrefs, SurveyResponse
from bot.surveys.policy import (
    bot_resolved,
    current_session,
    faq_keys_of,
    human_took_part,
    intents_of,
    may_ask,
    nps_due,
    opens_session,
    parse_score,
    shopper_key,
    survey_asked,
)
from bot.surveys.store import SURVEY_SCHEMA, SQLSurveys, SurveyStore

__all__ = [
    "KINDS", "SOURCES", "SURVEY_SCHEMA", "SQLSurveys", "SurveyPrefs", "SurveyResponse",
    "SurveyStore", "bot_resolved", "current_session", "faq_keys_of", "human_took_part",
    "intents_of", "may_ask", "nps_due", "opens_session", "parse_score", "shopper_key",
    "survey_asked",
]
