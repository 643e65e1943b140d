from datetime import date

from bot.i18n import LANGUAGES, country_name, format_date, format_money, status_name
from bot.i18n.responses import load_catalog, problems, render_responses
from bot.settings import PROJECT_ROOT
from bot.tools.domain_export import generated_files

CATALOG_DIR = PROJECT_ROOT / "data" / "responses"


def test_every_response_exists_in_every_language():
    assert problems(load_catalog(CATALOG_DIR)) == []


def test_generated_domain_files_are_up_to_date():
    for path, text in generated_files(PROJECT_ROOT).items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run `make domain`"


def test_missing_translation_placeholder_or_payload_is_reported():
    catalog = {
        "en": {"utter_x": [{"text": "Order {order_id}", "buttons": [
            {"title": "Yes", "payload": "/affirm"}]}]},
        "fi": {"utter_x": [{"text": "Tilaus", "buttons": [{"title": "Kyllä",
                                                           "payload": "/deny"}]}]},
    }
    found = "\n".join(problems(catalog))
    assert "placeholders" in found and "payloads" in found and "tr.yml is missing" in found


def test_english_is_the_default_and_other_languages_are_conditions():
    rendered = render_responses({"en": {"utter_hi": [{"text": "Hi"}]},
                                 "fi": {"utter_hi": [{"text": "Hei"}]}})
    assert rendered["utter_hi"][-1] == {"text": "Hi"}
    assert rendered["utter_hi"][0]["condition"] == [
        {"type": "slot", "name": "language", "value": "fi"}]


def test_dates_prices_and_states_read_naturally_per_language():
    day = date(2026, 11, 28)
    assert format_date(day, "en") == "28 Nov 2026"
    assert format_date(day, "fi") == "28.11.2026"
    assert format_date(day, "id") == "28/11/2026"
    assert format_money(1299.5, "EUR", "en") == "1,299.50 EUR"
    assert format_money(1299.5, "EUR", "fi") == "1\u00a0299,50\u00a0€"
    assert format_money(129, "EUR", "id") == "€129,00"
    assert status_name("shipped", "tr") == "kargoya verildi"
    assert status_name("shipped", "xx") == "shipped"
    assert all(status_name("paid", lang) for lang in LANGUAGES)


def test_button_payloads_reach_the_shopper_as_written_without_interpolation_errors(monkeypatch):
    from rasa.core.nlg import interpolator
    from rasa.core.nlg.interpolator import interpolate

    errors = []

    class Recorder:
        def exception(self, event, **details):
            errors.append(event)

    monkeypatch.setattr(interpolator, "structlogger", Recorder())

    rendered = render_responses({"en": {"utter_ask_csat": [{
        "text": "How did we do, {name}?",
        "buttons": [{"title": "5", "payload": '/csat{"rating":"5"}'}, {"title": "No thanks",
                                                                      "payload": "/deny"}]}]}})
    variation = rendered["utter_ask_csat"][-1]
    filled = interpolate(variation, {"name": "Anna"})
    assert filled["text"] == "How did we do, Anna?"
    assert [b["payload"] for b in filled["buttons"]] == ['/csat{"rating":"5"}', "/deny"]
    assert errors == []
    interpolate({"payload": '/csat{"rating":"5"}'}, {})  # as written before: an error
    assert errors == ["interpolator.interpolate.text"]


def test_countries_are_named_in_the_conversations_language():
    assert [country_name("FI", language) for language in ("en", "fi", "nb", "tr")] == \
        ["Finland", "Suomi", "Finland", "Finlandiya"]
    assert country_name("UA", "uk") == "Україна"
    assert country_name("XX", "en") == "XX"  # unknown: the code itself
    assert country_name("NO", "klingon") == "Norway"  # unknown language: English
