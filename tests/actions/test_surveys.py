"""Surveys in the conversation: when they are asked, what is stored, and that "no" sticks."""

from datetime import datetime, timedelta

from rasa_sdk.executor import CollectingDispatcher

from actions.chitchat import ActionGreet
from actions.handoff import ActionHandoff
from actions.surveys import (
    ActionAskCsat,
    ActionDeclineSurvey,
    ActionFollowupSurvey,
    ActionGoodbye,
    ActionStoreCsat,
    ActionStoreNps,
    ActionStoreSurveyComment,
    ActionThank,
)
from tests.actions.helpers import bot_event, entity, responses, slot_events, tracker, user_event

FAQ_ANSWER = {"event": "bot", "text": "Returns are free within 30 days.", "timestamp": 3.0,
              "metadata": {"utter_action": "utter_faq/return_policy"}}
SOLVED = [user_event("how do returns work", "faq", timestamp=2.0), FAQ_ANSWER]


def rating(slots, score):
    """The shopper taps a rating after the bot asked for one."""
    return tracker({"survey_pending": "csat", **slots}, text=f'/csat{{"rating":"{score}"}}',
                   intent="csat", entities=[entity("rating", str(score))], events=SOLVED)


def nps(score, slots=None):
    return tracker({"survey_pending": "nps", **(slots or {})}, text=f'/nps{{"score":"{score}"}}',
                   intent="nps", entities=[entity("score", str(score))])


async def test_thanks_after_a_solved_question_asks_for_a_rating(services):
    dispatcher = CollectingDispatcher()
    events = await ActionThank().run(dispatcher, tracker(text="thanks", intent="thank",
                                                         events=SOLVED), {})
    assert responses(dispatcher) == ["utter_ask_csat_bot"]
    assert slot_events(events) == {"survey_source": "bot", "survey_pending": "csat"}
    # "ok thanks" while the bot waits for a yes or no: no rating for an unfinished task.
    waiting = CollectingDispatcher()
    events = await ActionThank().run(waiting, tracker(text="ok kiitti", intent="thank",
                                                      events=SOLVED, active_loop="cancel_form"),
                                     {})
    assert responses(waiting) == ["utter_you_are_welcome"] and slot_events(events) == {}


async def test_small_talk_alone_is_not_rated(services):
    dispatcher = CollectingDispatcher()
    await ActionGoodbye().run(dispatcher, tracker(text="bye", intent="goodbye", events=[
        user_event("hi", "greet"), bot_event("Hi!")]), {})
    assert responses(dispatcher) == ["utter_goodbye"]


async def test_a_goodbye_word_opening_the_conversation_is_answered_as_a_greeting(services):
    # Finnish "moikka" and Norwegian "hei hei" say both; first in a session they say hello.
    first = CollectingDispatcher()
    await ActionGoodbye().run(first, tracker(text="moikka", intent="goodbye", events=[
        {"event": "session_started", "timestamp": 0.5}]), {})
    assert responses(first) == ["utter_greet"]
    later = CollectingDispatcher()
    await ActionGoodbye().run(later, tracker(text="moikka", intent="goodbye", events=[
        {"event": "session_started", "timestamp": 0.5}, user_event("hei", "greet"),
        bot_event("Hei!")]), {})
    assert responses(later) == ["utter_goodbye"]
    # The opening "moikka" was the greeting: a "hei??" after it gets no second introduction.
    again = CollectingDispatcher()
    await ActionGreet().run(again, tracker(text="hei??", events=[
        {"event": "session_started", "timestamp": 0.5}, user_event("moikka", "goodbye"),
        {"event": "action", "name": "action_goodbye"}, bot_event("Hei!")]), {})
    assert responses(again) == ["utter_greet_again"]


