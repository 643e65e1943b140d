"""When the bot asks for a rating, and what a rating is about."""

from datetime import datetime, timedelta

from bot.surveys import (
    SurveyPrefs,
    bot_resolved,
    faq_keys_of,
    intents_of,
    may_ask,
    nps_due,
    opens_session,
    parse_score,
    shopper_key,
)


def user(intent, text="x"):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def bot(utter=None, agent=None):
    metadata = {"utter_action": utter} if utter else {}
    if agent:
        metadata["agent"] = agent
    return {"event": "bot", "text": "...", "metadata": metadata}


NOW = datetime(2026, 6, 1, 12)


def test_a_task_the_bot_handled_is_resolved():
    assert bot_resolved([user("order_status"), bot("utter_order_status"), user("thank")])


def test_small_talk_a_handoff_or_an_earlier_question_is_not():
    assert not bot_resolved([user("greet"), bot("utter_greet"), user("thank")])
    assert not bot_resolved([user("order_status"), {"event": "action", "name": "action_handoff"},
                             {"event": "slot", "name": "handoff_ticket", "value": "H-1"},
                             user("thank")])
    # A payment problem goes to a person through its own action: the ticket slot tells.
    assert not bot_resolved([user("payment_issue"),
                             {"event": "action", "name": "action_payment_handoff"},
                             {"event": "slot", "name": "handoff_ticket", "value": "H-2"},
                             user("thank")])
    assert not bot_resolved([user("faq"), bot("utter_faq/invoice"), bot("utter_ask_csat_bot"),
                             user("thank")])


def test_only_the_current_session_counts():
    events = [user("order_status"), bot("utter_order_status"), {"event": "session_started"},
              user("greet"), user("goodbye")]
    assert not bot_resolved(events)


def test_topics_and_faq_answers_in_order():
    events = [user("greet"), user("faq"), bot("utter_faq/invoice"), user("return_item"),
              bot("utter_faq/return_policy"), user("faq"), bot("utter_faq/invoice")]
    assert intents_of(events) == ["faq", "return_item"]
    assert faq_keys_of(events) == ["invoice", "return_policy"]


def test_no_thanks_is_honoured_for_the_decline_period():
    declined = SurveyPrefs("s", declined_at=NOW - timedelta(days=10))
    assert not may_ask(declined, NOW, 365)
    assert may_ask(declined, NOW, 5)
    assert not nps_due(declined, NOW, 90, 365)


def test_nps_once_per_period():
    assert nps_due(SurveyPrefs("s"), NOW, 90, 365)
    assert not nps_due(SurveyPrefs("s", nps_asked_at=NOW - timedelta(days=30)), NOW, 90, 365)
    assert nps_due(SurveyPrefs("s", nps_asked_at=NOW - timedelta(days=90)), NOW, 90, 365)


def test_scores_and_shoppers():
    assert parse_score("5", "csat") == 5 and parse_score("0", "csat") is None
    assert parse_score("10", "nps") == 10 and parse_score("ten", "nps") is None
    assert shopper_key("C7", "abc") == "customer:C7"
    assert shopper_key(None, "abc") == "conversation:abc"


def test_only_the_first_user_message_of_a_session_opens_it():
    started = {"event": "session_started"}
    assert opens_session([started, user("goodbye")])
    assert not opens_session([started, user("greet"), user("goodbye")])
    # A new session after an earlier one starts the count again.
    assert opens_session([started, user("greet"), user("goodbye"), started, user("goodbye")])
