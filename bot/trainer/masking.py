"""Keep personal data out of training data: emails, phone numbers, names and order numbers in a
real shopper's message become placeholders or entity annotations before it is stored."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w#])\+?\d[\d ()\-]{7,}\d(?!\w)")
_ORDER = re.compile(r"(?<![\w@.\-])#?\d{5,6}(?![\w@])")
_CARD = re.compile(r"(?<!\d)(?:\d[ \-]?){13,19}(?!\d)")
_NAME_INTRO = re.compile(
    r"\b((?i:my name is|i am|i'm|im|this is|name:|nimeni on|olen|benim adım|adım|мене звати|"
    r"nama saya|saya|jeg heter|mitt navn er))\s+([A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ][\w'\-]+)"
    r"(\s+[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ][\w'\-]+)?")

EMAIL_PLACEHOLDER = "[customer@example.com](email)"
ORDER_PLACEHOLDER = "[10000](order_number)"
PHONE_PLACEHOLDER = "040 000 0000"
NAME_PLACEHOLDER = "Alex"


def mask_personal_data(text: str) -> str:
    """The message with personal data replaced; entity annotations keep what the NLU learns."""
    text = " ".join((text or "").replace("[", "(").replace("]", ")").split())
    text = _EMAIL.sub("\x00EMAIL\x00", text)
    text = _CARD.sub(" ", text) if _CARD.search(text) and len(re.sub(r"\D", "", _CARD.search(
        text).group())) >= 13 else text
    text = _ORDER.sub("\x00ORDER\x00", text)
    text = _PHONE.sub(PHONE_PLACEHOLDER, text)
    text = _NAME_INTRO.sub(lambda m: f"{m.group(1)} {NAME_PLACEHOLDER}", text)
    text = text.replace("\x00EMAIL\x00", EMAIL_PLACEHOLDER).replace("\x00ORDER\x00",
                                                                     ORDER_PLACEHOLDER)
    return " ".join(text.split())
