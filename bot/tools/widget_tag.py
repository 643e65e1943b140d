"""Print the chat widget's tag for the shop's pages, with the brand of ``shop_profile``.

    .venv/bin/python -m bot.tools.widget_tag --assistant https://assistant.shop.example \\
        --server https://rasa.shop.example --language fi

The widget reads the shop's name, phone and email from its ``data-`` attributes
(docs/widget.md); this fills them from the same settings the bot's texts use, so that the
header and the bot name the same shop.
"""

from __future__ import annotations

import argparse
import sys
from html import escape
from typing import List, Optional

from bot.i18n import LANGUAGES
from bot.settings import Settings, load_settings


def widget_tag(settings: Settings, assistant: str, server: str,
               language: Optional[str] = None) -> str:
    """The ``<script>`` tag that embeds the widget, with the profile's brand."""
    profile = settings.profile
    attributes = [("src", f"{assistant.rstrip('/')}/static/widget.js"),
                  ("data-server", server.rstrip("/"))]
    if language:
        attributes.append(("data-language", language))
    attributes += [("data-shop-name", profile.name), ("data-phone", profile.phone),
                   ("data-email", profile.email)]
    lines = [f'{name}="{escape(value, quote=True)}"' for name, value in attributes]
    return "<script " + "\n        ".join(lines) + "></script>"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assistant", default="http://localhost:5080",
                        help="where the console serves /static/widget.js")
    parser.add_argument("--server", default="http://localhost:5005", help="the Rasa server")
    parser.add_argument("--language", choices=LANGUAGES,
                        help="the page's language (default: the page's <html lang>)")
    args = parser.parse_args(argv)
    print(widget_tag(load_settings(), args.assistant, args.server, args.language))
    return 0


if __name__ == "__main__":
    sys.exit(main())
