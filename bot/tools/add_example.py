"""Add a training example without hand-editing YAML; the file keeps its layout and comments.

    python -m bot.tools.add_example --label order_status --language fi "missä paketti"
    python -m bot.tools.add_example --label faq/gift_cards --language en "gift card validity?"
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.settings import PROJECT_ROOT
from bot.text.nlu_data import ExampleError, add_example


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
