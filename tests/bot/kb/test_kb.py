import pytest

from bot.kb import KnowledgeBaseError, KnowledgeBaseSearch, load_entries
from bot.kb.store import kb_problems
from bot.settings import PROJECT_ROOT
from bot.tools.domain_export import render_faq

REQUIRED_KEYS = {
    "how_to_order", "return_policy", "shipping_options", "delivery_time",
    "international_shipping", "payment_methods", "cancellation_fee", "password_reset",
    "create_account", "edit_account", "delete_account", "invoice", "newsletter", "contact_info",
    "warranty", "gift_cards", "discount_codes", "size_guide", "privacy",
}


def test_every_required_topic_has_an_entry_and_training_examples(kb_entries):
    keys = {entry.key for entry in kb_entries}
    assert REQUIRED_KEYS <= keys
    for entry in kb_entries:
        assert len(entry.examples) >= 20, entry.key


def test_domain_answers_are_generated_from_the_kb(kb_entries):
    generated = (PROJECT_ROOT / "data" / "generated" / "faq.yml").read_text(encoding="utf-8")
    assert generated == render_faq(load_entries(PROJECT_ROOT / "data" / "kb")), \
        "data/generated/faq.yml is stale: run `make domain`"


def test_every_entry_has_every_language(kb_entries):
    assert kb_problems(kb_entries) == []


def test_plain_strings_are_english_and_other_languages_are_variations(tmp_path):
    (tmp_path / "gift_cards.yml").write_text(
        "key: gift_cards\ntitle: {en: Gift cards, fi: Lahjakortit}\nanswer: Valid two years.\n")
    entry = load_entries(tmp_path)[0]
    assert entry.title_in("fi") == "Lahjakortit" and entry.title_in("tr") == "Gift cards"
    assert entry.languages() == ["en"]  # fi lacks an answer: no Finnish variation
    assert "value: fi" not in render_faq([entry])


def test_malformed_entries_are_named(tmp_path):
    (tmp_path / "broken.yml").write_text("key: other\ntitle: T\nanswer: A\n")
    with pytest.raises(KnowledgeBaseError, match="broken.yml"):
        load_entries(tmp_path)
    (tmp_path / "broken.yml").write_text(
        "key: broken\ntitle: T\nanswer: A\nbuttons:\n  - title: x\n    payload: /restart\n")
    with pytest.raises(KnowledgeBaseError, match="payload"):
        load_entries(tmp_path)


@pytest.mark.parametrize("question, key", [
    ("how much does shipping cost", "shipping_options"),
    ("can i pay with klarna", "payment_methods"),
    ("forgot my pasword", "password_reset"),
    ("do you ship to germany? customs?", "international_shipping"),
    ("what size boots should i take", "size_guide"),
])
def test_search_finds_the_topic_in_the_top_three(kb_entries, question, key):
    hits = KnowledgeBaseSearch(kb_entries).search(question, top=3)
    assert key in [hit.entry.key for hit in hits]


def test_search_of_nothing_finds_nothing(kb_entries):
    search = KnowledgeBaseSearch(kb_entries)
    assert search.search("") == []
    assert search.search("zzzzqqqq xxxyyy", min_score=0.3) == []
