"""The response selector writes what Rasa's ResponseSelector writes, for the FAQ action."""

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.runtime.nlu.response_selector import ShopResponseSelector

EXAMPLES = {
    "faq/return_policy": ["how do returns work", "what is your return policy",
                          "can i send something back", "how many days do i have to return"],
    "faq/delivery_time": ["how long does delivery take", "when will my parcel arrive",
                          "delivery times", "how fast do you ship"],
    "faq/payment_methods": ["can i pay with paypal", "which payment methods do you take",
                            "do you accept klarna", "can i pay by invoice"],
}
RESPONSES = {f"utter_{key}": [{"text": f"answer to {key}"}] for key in EXAMPLES}


def training_data():
    messages = [Message.build(text=text, intent="faq", intent_response_key=key)
                for key, texts in EXAMPLES.items() for text in texts]
    messages += [Message.build(text="hello there", intent="greet"),
                 Message.build(text="hi", intent="greet")]
    return TrainingData(training_examples=messages, responses=RESPONSES)


def trained(tmp_path, **settings):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("selector")
    context = ExecutionContext(GraphSchema({}), "model")
    config = {**ShopResponseSelector.get_default_config(), **settings}
    component = ShopResponseSelector.create(config, storage, resource, context)
    component.train(training_data())
    return ShopResponseSelector.load(config, storage, resource, context)


def test_the_chosen_answer_in_rasas_output_structure(tmp_path):
    selector = trained(tmp_path)
    message = Message.build(text="what is the return policy?")
    selector.process([message])
    output = message.as_dict(only_output_properties=True)["response_selector"]
    assert output["all_retrieval_intents"] == ["faq"]
    response = output["faq"]["response"]
    assert response["intent_response_key"] == "faq/return_policy"
    assert response["utter_action"] == "utter_faq/return_policy"
    assert response["responses"] == [{"text": "answer to faq/return_policy"}]
    assert 0.0 < response["confidence"] <= 1.0
    ranking = output["faq"]["ranking"]
    assert [r["intent_response_key"] for r in ranking][0] == "faq/return_policy"
    assert len(ranking) == 3
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6
    assert ranking[0]["confidence"] == response["confidence"]


def test_answers_are_chosen_among_the_faq_keys_only(tmp_path):
    selector = trained(tmp_path)
    message = Message.build(text="hello there")
    selector.process([message])
    key = message.get("response_selector")["faq"]["response"]["intent_response_key"]
    assert key.startswith("faq/")


def test_untrained_selector_adds_nothing(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "model")
    selector = ShopResponseSelector.load(ShopResponseSelector.get_default_config(), storage,
                                         Resource("missing"), context)
    message = Message.build(text="what is the return policy?")
    selector.process([message])
    assert message.get("response_selector") is None


def test_a_language_with_its_own_temperature_gets_softer_answer_confidences(tmp_path):
    selector = trained(tmp_path, temperature=6.0, language_temperatures={"en": 2.0})
    confidences = {}
    for language in ("en", "fi", None):
        message = Message.build(text="what is the return policy?")
        if language:
            message.set("language", {"name": language, "confidence": 1.0})
        selector.process([message])
        response = message.get("response_selector")["faq"]["response"]
        assert response["intent_response_key"] == "faq/return_policy"
        confidences[language] = response["confidence"]
    assert confidences["en"] < confidences["fi"] == confidences[None]
