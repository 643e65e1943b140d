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

_MAX_LENGTH = 200


@dataclass(frozen=True)
class AddressProblem:
    """Why an address cannot be used; ``field`` names the part to fix."""

    field: str
    message: str


def _plain(text: str) -> str:
    return fold(text).strip(" .")


def parse_address(
    text: str, name: str, default_country: str = "FI"
) -> Tuple[Optional[Address], List[AddressProblem]]:
    """Read ``street, postcode city[, country]`` from free text.

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
    parts = [part.strip() for part in re.split(r"[,\n]+", text) if part.strip()]
    country = default_country.upper()
    if len(parts) > 1 and _plain(parts[-1]) in COUNTRY_NAMES:
        country = COUNTRY_NAMES[_plain(parts.pop())]
    if country not in POSTCODE_PATTERNS:
        return None, [AddressProblem("country", f"we do not deliver to {country}")]
    pattern = POSTCODE_PATTERNS[country]
    joined = ", ".join(parts)
    match = None
    for candidate in re.finditer(rf"(?<!\d)({pattern})(?!\d)\s*,?\s+([^\d,][^,]*)$", joined):
        match = candidate
    if match is None:
        return None, [AddressProblem("postcode", f"postcode missing or not valid for {country}")]
    street = joined[: match.start()].strip(" ,")
    city = match.group(2).strip(" ,")
    problems: List[AddressProblem] = []
    if not re.search(r"[^\W\d_]{2,}", street) or not re.search(r"\d", street):
        problems.append(AddressProblem("street", "street name and house number needed"))
    if not re.fullmatch(r"[^\W\d_][^\W\d_ .'\-]*(?:[ .'\-]+[^\W\d_]+)*", city):
        problems.append(AddressProblem("city", "city name needed"))
    if problems:
        return None, problems
    postcode = match.group(1).replace(" ", "") if country != "SE" else match.group(1)
    return Address(name=name, street=street, postcode=postcode, city=city.title()
                   if city.islower() else city, country=country), []