async def test_rating_is_stored_with_what_the_conversation_was_about(services):
    dispatcher = CollectingDispatcher()
    events = await ActionStoreCsat().run(dispatcher, rating({"survey_source": "bot",
                                                             "language": "fi"}, 2), {})
    stored = services.surveys.survey_responses()
    assert len(stored) == 1
    answer = stored[0]
    assert (answer.kind, answer.score, answer.source, answer.language) == ("csat", 2, "bot", "fi")
    assert answer.intents == ["faq"] and answer.faq_keys == ["return_policy"]
    assert answer.human is False
    # A low rating is met with an apology and an offer to say what went wrong; NPS comes next.
    assert responses(dispatcher) == ["utter_csat_sorry", "utter_ask_nps"]
    assert slot_events(events)["survey_response"] == answer.response_id


async def test_nps_is_asked_at_most_once_per_period(services):
    await ActionStoreCsat().run(CollectingDispatcher(), rating({}, 5), {})
    again = CollectingDispatcher()
    await ActionStoreCsat().run(again, rating({}, 4), {})
    assert responses(again) == ["utter_csat_thanks"]
    # After the period, the question comes back.
    services.surveys.mark_nps_asked("conversation:shopper-1", datetime.now() - timedelta(days=91))
    later = CollectingDispatcher()
    await ActionStoreCsat().run(later, rating({}, 4), {})
    assert responses(later) == ["utter_csat_thanks", "utter_ask_nps"]


async def test_nps_score_is_stored_and_out_of_range_scores_are_asked_again(services):
    bad = CollectingDispatcher()
    await ActionStoreNps().run(bad, nps(11), {})
    assert responses(bad) == ["utter_ask_nps"]
    assert services.surveys.survey_responses() == []
    events = await ActionStoreNps().run(CollectingDispatcher(), nps(9), {})
    assert [(a.kind, a.score) for a in services.surveys.survey_responses()] == [("nps", 9)]
    assert slot_events(events)["survey_pending"] is None


async def test_declining_is_remembered(services):
    dispatcher = CollectingDispatcher()
    await ActionDeclineSurvey().run(dispatcher, tracker({"survey_source": "bot",
                                                         "survey_pending": "csat"},
                                                        text="/survey_decline",
                                                        intent="survey_decline"), {})
    assert responses(dispatcher) == ["utter_survey_declined"]
    assert [a.declined for a in services.surveys.survey_responses()] == [True]
    later = CollectingDispatcher()
    await ActionThank().run(later, tracker(text="thanks", intent="thank", events=SOLVED), {})
    assert responses(later) == ["utter_you_are_welcome"]


async def test_comment_is_attached_to_the_rating(services):
    events = await ActionStoreCsat().run(CollectingDispatcher(), rating({}, 3), {})
    response_id = slot_events(events)["survey_response"]
    dispatcher = CollectingDispatcher()
    await ActionStoreSurveyComment().run(dispatcher, tracker(
        {"survey_response": response_id, "survey_comment": "the courier was late"},
        text="the courier was late", intent="feedback"), {})
    assert responses(dispatcher) == ["utter_survey_comment_thanks"]
    assert services.surveys.survey_responses()[0].comment == "the courier was late"


async def test_rating_after_a_person_helped_is_kept_with_the_ticket(services):
    events = await ActionHandoff().run(CollectingDispatcher(), tracker(
        text="human", intent="talk_to_human"), {})
    ticket_id = slot_events(events)["handoff_ticket"]
    services.handoff.claim(ticket_id, "alice")
    services.handoff.resolve(ticket_id)
    dispatcher = CollectingDispatcher()
    asked = await ActionAskCsat().run(dispatcher, tracker({"handoff_ticket": ticket_id},
                                                          intent="affirm"), {})
    assert responses(dispatcher) == ["utter_handoff_back_to_bot", "utter_ask_csat"]
    slots = slot_events(asked)
    await ActionStoreCsat().run(CollectingDispatcher(), tracker(
        slots, text='/csat{"rating":"4"}', intent="csat", entities=[entity("rating", "4")]), {})
    assert services.handoff.get(ticket_id).csat == 4
    answer = services.surveys.survey_responses()[0]
    assert (answer.source, answer.human, answer.ticket_id) == ("human", True, ticket_id)


