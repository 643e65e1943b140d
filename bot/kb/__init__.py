"""The knowledge base: entries in data/kb/, search over them, export to the domain."""

from bot.kb.coverage import AnswerCoverage
from bot.kb.search import Hit, KnowledgeBaseSearch
from bot.kb.store import (
    Button,
    Entry,
    KnowledgeBaseError,
    Link,
    load_entries,
    load_faq_examples,
    with_examples,
)

__all__ = [
    "AnswerCoverage", "Button", "Entry", "Hit", "KnowledgeBaseError", "KnowledgeBaseSearch", "Link",
    "load_entries", "load_faq_examples", "with_examples",
]
