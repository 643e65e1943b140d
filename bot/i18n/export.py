"""Build the generated domain files: ``domain/responses.yml`` (bot messages in every language)
and ``domain/faq.yml`` (knowledge-base answers in every language).

``python -m bot.i18n.export`` rewrites what changed; ``--check`` exits 1 when a file is stale
or a language is incomplete (``make validate`` and the tests run it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from bot.handoff.canned import canned_problems, load_canned
from bot.i18n.responses import load_catalog, problems, render_domain
from bot.kb.export import render_domain as render_faq_domain
from bot.kb.store import kb_problems, load_entries
from bot.settings import load_settings


def generated_files(root: Path) -> dict:
    """``{path: text}`` of every generated domain file."""
    settings = load_settings()
    return {
        root / "domain" / "responses.yml": render_domain(load_catalog(root / "data" / "responses")),
        root / "domain" / "faq.yml": render_faq_domain(load_entries(settings.kb_dir)),
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if anything is stale")
    args = parser.parse_args(argv)
    settings = load_settings()
    root = Path(settings.project_root)
    issues = problems(load_catalog(root / "data" / "responses"))
    issues += kb_problems(load_entries(settings.kb_dir))
    issues += canned_problems(load_canned(settings.canned_dir))
    stale = []
    for path, text in generated_files(root).items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current == text:
            continue
        if args.check:
            stale.append(f"{path.relative_to(root)} is out of date: run `make domain`")
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(root)}")
    for issue in issues + stale:
        print(issue, file=sys.stderr)
    return 1 if (args.check and (issues or stale)) else 0


if __name__ == "__main__":
    sys.exit(main())
