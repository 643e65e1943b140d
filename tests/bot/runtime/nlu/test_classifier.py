"""The intent classifier component: Rasa's output, and the temperature per detected language."""

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.runtime.nlu.classifier import ShopIntentClassifier

EXAMPLES = {
    "order_status": ["where is my order", "track my parcel", "order status please",
                     "has it shipped yet"],
    "cancel_order": ["cancel my order", "i want to cancel", "stop the order from shipping",
                     "dont want it anymore"],
    "faq": ["how do returns work", "what is your return policy"],
}


def trained(tmp_path, **settings):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("classifier")
    context = ExecutionContext(GraphSchema({}), "model")
    config = {**ShopIntentClassifier.get_default_config(), "embedding_weight": 1.0, **settings}
    component = ShopIntentClassifier.create(config, storage, resource, context)
    messages = [Message.build(text=text, intent=intent,
                              intent_response_key="faq/return_policy" if intent == "faq" else None)
                for intent, texts in EXAMPLES.items() for text in texts]
    component.train(TrainingData(training_examples=messages))
    return ShopIntentClassifier.load(config, storage, resource, context)


def parse(component, text, language=None):
    message = Message.build(text=text)
    if language:
        message.set("language", {"name": language, "confidence": 1.0})
    component.process([message])
    return message


def test_intent_and_ranking_in_rasas_structure(tmp_path):
    message = parse(trained(tmp_path), "where is my parcel??")
    assert message.get("intent")["name"] == "order_status"
    ranking = message.get("intent_ranking")
    assert {entry["name"] for entry in ranking} == {"order_status", "cancel_order", "faq"}
    assert abs(sum(entry["confidence"] for entry in ranking) - 1.0) < 1e-6


def test_a_language_with_its_own_temperature_gets_softer_confidences(tmp_path):
    component = trained(tmp_path, temperature=8.0, language_temperatures={"en": 2.0})
    english = parse(component, "where is my parcel??", "en").get("intent")
    finnish = parse(component, "where is my parcel??", "fi").get("intent")
    undetected = parse(component, "where is my parcel??").get("intent")
    assert english["name"] == finnish["name"] == "order_status"
    assert english["confidence"] < finnish["confidence"] == undetected["confidence"]


def test_an_empty_message_gets_no_intent(tmp_path):
    assert parse(trained(tmp_path), "   ").get("intent") == {"name": None, "confidence": 0.0}


def test_the_embedding_is_computed_once_per_message_and_kept_out_of_the_output(
        tmp_path, monkeypatch):
    from bot.runtime.nlu.classifier import message_embedding
    from bot.text.classifier_model import TextClassifierModel

    component = trained(tmp_path)
    calls = []
    original = TextClassifierModel.embed
    monkeypatch.setattr(TextClassifierModel, "embed",
                        lambda self, texts: calls.append(list(texts)) or original(self, texts))
    message = parse(component, "where is my parcel??")
    again = message_embedding(message, component._model)  # what the FAQ selector asks for
    assert calls == [["where is my parcel??"]]
    assert again.shape == (384,)
    assert set(message.as_dict(only_output_properties=True)) == {
        "text", "intent", "intent_ranking"}


def test_lemma_features_follow_the_training_metadata_and_the_detected_language(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("classifier")
    context = ExecutionContext(GraphSchema({}), "model")
    config = {**ShopIntentClassifier.get_default_config(), "lemma_languages": ["uk"]}
    component = ShopIntentClassifier.create(config, storage, resource, context)
    ukrainian = {"order_status": ["де моє замовлення", "статус замовлення",
                                  "посилка ще не прийшла"],
                 "cancel_order": ["хочу скасувати", "скасуйте будь ласка", "не треба більше"]}
    messages = [Message.build(text=text, intent=intent,
                              metadata={"intent": {"language": "uk"}})
                for intent, texts in ukrainian.items() for text in texts]
    component.train(TrainingData(training_examples=messages))
    model = ShopIntentClassifier.load(config, storage, resource, context)._model
    # Trained on the examples' language: the lemma vocabulary holds the Ukrainian lemmas.
    assert "посилка" in model.lemmas.vocabulary_
    loaded = ShopIntentClassifier.load(config, storage, resource, context)
    assert parse(loaded, "що з посилкою", "uk").get("intent")["name"] == "order_status"
