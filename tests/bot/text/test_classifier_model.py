from bot.runtime.nlu.classifier import collapse_ranking
from bot.text.classifier_model import TextClassifierModel
from bot.text.normalise import normalise


def test_normalise_removes_accents_numbers_and_emails():
    assert normalise("Hämeenkatu 5, TILAUS #10023 anna@x.fi") == \
        "hameenkatu  num , tilaus # longnum   emailaddr "


def test_model_learns_and_ranks_with_confidences_summing_to_one():
    texts = ["where is my order", "track my parcel", "order status please",
             "cancel my order", "i want to cancel", "stop the order from shipping",
             "how do returns work", "return policy", "how many days to return"]
    labels = ["order_status"] * 3 + ["cancel_order"] * 3 + ["faq/return_policy"] * 3
    model = TextClassifierModel().fit(texts, labels)
    ranking = model.rank("wher is my parcel??")
    assert ranking[0][0] == "order_status"
    assert abs(sum(conf for _, conf in ranking) - 1.0) < 1e-6


def test_retrieval_keys_collapse_into_their_intent():
    ranking = collapse_ranking([("faq/a", 0.4), ("greet", 0.35), ("faq/b", 0.25)])
    assert ranking[0] == {"name": "faq", "confidence": 0.65}
    assert ranking[1]["name"] == "greet"


def test_features_are_exactly_scikit_learns_tfidf():
    from scipy.sparse import hstack

    texts = ["Missä on tilaukseni 10023??", "where is my order", "iade etmek istiyorum",
             "де моє замовлення", "", "🙂 <script>alert(1)</script>"]
    model = TextClassifierModel().fit(texts[:4] * 2, ["a", "b", "c", "d"] * 2)
    expected = hstack([model.words.transform(texts), model.chars.transform(texts)]).toarray()
    assert abs(model._features(texts).toarray() - expected).max() < 1e-12


def test_sentence_embeddings_join_the_features_but_not_the_pickle():
    import pickle

    from bot.text.classifier_model import TextModelConfig

    texts = ["where is my order", "track my parcel", "order status please",
             "cancel my order", "i want to cancel", "stop the order from shipping"]
    labels = ["order_status"] * 3 + ["cancel_order"] * 3
    plain = TextClassifierModel().fit(texts, labels)
    model = TextClassifierModel(TextModelConfig(embedding_weight=1.0)).fit(texts, labels)
    assert model._features(["hello"]).shape[1] == plain._features(["hello"]).shape[1] + 384
    # A paraphrase that shares no word with the training examples.
    assert model.rank("has my package shipped yet")[0][0] == "order_status"
    stored = pickle.dumps(model)
    assert len(stored) < 2_000_000  # the encoder's 90 MB of weights are not in the model
    again = pickle.loads(stored)  # noqa: S301
    assert again.rank("has my package shipped yet") == model.rank("has my package shipped yet")


def test_messages_the_tfidf_model_is_sure_about_skip_the_embedding(monkeypatch):
    from bot.text.classifier_model import TextModelConfig

    texts = ["where is my order", "track my parcel", "order status please",
             "cancel my order", "i want to cancel", "stop the order from shipping",
             "hello", "hi there", "good morning"]
    labels = ["order_status"] * 3 + ["cancel_order"] * 3 + ["greet"] * 3
    always = TextClassifierModel(TextModelConfig(embedding_weight=1.0)).fit(texts, labels)
    shortcut = TextClassifierModel(
        TextModelConfig(embedding_weight=1.0, shortcut_confidence=0.95)).fit(texts, labels)
    embedded = []
    original = TextClassifierModel.embed
    monkeypatch.setattr(TextClassifierModel, "embed",
                        lambda self, batch: embedded.append(list(batch)) or original(self, batch))
    sure = shortcut.rank("where is my order")
    assert sure[0][0] == "order_status" and sure[0][1] >= 0.95
    assert embedded == []  # answered by the TF-IDF model alone
    unsure = shortcut.rank("has my package shipped yet")
    assert embedded == [["has my package shipped yet"]]
    full = always.rank("has my package shipped yet")  # the full model's answer
    assert [label for label, _ in unsure] == [label for label, _ in full]
    assert max(abs(a - b) for (_, a), (_, b) in zip(unsure, full)) < 1e-3


def test_lemma_features_let_an_unseen_inflection_find_its_intent():
    from bot.text.classifier_model import TextModelConfig

    # Ukrainian: training says "замовлення" (order) and "посилка" (parcel) in the nominative;
    # the shopper writes other cases, which share few character n-grams with them.
    texts = ["де моє замовлення", "статус замовлення", "посилка ще не прийшла",
             "хочу скасувати", "скасуйте будь ласка", "не треба більше"]
    labels = ["order_status"] * 3 + ["cancel_order"] * 3
    languages = ["uk"] * 6
    model = TextClassifierModel(TextModelConfig(lemma_languages=("uk",))).fit(
        texts, labels, languages=languages)
    lemma_columns = len(model.lemmas.vocabulary_)
    assert lemma_columns > 0
    features = model._tfidf(["що з посилкою"], ["uk"])
    plain = model._tfidf(["що з посилкою"], ["en"])  # not a lemma language: no lemma features
    assert features[:, -lemma_columns:].nnz > 0 and plain[:, -lemma_columns:].nnz == 0
    assert model.rank("що з посилкою", language="uk")[0][0] == "order_status"


def test_a_model_pickled_before_lemma_features_still_ranks():
    import pickle

    model = TextClassifierModel().fit(["where is my order", "cancel it"] * 2, ["a", "b"] * 2)
    del model.lemmas  # as in a model trained before the lemma features existed
    again = pickle.loads(pickle.dumps(model))  # noqa: S301
    assert again.rank("where is my parcel", language="en")[0][0] == "a"
