"""Canned responses for agents: templates per language with placeholders, kept in YAML."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping

import yaml

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES

PLACEHOLDERS = {"first_name", "agent_name", "order_id", "tracking_url", "shop_phone", "shop_email"}


@dataclass(frozen=True)
class CannedResponse:
    key: str
    title: str
    text: str
    language: str

    def render(self, values: Mapping[str, str]) -> str:
        """The text with placeholders filled; unknown ones become empty, never an error."""
        filled = string.Formatter().vformat(self.text, (), _Blank(values))
        text = re.sub(r"\s+([,.!?])", r"\1", " ".join(filled.split()))
        return re.sub(r",([,.!?])", r"\1", text)  # "Hi {first_name}!" without a name


class _Blank(dict):
    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__({k: v for k, v in values.items() if v})

    def __missing__(self, key: str) -> str:
        return ""


def load_canned(directory: Path) -> Dict[str, List[CannedResponse]]:
    """``{language: [CannedResponse, ...]}`` from ``<directory>/<language>.yml``."""
    catalog: Dict[str, List[CannedResponse]] = {}
    for language in LANGUAGES:
        path = Path(directory) / f"{language}.yml"
        if not path.exists():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        catalog[language] = [CannedResponse(str(item["key"]), str(item["title"]),
                                            str(item["text"]), language)
                             for item in data.get("canned") or []]
    return catalog


def canned_problems(catalog: Dict[str, List[CannedResponse]]) -> List[str]:
    """Languages or keys missing, unknown placeholders."""
    found = []
    english = {item.key for item in catalog.get(DEFAULT_LANGUAGE, [])}
    for language in LANGUAGES:
        keys = {item.key for item in catalog.get(language, [])}
        for missing in sorted(english - keys):
            found.append(f"data/canned/{language}.yml: {missing} is missing")
        for item in catalog.get(language, []):
            unknown = set(re.findall(r"\{(\w+)\}", item.text)) - PLACEHOLDERS
            if unknown:
                found.append(f"data/canned/{language}.yml: {item.key} uses {sorted(unknown)}")
    return found


def search(items: List[CannedResponse], query: str) -> List[CannedResponse]:
    """Items whose title, key or text contain every word of the query."""
    words = query.lower().split()
    return [item for item in items
            if all(w in f"{item.key} {item.title} {item.text}".lower() for w in words)]
