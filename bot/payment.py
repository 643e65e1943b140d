"""Recognise what kind of payment problem a shopper describes."""

from __future__ import annotations

import re

from bot.text.normalise import normalise

_PATTERNS = (
    ("double_charge", r"\b(twice|double|two times|2 times|charged (me )?again|duplicate|"
                      r"two charges|2 charges|charged 2x|charged two)\b"),
    ("declined", r"\b(declin\w*|reject\w*|refused|denied|not accepted|doesn ?t accept|"
                 r"won ?t go through|wont go through|didn ?t go through|fail\w*|error)\b"),
    ("charged_no_order", r"\b(no (order )?confirmation|charged but|money (was )?taken|"
                         r"paid but|no order)\b"),
)


def classify_payment_problem(text: str) -> str:
    """One of ``double_charge``, ``declined``, ``charged_no_order`` or ``other``."""
    plain = normalise(text or "")
    for kind, pattern in _PATTERNS:
        if re.search(pattern, plain):
            return kind
    return "other"
