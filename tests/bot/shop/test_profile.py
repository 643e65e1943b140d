"""The shop profile: one place in the settings for the brand and the shop's formats."""

import pytest

from bot.settings import SettingsError, ShopProfile, load_settings
from bot.shop import build_order_service, current_order_number_format, use_order_number_format
from tests.fakes.shop_api import SECOND_SHOP_PROFILE


def settings_with(tmp_path, content, env=None):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(content)
    return load_settings(env={"SHOP_ASSISTANT_VAR": str(tmp_path), **(env or {})},
                         endpoints_file=endpoints)


def test_the_demo_profile_is_the_default(tmp_path):
    settings = settings_with(tmp_path, "")
    assert settings.profile == ShopProfile()
    assert (settings.shop_name, settings.return_window_days) == ("Northwind Outfitters", 30)
    assert settings.profile.order_number_pattern == r"\d{5,6}"


def test_another_shops_profile(tmp_path):
    import yaml

    settings = settings_with(tmp_path, yaml.safe_dump({"shop_profile": SECOND_SHOP_PROFILE}))
    profile = settings.profile
    assert (profile.name, profile.currency, profile.carriers) == \
        ("Tallgrass Supply Co.", "SEK", ("PostNord", "Budbee"))
    assert (settings.shop_phone, settings.shop_email, settings.return_window_days) == \
        ("+46 8 555 010 20", "hello@tallgrass.example", 14)
    assert settings_with(tmp_path, "", {"RETURN_WINDOW_DAYS": "60"}).return_window_days == 60


def test_the_order_service_makes_the_shops_format_the_process_one(tmp_path):
    before = current_order_number_format()
    settings = settings_with(tmp_path, "shop_profile:\n  order_number_pattern: '\\d{7}'\n"
                                       "  order_number_example: '4410078'\n")
    try:
        build_order_service(settings)
        assert current_order_number_format().normalise("#4410078") == "4410078"
    finally:
        use_order_number_format(before)


@pytest.mark.parametrize("content, key", [
    ("shop_profile: [1]\n", "shop_profile"),
    ("shop_profile:\n  brand: x\n", "shop_profile.brand"),
    ("shop_profile:\n  currency: euro\n", "shop_profile.currency"),
    ("shop_profile:\n  name: ''\n", "shop_profile.name"),
    ("shop_profile:\n  return_window_days: -1\n", "shop_profile.return_window_days"),
    ("shop_profile:\n  carriers: Posti\n", "shop_profile.carriers"),
    ("shop_profile:\n  order_number_pattern: '\\d{5'\n", "shop_profile.order_number_pattern"),
    ("shop_profile:\n  order_number_pattern: '\\d*'\n", "shop_profile.order_number_pattern"),
    ("shop_profile:\n  order_number_pattern: '\\d{7}'\n", "shop_profile.order_number_example"),
    ("shop:\n  catalogue_refresh_minutes: 0\n", "shop.catalogue_refresh_minutes"),
])
def test_a_malformed_profile_names_the_key(tmp_path, content, key):
    with pytest.raises(SettingsError, match=key.replace(".", r"\.")):
        settings_with(tmp_path, content)
