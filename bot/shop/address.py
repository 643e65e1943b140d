"""Parse and check a delivery address typed in one line of chat."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from bot.shop.models import Address
from bot.text.normalise import fold

#: Postcode format per ISO country code.
POSTCODE_PATTERNS: Dict[str, str] = {
    "FI": r"\d{5}", "EE": r"\d{5}", "DE": r"\d{5}", "TR": r"\d{5}", "UA": r"\d{5}",
    "ID": r"\d{5}", "SE": r"\d{3} ?\d{2}", "NO": r"\d{4}", "DK": r"\d{4}",
}

COUNTRY_NAMES: Dict[str, str] = {
    "finland": "FI", "suomi": "FI", "fi": "FI", "sweden": "SE", "sverige": "SE", "ruotsi": "SE",
    "se": "SE", "norway": "NO", "norge": "NO", "norja": "NO", "no": "NO", "denmark": "DK",
    "danmark": "DK", "dk": "DK", "estonia": "EE", "eesti": "EE", "viro": "EE", "ee": "EE",
    "germany": "DE", "deutschland": "DE", "de": "DE", "turkey": "TR", "turkiye": "TR",
    "tr": "TR", "ukraine": "UA", "ukraina": "UA", "ua": "UA", "indonesia": "ID", "id": "ID",
}

#: How an address is written in each country the shop delivers to: the example the shopper sees.
ADDRESS_EXAMPLES: Dict[str, str] = {
    "FI": "Mannerheimintie 5 A 12, 00100 Helsinki", "SE": "Drottninggatan 10, 111 51 Stockholm",
    "NO": "Karl Johans gate 8, 0154 Oslo", "DK": "Vesterbrogade 12, 1620 København",
    "EE": "Narva mnt 5, 10117 Tallinn", "DE": "Hauptstraße 5, 10115 Berlin",
    "TR": "Bağdat Caddesi 140, 34728 İstanbul", "UA": "вул. Хрещатик 22, кв. 14, 01001 Київ",
    "ID": "Jalan Sudirman 45, 10220 Jakarta",
}


def address_example(country: str) -> str:
    """An address written the way the country writes it (street, postcode city)."""
    return ADDRESS_EXAMPLES.get((country or "").upper(), ADDRESS_EXAMPLES["FI"])


_MAX_LENGTH = 200


@dataclass(frozen=True)
class AddressProblem:
    """Why an address cannot be used; ``field`` names the part to fix."""

    field: str
    message: str


def _plain(text: str) -> str:
    return fold(text).strip(" .")


#: "New address: ..." before the address itself: words without digits, then a colon.
_LEAD_IN_COLON = re.compile(r"^[^\d:,]{1,40}:\s+")
#: "New address is ..." / "uusi osoite on ..." / "ny adresse er ...": a few words without digits
#: and a copula, before the first comma.
_LEAD_IN_COPULA = re.compile(
    r"^(?:[^\W\d_]+[ .]+){1,4}?(?:is|on|er|adalah|yaitu|ialah|şu|це|буде)\s+(?=\S)",
    re.IGNORECASE)


def _without_lead_in(text: str) -> str:
    """The text without the words that introduce the address, when there are any."""
    stripped = _LEAD_IN_COLON.sub("", text, count=1)
    first, comma, rest = stripped.partition(",")
    trimmed = _LEAD_IN_COPULA.sub("", first, count=1)
    # Keep the words when the rest is no longer a street ("Flat 3" needs its digits).
    if trimmed != first and re.search(r"\d", trimmed + rest):
        stripped = trimmed + comma + rest
    return stripped


def _split(joined: str, pattern: str) -> Optional[Tuple[str, str, str]]:
    """``(street, postcode, city)``: "street, postcode city" (the postcode before the last
    words), or else "street, city[, region] postcode" (the postcode last, as in Indonesia or
    Ukraine); None when neither is there."""
    match = None
    for candidate in re.finditer(rf"(?<!\d)({pattern})(?!\d)\s*,?\s+([^\d,][^,]*)$", joined):
        match = candidate
    if match is not None:
        return joined[: match.start()].strip(" ,"), match.group(1), match.group(2)
    last = re.search(rf"(?<!\d)({pattern})\s*\.?$", joined)
    if last is None:
        return None
    before = [part.strip() for part in joined[: last.start()].split(",")]
    before = [part for part in before if part]
    if len(before) < 2:
        return None
    return ", ".join(before[:-1]), last.group(1), before[-1]


def parse_address(
    text: str, name: str, default_country: str = "FI"
) -> Tuple[Optional[Address], List[AddressProblem]]:
    """Read ``street, postcode city[, country]`` (or ``street, city postcode``) from free text,
    without words like "New address:" before it.

    Args:
        text: What the shopper typed.
        name: The recipient's name (kept from the order).
        default_country: Country assumed when the text names none.

    Returns:
        The address and no problems, or None and the problems to tell the shopper.
    """
    text = " ".join((text or "").split())
    if not text:
        return None, [AddressProblem("address", "empty")]
    if len(text) > _MAX_LENGTH or re.search(r"[<>{}\[\]`;$\\]", text):
        return None, [AddressProblem("address", "invalid characters or too long")]
    text = _without_lead_in(text)
    parts = [part.strip() for part in re.split(r"[,\n]+", text) if part.strip()]
    country = default_country.upper()
    if len(parts) > 1 and _plain(parts[-1]) in COUNTRY_NAMES:
        country = COUNTRY_NAMES[_plain(parts.pop())]
    if country not in POSTCODE_PATTERNS:
        return None, [AddressProblem("country", f"we do not deliver to {country}")]
    found = _split(", ".join(parts), POSTCODE_PATTERNS[country])
    if found is None:
        return None, [AddressProblem("postcode", f"postcode missing or not valid for {country}")]
    street, postcode, city = found[0].strip(" ,"), found[1], found[2].strip(" ,.")
    problems: List[AddressProblem] = []
    if not re.search(r"[^\W\d_]{2,}", street) or not re.search(r"\d", street):
        problems.append(AddressProblem("street", "street name and house number needed"))
    if not re.fullmatch(r"[^\W\d_][^\W\d_ .'\-/]*(?:[ .'\-/]+[^\W\d_]+)*", city):
        problems.append(AddressProblem("city", "city name needed"))
    if problems:
        return None, problems
    postcode = postcode.replace(" ", "") if country != "SE" else postcode
    return Address(name=name, street=street, postcode=postcode, city=city.title()
                   if city.islower() else city, country=country), []
