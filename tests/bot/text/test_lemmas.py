"""Lemmas per language: inflected forms of a shop word meet in one lemma."""

import pytest

from bot.text.lemmas import LANGUAGES, Lemmatiser


@pytest.fixture(scope="module")
def lemmatiser() -> Lemmatiser:
    return Lemmatiser()


@pytest.mark.parametrize("language, text, lemma", [
    ("en", "I returned the shoes", "return"),
    ("en", "refunds for orders", "refund"),
    ("tr", "siparişlerimi görmek istiyorum", "siparis"),
    ("id", "saya ingin mengembalikan barang", "kembali"),
    ("nb", "bestillingene mine", "min"),
    ("uk", "де мої замовлення", "замовлення"),
    ("uk", "повернути посилками", "посилка"),
])
def test_inflected_words_get_their_lemma(lemmatiser, language, text, lemma):
    assert lemma in lemmatiser.lemmas(text, language)


def test_finnish_is_tokenised_without_a_lemma_table(lemmatiser):
    assert lemmatiser.lemmas("Missä tilaukseni on?", "fi") == ["missa", "tilaukseni", "on"]


def test_unknown_languages_and_empty_text_give_no_lemmas(lemmatiser):
    assert lemmatiser.lemmas("where is my order", "xx") == []
    assert lemmatiser.lemmas("", "en") == []
    assert lemmatiser.lemmas("?!", "uk") == []
    assert set(LANGUAGES) == {"en", "fi", "tr", "uk", "id", "nb"}
