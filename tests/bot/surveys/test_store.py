"""Survey answers and "no thanks" survive in both stores (SQLite and PostgreSQL)."""

from datetime import datetime, timedelta

import pytest

from bot.surveys import SurveyResponse


def answer(score=4, kind="csat", **kwargs):
    values = dict(kind=kind, source="bot", conversation_id="c1", shopper="customer:C1",
                  score=score, language="tr", channel="telegram", intents=["return_item"],
                  faq_keys=["return_policy"], order_number="10023")
    values.update(kwargs)
    return SurveyResponse(**values)


def test_answers_keep_their_context(store):
    stored = store.record_survey(answer())
    assert store.comment_survey(stored.response_id, "fast and friendly")
    assert not store.comment_survey("S-NOPE", "lost")
    [back] = store.survey_responses()
    assert back.comment == "fast and friendly"
    assert (back.intents, back.faq_keys, back.order_number) == (["return_item"],
                                                                ["return_policy"], "10023")
    assert (back.language, back.channel, back.score) == ("tr", "telegram", 4)


def test_range_query(store):
    now = datetime(2026, 3, 10, 12)
    store.record_survey(answer(created_at=now - timedelta(days=10)))
    store.record_survey(answer(score=9, kind="nps", created_at=now))
    found = store.survey_responses(now - timedelta(days=1), now + timedelta(days=1))
    assert [(a.kind, a.score) for a in found] == [("nps", 9)]


def test_declining_and_nps_memory_per_shopper(store):
    assert store.survey_prefs("customer:C1").declined_at is None
    when = datetime(2026, 3, 1, 9)
    store.decline_surveys("customer:C1", when)
    store.mark_nps_asked("customer:C1", when)
    store.mark_nps_asked("customer:C1", when + timedelta(days=1))  # upsert, not a duplicate
    prefs = store.survey_prefs("customer:C1")
    assert prefs.declined_at == when and prefs.nps_asked_at == when + timedelta(days=1)
    assert store.survey_prefs("customer:C2").declined_at is None


def test_scores_out_of_range_are_refused():
    with pytest.raises(ValueError):
        answer(score=6)
    with pytest.raises(ValueError):
        answer(score=11, kind="nps")
    with pytest.raises(ValueError):
        answer(score=None)
    assert answer(score=None, declined=True).declined
