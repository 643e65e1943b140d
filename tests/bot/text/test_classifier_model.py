import numpy as np

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
    assert again.rank("has my package shipped yet")[0][0] == "order_status"
    assert np.allclose([c for _, c in again.rank("has my package shipped yet")],
                       [c for _, c in model.rank("has my package shipped yet")], atol=1e-5)


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


def _examples(per_label: int = 6):
    intents = {"order_status": ["where is my order", "track parcel", "package not here"],
               "cancel_order": ["cancel my order", "stop the order", "dont send it"],
               "greet": ["hello", "hi there", "good morning"],
               "thank": ["thanks", "thank you so much", "cheers"],
               "faq/return_policy": ["return policy", "how do returns work", "days to return"]}
    texts, labels = [], []
    for label, phrases in intents.items():
        for index in range(per_label if label != "greet" else 2 * per_label):
            texts.append(f"{phrases[index % 3]} {'please' if index > 2 else ''}".strip()
                         + f" {index}")
            labels.append(label)
    return texts, labels


def test_classes_learnt_in_groups_side_by_side_give_one_fits_svm():
    """The one-vs-rest problems split over two threads are those of a single fit: the same
    classes in the same order, the same scores (up to the solver's tolerance), and the
    balanced class weights of the whole label set (greet has twice the examples)."""
    from bot.text.classifier_model import fit_one_vs_rest, linear_svc

    texts, labels = _examples()
    vocabulary = TextClassifierModel().fit(texts, labels)
    features = vocabulary._tfidf(texts)
    single = linear_svc(0.5).fit(features, labels)
    grouped = fit_one_vs_rest(features, labels, 0.5, workers=2)
    assert list(grouped.classes_) == list(single.classes_)
    queries = vocabulary._tfidf(["where is my parcel", "hi"])
    assert np.abs(grouped.decision_function(features)
                  - single.decision_function(features)).max() < 1e-3
    assert list(grouped.predict(queries)) == list(single.predict(queries))


def test_two_or_three_labels_are_fitted_in_one_go():
    from bot.text.classifier_model import fit_one_vs_rest

    texts, labels = _examples()
    chosen = [i for i, label in enumerate(labels) if label in ("greet", "thank")]
    features = TextClassifierModel().fit(texts, labels)._tfidf([texts[i] for i in chosen])
    model = fit_one_vs_rest(features, [labels[i] for i in chosen], 0.5, workers=2)
    assert list(model.classes_) == ["greet", "thank"] and model.coef_.shape[0] == 1


def test_a_stored_model_is_compressed_and_ranks_as_before(tmp_path):
    """What the Rasa components store: compressed, with the SVM weights in single precision,
    the same ranking once loaded; a model stored as a plain pickle (older models) loads too."""
    import pickle

    from bot.text.classifier_model import TextModelConfig, model_bytes, model_from_bytes

    texts, labels = _examples()
    model = TextClassifierModel(TextModelConfig(shortcut_confidence=0.9,
                                                embedding_weight=1.0)).fit(texts, labels)
    stored = model_bytes(model)
    assert len(stored) < len(pickle.dumps(model)) / 2
    assert model.classifier.coef_.dtype == np.float64  # storing leaves the model as it was
    for loaded in (model_from_bytes(stored), model_from_bytes(pickle.dumps(model))):
        assert loaded.classifier.coef_.dtype == np.float64
        for text in ("wher is my parcel", "thx", "can i send it back"):
            before, after = model.rank(text, top=3), loaded.rank(text, top=3)
            assert [label for label, _ in after] == [label for label, _ in before]
            assert np.allclose([c for _, c in after], [c for _, c in before], atol=1e-5)
