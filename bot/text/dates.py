"""Dates in shoppers' messages, in all six languages: "28.11.2026", "2026-11-28", "28/11",
"yesterday", "eilen", "dün", "вчора", "kemarin", "i går"... as ISO dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import List, Optional

_RELATIVE = {
    -1: r"yesterday|eilen|d[uü]n|вчора|vchora|kemarin|i ?g[aå]r",
    0: r"today|t[aä]n[aä][aä]n|bug[uü]n|сьогодні|sogodni|s'ogodni|hari ini|i ?dag",
    1: r"tomorrow|huomenna|yar[iı]n|завтра|zavtra|besok|i ?morgen",
}
_NUMERIC = re.compile(
    r"(?<![\d.])(?:(?P<iso>(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))|"
    r"(?P<d>\d{1,2})[./](?P<m>\d{1,2})(?:[./](?P<y>\d{4}|\d{2}))?\.?)(?![\d])")


@dataclass(frozen=True)
class FoundDate:
    start: int
    end: int
    text: str
    value: date


def find_dates(text: str, today: Optional[date] = None) -> List[FoundDate]:
    """Every date mentioned in the text, in order."""
    today = today or date.today()
    found: List[FoundDate] = []
    for match in _NUMERIC.finditer(text or ""):
        try:
            if match.group("iso"):
                value = date(int(match.group("iy")), int(match.group("im")), int(match.group("id")))
            else:
                year = match.group("y")
                year_value = today.year if not year else int(year) + (2000 if len(year) == 2 else 0)
                value = date(year_value, int(match.group("m")), int(match.group("d")))
        except ValueError:
            continue  # 31.02. is not a date; 10.5 may be a price
        if not match.group("iso") and not match.group("y") and "/" not in match.group(0) \
                and not match.group(0).endswith("."):
            continue  # "10.5" is a price; "10.5." and "10/5" are dates
        found.append(FoundDate(match.start(), match.end(), match.group(0).rstrip("."), value))
    lowered = (text or "").lower()
    for offset, pattern in _RELATIVE.items():
        for match in re.finditer(rf"(?<!\w)(?:{pattern})(?!\w)", lowered):
            found.append(FoundDate(match.start(), match.end(), text[match.start():match.end()],
                                   today + timedelta(days=offset)))
    return sorted(found, key=lambda item: item.start)
