import pytest

from bot.text.language import choose_language, detect, requested_language


@pytest.mark.parametrize("text, language", [
    ("missa mun tilaus on", "fi"), ("siparisim nerde kaldi", "tr"),
    ("де моє замовлення", "uk"), ("pesanan saya dimana ya kak", "id"),
    ("hvor er pakken min", "nb"), ("where is my parcel", "en"),
])
def test_clear_messages_are_detected(text, language):
    assert detect(text).language == language


def test_numbers_alone_give_no_language():
    assert detect("10023?").ranking == []


@pytest.mark.parametrize("text, language", [
    ("in English please", "en"), ("voitko puhua suomeksi", "fi"), ("türkçe lütfen", "tr"),
    ("українською, будь ласка", "uk"), ("pakai bahasa indonesia aja", "id"),
    ("kan du svare på norsk", "nb"),
])
def test_explicit_requests_switch(text, language):
    assert requested_language(text) == language
    assert choose_language("en" if language != "en" else "fi", text, None) == language


def test_language_is_sticky_on_short_or_unsure_messages():
    fi = {"name": "fi", "confidence": 0.95}
    assert choose_language(None, "missa mun tilaus", fi) == "fi"
    assert choose_language("fi", "10023", None) == "fi"
    assert choose_language("fi", "ok", {"name": "en", "confidence": 0.9}) == "fi"
    assert choose_language("fi", "where is my order", {"name": "en", "confidence": 0.9}) == "en"
    assert choose_language("fi", "where is it", {"name": "en", "confidence": 0.5}) == "fi"


def test_reported_language_is_used_until_the_shopper_clearly_writes_another():
    assert choose_language(None, "10023", None, reported="tr") == "tr"
    assert choose_language(None, "hi", {"name": "en", "confidence": 0.4}, reported="tr") == "tr"
    assert choose_language(None, "x", None, reported="xx") is None


def ranking(**scores):
    best = max(scores, key=scores.get)
    return {"name": best, "confidence": scores[best],
            "ranking": [{"name": lang, "confidence": c} for lang, c in scores.items()]}


def test_a_message_plainly_not_in_the_conversations_language_switches():
    # "I want to talk to a human" after Turkish: English first at 0.70 only, Turkish nowhere.
    human = ranking(en=0.70, id=0.11, fi=0.09, tr=0.02)
    assert choose_language("tr", "I want to talk to a human", human) == "en"
    # ... but not when the conversation's language is a close second, nor on one word.
    assert choose_language("id", "I want to talk to a human", human) == "id"
    assert choose_language("tr", "human?", human) == "tr"
    # An email address is no word to go on.
    assert choose_language("id", "order: dewi88@gmail.com", ranking(en=0.64, id=0.05)) == "id"
    # Two words are names more than a language: a product, a street and a town.
    assert choose_language("fi", "rain jacket", ranking(en=0.71, nb=0.1, fi=0.1)) == "fi"
    assert choose_language("en", "Kauppakatu 3, 1234 Turku", ranking(fi=0.63, id=0.32)) == "en"
    # An answer to a free-text question (an address) switches only when sure.
    assert choose_language("fi", "Storgatan 5 B, 111 22 Stockholm", ranking(nb=0.7, fi=0.05),
                           free_text=True) == "fi"
