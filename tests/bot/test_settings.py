import pytest

from bot.settings import SettingsError, load_settings


def test_defaults_work_without_any_configuration(tmp_path):
    settings = load_settings(env={"SHOP_ASSISTANT_VAR": str(tmp_path)},
                             endpoints_file=tmp_path / "missing.yml")
    assert settings.shop.backend == "sqlite"
    assert settings.shop.sqlite_path == tmp_path / "shop.db"
    assert settings.handoff_db_path == tmp_path / "handoff.db"


def test_shop_section_of_endpoints_is_read(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("shop:\n  type: http\n  url: https://shop.example/api\n")
    settings = load_settings(env={"SHOP_API_TOKEN": "t0k"}, endpoints_file=endpoints)
    assert (settings.shop.backend, settings.shop.url, settings.shop.token) == \
        ("http", "https://shop.example/api", "t0k")


@pytest.mark.parametrize("env, content, key", [
    ({"FAQ_CONFIDENCE_THRESHOLD": "high"}, "", "FAQ_CONFIDENCE_THRESHOLD"),
    ({"FAQ_CONFIDENCE_THRESHOLD": "1.5"}, "", "FAQ_CONFIDENCE_THRESHOLD"),
    ({"COMPLAINT_TICKET_CONFIDENCE": "-0.1"}, "", "COMPLAINT_TICKET_CONFIDENCE"),
    ({"MAX_VERIFICATION_ATTEMPTS": "three"}, "", "MAX_VERIFICATION_ATTEMPTS"),
    ({}, "shop:\n  type: ftp\n", "shop.type"),
    ({}, "shop:\n  type: http\n", "shop.url"),
    ({}, "shop: [1, 2]\n", "shop"),
])
def test_malformed_values_name_the_key(tmp_path, env, content, key):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(content)
    with pytest.raises(SettingsError, match=key.replace(".", r"\.")):
        load_settings(env=env, endpoints_file=endpoints)
