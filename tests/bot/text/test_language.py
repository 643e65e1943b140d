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
