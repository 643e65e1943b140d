from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionAnswerFaq
from tests.actions.helpers import entity, responses, slot_events, tracker


def selector(key: str, confidence: float) -> dict:
    return {"faq": {"response": {"intent_response_key": f"faq/{key}",
                                 "confidence": confidence}}}


async def test_confident_answer_is_given(services):
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerFaq().run(dispatcher, tracker(
        text="how long do i have to return", intent="faq",
        response_selector=selector("return_policy", 0.93)), {})
    assert responses(dispatcher) == ["utter_faq/return_policy"]
    assert slot_events(events)["last_faq"] == "return_policy"


async def test_unsure_answer_becomes_did_you_mean_buttons(services):
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, tracker(
        text="how much does delivery cost to sweden", intent="faq",
        response_selector=selector("delivery_time", 0.3)), {})
    assert responses(dispatcher) == ["utter_faq_did_you_mean"]
    buttons = dispatcher.messages[0]["buttons"]
    assert 1 <= len(buttons) <= 3
    assert any("shipping" in b["payload"] for b in buttons)
    assert all(b["payload"].startswith('/faq{"faq_key":') for b in buttons)


async def test_nothing_fitting_offers_a_person(services):
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerFaq().run(dispatcher, tracker(
        text="zzzz qqqq", intent="faq", response_selector=selector("invoice", 0.2)), {})
    assert responses(dispatcher) == ["utter_faq_unknown", "utter_offer_handoff"]
    assert slot_events(events)["handoff_reason"] == "faq_unanswered"


async def test_chosen_suggestion_is_answered(services):
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, tracker(
        text='/faq{"faq_key":"gift_cards"}', intent="faq",
        entities=[entity("faq_key", "gift_cards")]), {})
    assert responses(dispatcher) == ["utter_faq/gift_cards"]


async def test_an_answer_that_covers_the_question_only_in_general_says_so(services):
    for text, lang, topic in [("Can I return sale items?", "en", "sale items"),
                              ("Voiko alennustuotteita palauttaa?", "fi", "alennustuotteita"),
                              ("İndirimli ürünleri iade edebilir miyim?", "tr",
                               "İndirimli ürünleri"),
                              ("Чи можна повернути товари зі знижкою?", "uk",
                               "товари зі знижкою")]:
        dispatcher = CollectingDispatcher()
        events = await ActionAnswerFaq().run(dispatcher, tracker(
            {"language": lang}, text=text, intent="faq",
            response_selector=selector("return_policy", 0.99)), {})
        assert responses(dispatcher) == ["utter_faq_not_specific", "utter_faq/return_policy",
                                         "utter_offer_handoff"], text
        assert dispatcher.messages[0]["topic"] == topic
        assert dispatcher.messages[0]["title"] == services.kb_entry(
            "return_policy").title_in(lang)
        assert slot_events(events)["offered_handoff"] is True


async def test_questions_the_answer_speaks_to_get_it_plainly(services):
    for text in ("what is your return policy", "can I return boots I have worn",
                 "do I pay for the return label", "palautusoikeus?"):
        dispatcher = CollectingDispatcher()
        await ActionAnswerFaq().run(dispatcher, tracker(
            text=text, intent="faq", response_selector=selector("return_policy", 0.99)), {})
        assert responses(dispatcher) == ["utter_faq/return_policy"], text
