"""Understand a requested change to an order line: "size L instead of M", "make it 2"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from bot.shop.models import Order

_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_SIZE = re.compile(r"\b(xxs|xs|s|m|l|xl|xxl|3[6-9]|4[0-7])\b", re.IGNORECASE)
_QUANTITY = re.compile(
    r"\b(?:qty|quantity|make it|instead|to|x)?\s*(\d{1,2}|one|two|three|four|five|six)\s*"
    r"(?:pcs|pieces|pairs|items|of them|x)?\b", re.IGNORECASE,
)


@dataclass(frozen=True)
class LineChange:
    """The line to change and its new size and/or quantity."""

    sku: str
    product_name: str
    size: Optional[str]
    quantity: Optional[int]


def parse_line_change(text: str, order: Order) -> Optional[LineChange]:
    """Find which line the shopper means and what should change; None if unclear."""
    if not text or not order.lines:
        return None
    lowered = text.lower()
    line = next((item for item in order.lines if any(
        word in lowered for word in item.product_name.lower().split() if len(word) > 3)),
        order.lines[0] if len(order.lines) == 1 else None)
    if line is None:
        return None
    sizes = [m.group(1).upper() for m in _SIZE.finditer(text)]
    new_size = next((size for size in reversed(sizes) if size != line.size.upper()), None)
    if "instead of" in lowered:  # "L instead of M": the size named first is the new one
        before = lowered.split("instead of")[0]
        first = [m.group(1).upper() for m in _SIZE.finditer(before)]
        new_size = first[-1] if first else new_size
    quantity = None
    if re.search(r"\b(qty|quantity|pcs|pieces|pairs|make it|copies|items)\b", lowered) or \
            not sizes:
        for match in _QUANTITY.finditer(lowered):
            token = match.group(1)
            value = _WORD_NUMBERS.get(token) or (int(token) if token.isdigit() else None)
            if value and (not token.isdigit() or token.upper() not in sizes):
                quantity = value
    if new_size is None and quantity is None:
        return None
    return LineChange(line.sku, line.product_name, new_size, quantity)
