"""The shop's profile in the bot's texts: no message names the demo shop; the values are the
settings', in each language."""

from datetime import time

from bot.i18n import LANGUAGES, format_opening_hours, join_list
from bot.i18n.placeholders import PROFILE_PLACEHOLDERS, profile_values
from bot.i18n.responses import load_catalog
from bot.settings import PROJECT_ROOT, load_settings

DEMO_WORDS = ("Northwind", "4242", "northwind.example", "10023", "5 or 6 digits")


def test_no_bot_message_names_the_demo_shop_or_its_formats():
    catalog = load_catalog(PROJECT_ROOT / "data" / "responses")
    for language, responses in catalog.items():
        for name, variations in responses.items():
            for variation in variations:
                for word in DEMO_WORDS:
                    assert word not in str(variation.get("text")), (language, name, word)


def test_every_profile_placeholder_has_a_value_in_every_language():
    settings = load_settings(env={})
    for language in LANGUAGES:
        values = profile_values(settings, language)
        assert set(values) == PROFILE_PLACEHOLDERS and all(values.values())
    assert profile_values(settings, "tr")["carriers"] == "Posti, PostNord ve DHL"


def test_lists_and_opening_hours_read_naturally():
    assert join_list(["outerwear"], "en") == "outerwear"
    assert join_list(["outerwear", "home", "lights"], "nb") == "outerwear, home og lights"
    hours = [(time(9), time(17))] * 5 + [(time(10), time(14)), None]
    assert format_opening_hours(hours, "en") == "Mon–Fri 09:00–17:00, Sat 10:00–14:00"
    assert format_opening_hours(hours, "fi") == "ma–pe 09:00–17:00, la 10:00–14:00"
    assert format_opening_hours([None] * 7, "uk") == "-"
