"""Add a training example without hand-editing YAML; the file keeps its layout and comments.

    python -m bot.trainer.add_example --label order_status --language fi "missä paketti"
    python -m bot.trainer.add_example --label faq/gift_cards --language en "gift card validity?"
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import List, Optional

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.settings import PROJECT_ROOT
from bot.trainer.data import plain_text, read_examples


class ExampleError(ValueError):
    """The example cannot be added; the message says why."""


def _files_for(nlu_dir: Path, language: str) -> List[Path]:
    folder = nlu_dir if language == DEFAULT_LANGUAGE else nlu_dir / language
    return sorted(folder.glob("*.yml"))


def add_example(nlu_dir: Path, label: str, language: str, text: str) -> Path:
    """Insert ``text`` as the last example of ``label`` in ``language``; return the file."""
    text = " ".join((text or "").split())
    if not text:
        raise ExampleError("the example is empty")
    if len(text) > 500:
        raise ExampleError("the example is longer than 500 characters")
    if language not in LANGUAGES:
        raise ExampleError(f"unknown language {language!r} (one of {', '.join(LANGUAGES)})")
    if not re.fullmatch(r"[a-z_]+(/[a-z_]+)?", label):
        raise ExampleError(f"{label!r} is not an intent or faq/<key> name")
    wanted = " ".join(plain_text(text).lower().split())
    for existing in read_examples(nlu_dir):
        if " ".join(existing.text.lower().split()) == wanted:
            raise ExampleError(f"already there as {existing.label} ({existing.path}:"
                               f"{existing.line})")
    for path in _files_for(nlu_dir, language):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        start = next((i for i, line in enumerate(lines)
                      if re.match(rf"^- intent: *{re.escape(label)}\s*$", line)), None)
        if start is None:
            continue
        last = None
        for i in range(start + 1, len(lines)):
            if lines[i].startswith("- "):
                break
            if lines[i].strip().startswith("- "):
                last = i
        if last is None:
            continue
        indent = lines[last][: len(lines[last]) - len(lines[last].lstrip())]
        if not lines[last].endswith("\n"):
            lines[last] += "\n"
        lines.insert(last + 1, f"{indent}- {text}\n")
        path.write_text("".join(lines), encoding="utf-8")
        return path
    return _new_block(nlu_dir, label, language, text)


def _new_block(nlu_dir: Path, label: str, language: str, text: str) -> Path:
    folder = nlu_dir if language == DEFAULT_LANGUAGE else nlu_dir / language
    folder.mkdir(parents=True, exist_ok=True)
    name = "faq.yml" if label.startswith("faq/") else (
        "intents.yml" if language != DEFAULT_LANGUAGE else "added.yml")
    path = folder / name
    if not path.exists():
        path.write_text('version: "3.1"\n\nnlu:\n', encoding="utf-8")
    content = path.read_text(encoding="utf-8")
    if not content.endswith("\n"):
        content += "\n"
    block = f"\n- intent: {label}\n"
    if language != DEFAULT_LANGUAGE:
        block += f"  metadata:\n    language: {language}\n"
    block += f"  examples: |\n    - {text}\n"
    path.write_text(content + block, encoding="utf-8")
    return path


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--label", required=True, help="intent or faq/<key>")
    parser.add_argument("--language", default=DEFAULT_LANGUAGE, choices=LANGUAGES)
    parser.add_argument("text")
    args = parser.parse_args(argv)
    try:
        path = add_example(PROJECT_ROOT / "data" / "nlu", args.label, args.language, args.text)
    except ExampleError as error:
        print(f"not added: {error}", file=sys.stderr)
        return 1
    print(f"added to {path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