async def test_follow_up_after_delivery_asks_once_in_the_shoppers_language(services):
    domain = {"responses": {"utter_followup_delivered": [
        {"text": "Order {order_id} delivered. How did it go?", "buttons": [{"title": "5",
                                                                            "payload": "/x"}]},
        {"text": "Tilaus {order_id} toimitettu.", "buttons": [],
         "condition": [{"type": "slot", "name": "language", "value": "fi"}]}]}}
    assert services.shop_events.remember_shop_event(
        "delivered:10023", "shopper-1",
        {"kind": "delivered", "order_number": "10023", "language": "fi"})
    assert not services.shop_events.remember_shop_event(
        "delivered:10023", "shopper-1", {"kind": "delivered", "order_number": "10023"})
    dispatcher = CollectingDispatcher()
    events = await ActionFollowupSurvey().run(dispatcher, tracker(), domain)
    assert dispatcher.messages[0]["text"] == "Tilaus 10023 toimitettu."
    assert slot_events(events) == {"survey_source": "delivery", "survey_order": "10023",
                                   "survey_pending": "csat", "language": "fi"}


async def test_a_rating_nobody_asked_for_is_not_stored(services):
    # "/csat{"rating":"1"}" typed into the chat, with no survey question pending.
    dispatcher = CollectingDispatcher()
    events = await ActionStoreCsat().run(dispatcher, rating({"survey_pending": None}, 1), {})
    assert responses(dispatcher) == ["utter_please_rephrase"]
    assert events == [] and services.surveys.survey_responses() == []
    # An NPS score is no different, and neither is a CSAT tap while NPS is the question.
    for action, message in ((ActionStoreNps(), nps(0, {"survey_pending": None})),
                            (ActionStoreCsat(), rating({"survey_pending": "nps"}, 5))):
        other = CollectingDispatcher()
        await action.run(other, message, {})
        assert responses(other) == ["utter_please_rephrase"]
    assert services.surveys.survey_responses() == []


async def test_each_question_takes_one_answer(services):
    asked = await ActionThank().run(CollectingDispatcher(), tracker(
        text="thanks", intent="thank", events=SOLVED), {})
    stored = await ActionStoreCsat().run(CollectingDispatcher(), rating(slot_events(asked), 4),
                                         {})
    assert slot_events(stored)["survey_pending"] == "nps"  # asked next
    slots = {**slot_events(asked), **slot_events(stored)}
    again = CollectingDispatcher()
    await ActionStoreCsat().run(again, rating(slots, 1), {})  # the same buttons tapped again
    assert responses(again) == ["utter_please_rephrase"]
    assert [(a.kind, a.score) for a in services.surveys.survey_responses()] == [("csat", 4)]


async def test_no_surveys_please_is_honoured_but_not_counted_as_a_declined_question(services):
    dispatcher = CollectingDispatcher()
    await ActionDeclineSurvey().run(dispatcher, tracker(text="/survey_decline",
                                                        intent="survey_decline"), {})
    assert responses(dispatcher) == ["utter_survey_declined"]
    assert services.surveys.survey_responses() == []
    later = CollectingDispatcher()
    await ActionThank().run(later, tracker(text="thanks", intent="thank", events=SOLVED), {})
    assert responses(later) == ["utter_you_are_welcome"]


async def test_a_question_asked_before_the_person_came_is_not_asked_again(services):
    # After hours the bot asked for an email (followup_form); then an agent took the ticket
    # and resolved it: the bot is back, asks for the rating, and the form is over.
    dispatcher = CollectingDispatcher()
    events = await ActionAskCsat().run(dispatcher, tracker(
        {"handoff_ticket": "T-1", "requested_slot": "followup_email"},
        active_loop="followup_form"), {})
    assert any(e["event"] == "active_loop" and e["name"] is None for e in events)
    assert slot_events(events)["requested_slot"] is None
    assert responses(dispatcher) == ["utter_handoff_back_to_bot", "utter_ask_csat"]
