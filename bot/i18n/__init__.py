"""Languages the assistant speaks, and how dates, prices and order states read in each."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import List, Optional, Sequence, Tuple, Union

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


def country_name(code: str, language: Optional[str]) -> str:
    """A country's name in the language (CLDR, through Babel); the code itself when unknown."""
    from babel import Locale, UnknownLocaleError

    try:
        names = Locale.parse(language_or_default(language)).territories
    except (UnknownLocaleError, ValueError):
        return code
    return str(names.get((code or "").upper(), code))


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


_AND = {"en": "and", "fi": "ja", "tr": "ve", "uk": "і", "id": "dan", "nb": "og"}


def join_list(items: Sequence[str], language: Optional[str]) -> str:
    """``a, b and c`` in the language (``a, b ja c``, ``a, b ve c``, ...)."""
    items = [str(item) for item in items if str(item).strip()]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_AND[language_or_default(language)]} {items[-1]}"


_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "fi": ("ma", "ti", "ke", "to", "pe", "la", "su"),
    "tr": ("Pzt", "Sal", "Çar", "Per", "Cum", "Cmt", "Paz"),
    "uk": ("пн", "вт", "ср", "чт", "пт", "сб", "нд"),
    "id": ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"),
    "nb": ("man", "tir", "ons", "tor", "fre", "lør", "søn"),
}

Hours = Sequence[Optional[Tuple[time, time]]]


def format_opening_hours(hours: Hours, language: Optional[str]) -> str:
    """Opening hours (Monday first, None for closed) as one line: ``Mon–Fri 09:00–17:00``;
    days with the same hours are grouped."""
    days = _WEEKDAYS[language_or_default(language)]
    groups: List[Tuple[int, int, Tuple[time, time]]] = []
    for day, span in enumerate(hours[:7]):
        if span is None:
            continue
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == span:
            groups[-1] = (groups[-1][0], day, span)
        else:
            groups.append((day, day, span))
    parts = []
    for first, last, (start, end) in groups:
        named = days[first] if first == last else f"{days[first]}–{days[last]}"
        parts.append(f"{named} {start:%H:%M}–{end:%H:%M}")
    return ", ".join(parts) or "-"
