"""The start-up banner's line about the shop, and the same check on the command line."""

from dataclasses import replace

from bot.settings import ShopSettings, load_settings
from bot.tools.run import shop_status
from tests.fakes.shop_api import FakeShopApi, second_shop


def http(url, token):
    return replace(load_settings(env={}),
                   shop=ShopSettings(backend="http", url=url, token=token, timeout_seconds=2))


def test_the_banner_says_whether_the_shop_answers(tmp_path):
    with FakeShopApi(second_shop(), token="t0k") as api:
        assert shop_status(http(api.url, "t0k")) == \
            f"{api.url} answers: contract 1.1, token accepted, 4 products"
        assert shop_status(http(api.url, "wrong")).startswith(
            f"PROBLEM: {api.url} refused the token (401): check SHOP_API_TOKEN")
    embedded = load_settings(env={"SHOP_ASSISTANT_VAR": str(tmp_path)},
                             endpoints_file=tmp_path / "none.yml")
    assert shop_status(embedded) == (f"embedded demo shop {tmp_path / 'shop.db'}: 0 products"
                                     " (your shop's API: docs/your-shop.md)")


def test_checks_shop_on_the_command_line(tmp_path, monkeypatch, capsys):
    import yaml

    from bot.tools.checks import main

    with FakeShopApi(second_shop(), token="t0k") as api:
        endpoints = tmp_path / "endpoints.yml"
        endpoints.write_text(yaml.safe_dump({"shop": {"type": "http", "url": api.url}}))
        monkeypatch.setenv("ENDPOINTS_FILE", str(endpoints))
        monkeypatch.setenv("SHOP_API_TOKEN", "t0k")
        assert main(["--shop"]) == 0
        monkeypatch.setenv("SHOP_API_TOKEN", "stale")
        assert main(["--shop"]) == 1
    out = capsys.readouterr().out
    assert "ok: " in out and "problem: " in out and "refused the token (401)" in out


def test_the_widget_tag_carries_the_profiles_brand():
    from bot.settings import ShopProfile
    from bot.tools.widget_tag import widget_tag

    settings = replace(load_settings(env={}), profile=ShopProfile(
        name='Harbor & "Pine"', phone="+46 8 555 010 20", email="hello@tallgrass.example"))
    tag = widget_tag(settings, "https://assistant.example/", "https://rasa.example", "nb")
    assert 'src="https://assistant.example/static/widget.js"' in tag
    assert 'data-shop-name="Harbor &amp; &quot;Pine&quot;"' in tag
    assert 'data-phone="+46 8 555 010 20"' in tag and 'data-language="nb"' in tag
