"""``python -m bot.privacy``: purge what is past its retention, or erase one shopper's data.

    python -m bot.privacy purge
    python -m bot.privacy erase --sender 7f3c2a...          (a conversation id)
    python -m bot.privacy erase --email anna@example.com
    python -m bot.privacy erase --customer C-1001
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import List, Optional

from bot.handoff import build_handoff_queue
from bot.privacy.base import Shopper
from bot.privacy.records import Report, build_shopper_records, purge_expired
from bot.settings import SettingsError, load_settings


def _print(report: Report, erased: bool) -> None:
    if erased:
        print(f"conversations found: {report.conversations}")
    for kind, count in sorted(report.removed.items()):
        print(f"{kind}: {count} removed")
    for store in report.failed:
        print(f"FAILED: {store} (see the log; run again)", file=sys.stderr)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.privacy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("purge", help="remove what is older than the retention settings")
    erase = commands.add_parser("erase", help="remove one shopper's data from every store")
    who = erase.add_mutually_exclusive_group(required=True)
    who.add_argument("--sender", help="the conversation id (the channel's sender id)")
    who.add_argument("--email", help="every conversation that gave this email address")
    who.add_argument("--customer", help="every conversation of this shop customer id")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        shopper = Shopper(args.sender, args.email, args.customer) \
            if args.command == "erase" else None
    except (SettingsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    queue = build_handoff_queue(settings)
    try:
        records = build_shopper_records(settings, queue)
        report = records.erase(shopper) if shopper else purge_expired(records, settings)
    finally:
        queue.close()
    _print(report, erased=shopper is not None)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
