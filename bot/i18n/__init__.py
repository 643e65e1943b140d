"""Languages the assistant speaks, and how dates, prices and order states read in each."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional, Union

LANGUAGES = ("en", "fi", "tr", "uk", "id", "nb")
DEFAULT_LANGUAGE = "en"

LANGUAGE_NAMES = {
    "en": "English", "fi": "suomi", "tr": "Türkçe", "uk": "українська",
    "id": "Bahasa Indonesia", "nb": "norsk bokmål",
}

_STATUS = {
    "en": {"placed": "placed", "paid": "paid", "packed": "packed", "shipped": "shipped",
           "delivered": "delivered", "cancelled": "cancelled", "returned": "returned"},
    "fi": {"placed": "vastaanotettu", "paid": "maksettu", "packed": "pakattu",
           "shipped": "lähetetty", "delivered": "toimitettu", "cancelled": "peruttu",
           "returned": "palautettu"},
    "tr": {"placed": "alındı", "paid": "ödendi", "packed": "paketlendi",
           "shipped": "kargoya verildi", "delivered": "teslim edildi",
           "cancelled": "iptal edildi", "returned": "iade edildi"},
    "uk": {"placed": "прийняте", "paid": "оплачене", "packed": "запаковане",
           "shipped": "відправлене", "delivered": "доставлене", "cancelled": "скасоване",
           "returned": "повернене"},
    "id": {"placed": "diterima", "paid": "dibayar", "packed": "dikemas", "shipped": "dikirim",
           "delivered": "sudah diterima", "cancelled": "dibatalkan",
           "returned": "dikembalikan"},
    "nb": {"placed": "mottatt", "paid": "betalt", "packed": "pakket", "shipped": "sendt",
           "delivered": "levert", "cancelled": "kansellert", "returned": "returnert"},
}

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")


def language_or_default(language: Optional[str]) -> str:
    """A supported language code; English for anything else."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def status_name(status: str, language: Optional[str]) -> str:
    """An order state as shoppers read it in their language."""
    return _STATUS[language_or_default(language)].get(status, status)


def format_date(value: Optional[Union[date, datetime]], language: Optional[str]) -> str:
    """A date the way the language writes it: ``28 Nov 2026``, ``28.11.2026``, ``28/11/2026``."""
    if value is None:
        return "-"
    language = language_or_default(language)
    if language == "en":
        return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
    if language == "id":
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    return f"{value.day:02d}.{value.month:02d}.{value.year}"


def format_money(amount: float, currency: str, language: Optional[str]) -> str:
    """A price: ``129.00 EUR`` in English, ``129,00 €`` in the other languages."""
    language = language_or_default(language)
    symbol = "€" if currency == "EUR" else currency
    if language == "en":
        return f"{amount:,.2f} {currency}"
    whole, cents = f"{amount:,.2f}".split(".")
    separator = "." if language in ("id", "tr") else "\u00a0"
    whole = whole.replace(",", separator)
    if language == "id":
        return f"{symbol}{whole},{cents}"
    return f"{whole},{cents}\u00a0{symbol}"
