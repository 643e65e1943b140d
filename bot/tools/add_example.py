"""Add a training example without hand-editing YAML; the file keeps its layout and comments.

    .venv/bin/python -m bot.tools.add_example --label order_status --language fi "missä paketti"
    TEXT='is the [rain jacket](product) in stock' .venv/bin/python -m bot.tools.add_example \\
        --label product_info

The text is the argument or, without one, the ``TEXT`` environment variable (what ``make
example`` passes, so that entity markup never goes through the shell's quoting). An example whose
entity markup Rasa would refuse is not added.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Mapping, Optional

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.settings import PROJECT_ROOT, load_settings
from bot.text.nlu_data import ExampleError, add_example


def main(argv: Optional[List[str]] = None, env: Optional[Mapping[str, str]] = None) -> int:
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--label", required=True, help="intent or faq/<key>")
    parser.add_argument("--language", default=DEFAULT_LANGUAGE, choices=LANGUAGES)
    parser.add_argument("text", nargs="?", help="the example (default: $TEXT)")
    args = parser.parse_args(argv)
    text = args.text if args.text is not None else env.get("TEXT", "")
    if not text.strip():
        print("not added: no example given (TEXT='...' or an argument)", file=sys.stderr)
        return 2
    nlu_dir = load_settings(env).nlu_dir
    try:
        path = add_example(nlu_dir, args.label, args.language, text)
    except ExampleError as error:
        print(f"not added: {error}", file=sys.stderr)
        return 1
    try:
        shown = path.relative_to(PROJECT_ROOT)
    except ValueError:
        shown = path
    print(f"added to {shown}: {' '.join(text.split())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
