"""Personal data in shoppers' messages, found and replaced before a person or the training data
sees it.

:func:`mask_personal_data` is what the review inbox stores and shows: every email, phone number,
payment card, IBAN or bank account, national id, street address, postcode and introduced name
becomes a placeholder naming its kind (``[email]``, ``[phone]``, ``[card]``, ``[iban]``,
``[account]``, ``[id]``, ``[address]``, ``[postcode]``, ``[name]``). :func:`training_text` turns a
masked message into a training example: neutral values, and entity annotations where the NLU
learns from them (emails, order numbers, postcodes).

The rules cover the assistant's six languages. A number is personal by its shape and, where the
shape alone is ambiguous, by a checksum (cards: Luhn; IBANs: mod 97; Finnish, Norwegian and
Turkish national ids) or by the word before it. Order, tracking and invoice numbers, prices and
dates stay: trainers need them, and they name no one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Iterator, List, Optional, Pattern, Sequence, Tuple

#: The kinds of personal data, in the order their rules are tried: where two rules claim the
#: same characters, the earlier kind wins.
KINDS = ("email", "iban", "id", "card", "account", "address", "phone", "postcode", "name")
PLACEHOLDER = re.compile(r"\[(" + "|".join(KINDS) + r")\]")
#: Raised when the rules change, so that the review inbox masks its stored items again.
MASKING_VERSION = 1

#: What a placeholder becomes in a training example. Emails and postcodes are annotated because
#: the forms read them as entities; the rest get a neutral value of the same shape.
TRAINING_VALUES = {
    "email": "[customer@example.com](email)",
    "phone": "040 000 0000",
    "card": "0000 0000 0000 0000",
    "iban": "FI00 0000 0000 0000 00",
    "account": "0000 0000 000",
    "id": "000000-000A",
    "name": "Alex",
}
TRAINING_ADDRESSES = {"en": "1 Example Street", "fi": "Esimerkkikatu 1", "tr": "Örnek Cad. No: 1",
                      "uk": "вул. Прикладна, 1", "id": "Jl. Contoh No. 1", "nb": "Eksempelveien 1"}
TRAINING_POSTCODES = {"en": "10001", "fi": "00100", "tr": "34000", "uk": "01001", "id": "10110",
                      "nb": "0150"}
_ORDER_NUMBER = re.compile(r"(?<![\w@.\-])#?\d{5,6}(?![\w@])")
ORDER_PLACEHOLDER = "[10000](order_number)"


@dataclass(frozen=True)
class Found:
    """Personal data at ``text[start:end]``."""

    start: int
    end: int
    kind: str


def _words(*alternatives: str) -> str:
    """A regex alternation, longest first so that a phrase wins over its first word."""
    return "(?:" + "|".join(sorted(alternatives, key=len, reverse=True)) + ")"


_LETTER = r"[^\W\d_]"  # a letter of any alphabet


# --- What is not personal: references to the shop's own records, prices, dates ----------------

_REFERENCE_WORDS = _words(
    r"order\w*", r"tracking\w*", r"invoice\w*", r"receipt\w*", r"ref(?:erence)?", r"rma",
    r"tilau\w*", r"seuranta\w*", r"lasku\w*", r"lähety\w*", r"kuitti\w*", r"sipari[sş]\w*",
    r"takip\w*", r"fatura\w*", r"kargo\w*", r"замовлен\w*", r"заказ\w*", r"відстежен\w*",
    r"накладн\w*", r"ттн", r"трек\w*", r"pesanan\w*", r"resi\w*", r"faktur\w*", r"transaksi\w*",
    r"bestilling\w*", r"ordre\w*", r"sporing\w*", r"kvittering\w*", r"sending\w*")
_REFERENCE_FILLERS = _words(
    "no", "nr", "nro", "num", "number", "numbers", "id", "is", "was", "my", "the", "code",
    "numero", "numeroni", "on", "oli", "mun", "minun", "koodi", "numara", "numaram", "numarası",
    "numarasi", "numaralı", "benim", "kodu", "номер", "моє", "мого", "мій", "є", "це", "код",
    "nomor", "saya", "ku", "aku", "adalah", "yaitu", "ialah", "kode", "nummer", "nummeret",
    "er", "var", "min", "mitt")
_REFERENCE = re.compile(
    r"(?i)(?<!\w)" + _REFERENCE_WORDS + r"(?:[\s:#№.,\-]+" + _REFERENCE_FILLERS + r"(?!\w))"
    r"{0,3}[\s:#№.\-]*([#№]?\d[\d\-]*)"
    r"|[#№]\s?(\d+)"
    r"|(?<![\w.,])(\d{4,})\s+(?:numaral[ıi]|nolu|no'lu)?\s*sipari[sş]\w*")
_AMOUNT = r"(?<!\d)(?:\d{1,3}(?:[ .,\u00a0]\d{3})+|\d+)(?:[.,]\d{1,2}|,-)?"
_PRICE = re.compile(
    r"(?i)(?:[€$£₺₴]|(?<!\w)(?:rp|usd|eur|nok|kr|tl|грн|uah|idr)\.?)\s?" + _AMOUNT
    + r"|" + _AMOUNT + r"\s?(?:[€$£₺₴]|(?:e|eur\w*|euro\w*|kr|kroner|nok|tl|lira|грн\w*|"
    r"гривен\w*|uah|rp|rupiah|idr|usd|dollars?|pounds?)(?!\w))")
_DATE = re.compile(r"(?<![\w.])(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}|"
                   r"\d{1,2}[:.]\d{2})(?![\w])")


def _protected(text: str) -> List[Tuple[int, int]]:
    """Where numbers that are not personal sit: order references, prices, dates and times."""
    spans = []
    for match in _REFERENCE.finditer(text):
        group = next(g for g in (1, 2, 3) if match.group(g) is not None)
        spans.append(match.span(group))
    for pattern in (_PRICE, _DATE):
        spans.extend(m.span() for m in pattern.finditer(text))
    return spans


def _overlaps(start: int, end: int, spans: Iterable[Tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)


# --- Checksums ------------------------------------------------------------------------------

def luhn_valid(digits: str) -> bool:
    """Whether a payment card number passes the Luhn check."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """Whether an IBAN (spaces removed) passes the ISO 13616 mod-97 check."""
    moved = (iban[4:] + iban[:4]).upper()
    if not (moved.isascii() and moved.isalnum()):
        return False
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _valid_date(day: int, month: int, year: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def hetu_valid(hetu: str) -> bool:
    """Whether a Finnish personal identity code (``131052-308T``) has a real date and the right
    check character."""
    hetu = hetu.upper()
    centuries = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900,
                 "A": 2000, "B": 2000, "C": 2000, "D": 2000, "E": 2000, "F": 2000}
    if len(hetu) != 11 or hetu[6] not in centuries or not (hetu[:6] + hetu[7:10]).isdigit():
        return False
    day, month, year = int(hetu[:2]), int(hetu[2:4]), centuries[hetu[6]] + int(hetu[4:6])
    check = "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(hetu[:6] + hetu[7:10]) % 31]
    return _valid_date(day, month, year) and hetu[10] == check


def tc_kimlik_valid(number: str) -> bool:
    """Whether 11 digits are a Turkish identity number (T.C. kimlik no) by its two check
    digits."""
    d = [int(c) for c in number]
    if len(d) != 11 or d[0] == 0:
        return False
    tenth = (sum(d[0:9:2]) * 7 - sum(d[1:8:2])) % 10
    return d[9] == tenth and d[10] == sum(d[:10]) % 10


def fodselsnummer_valid(number: str) -> bool:
    """Whether 11 digits are a Norwegian national identity number (also a D- or H-number) by
    its date and two mod-11 check digits."""
    d = [int(c) for c in number]
    if len(d) != 11:
        return False
    day, month = int(number[:2]) % 40, int(number[2:4]) % 40
    if not _valid_date(day, month, 2000 + int(number[4:6])) and \
            not _valid_date(day, month, 1900 + int(number[4:6])):
        return False
    for weights, position in (((3, 7, 6, 1, 8, 9, 4, 5, 2), 9),
                              ((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), 10)):
        check = 11 - sum(w * v for w, v in zip(weights, d)) % 11
        if (0 if check == 11 else check) != d[position]:
            return False
    return True


_NIK_PROVINCES = {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61,
                  62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96}


def nik_plausible(number: str) -> bool:
    """Whether 16 digits have the structure of an Indonesian NIK: a province code, then a birth
    date (day plus 40 for women) after the regency and district codes."""
    if len(number) != 16 or not number.isdigit():
        return False
    day, month = int(number[6:8]), int(number[8:10])
    return (int(number[:2]) in _NIK_PROVINCES and 1 <= month <= 12
            and (1 <= day <= 31 or 41 <= day <= 71) and number[12:] != "0000")


# --- Rules, one function per kind -------------------------------------------------------------

_AT_WORDS = ("at", "ät", "et", "krøllalfa", "собака", "равлик")
_AT = _words(*_AT_WORDS)
_DOT = _words("dot", "piste", "nokta", "krapka", "крапка", "titik", "punktum", "prikk")
_EMAIL = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}")
_OBFUSCATED_EMAIL = re.compile(
    r"(?i)(?<![\w.])[\w.%+\-]+\s?[(\[{<]\s?" + _AT + r"\s?[)\]}>]\s?[\w\-]+"
    r"(?:\s?(?:\.|[(\[{<]\s?" + _DOT + r"\s?[)\]}>])\s?[^\W\d_]{2,}(?!\w))*")
_SPOKEN_EMAIL = re.compile(
    r"(?i)(?<![\w.])([\w.%+\-]+)\s" + _AT + r"\s([\w\-]+)((?:(?:\s" + _DOT + r"\s|\.)"
    r"[^\W\d_]{2,})+)(?!\w)")
_MAIL_PROVIDERS = re.compile(r"(?i)gmail|googlemail|hotmail|outlook|live|yahoo|icloud|me|mail|"
                             r"yandex|ukr|i|protonmail|proton|online|suomi24|luukku|kolumbus")


def find_emails(text: str) -> Iterator[Found]:
    """Email addresses, also written as ``name(at)domain.com``, ``name[at]domain`` or spoken:
    ``name at domain dot com``."""
    for pattern in (_EMAIL, _OBFUSCATED_EMAIL):
        for match in pattern.finditer(text):
            yield Found(*match.span(), "email")
    for match in _SPOKEN_EMAIL.finditer(text):
        local, domain, rest = match.groups()
        # "bought it at store.com" is no address; a spelled-out dot, a mail provider or an
        # address-like local part ("anna.virtanen", "mikko84") says it is one.
        spelled = not rest.startswith(".") or " " in rest
        if spelled or _MAIL_PROVIDERS.fullmatch(domain) or re.search(r"[\d._+\-]", local):
            yield Found(*match.span(), "email")


_IBAN_LENGTHS = {"FI": 18, "NO": 15, "TR": 26, "UA": 29, "DE": 22, "SE": 24, "DK": 18, "GB": 22,
                 "NL": 18, "FR": 27, "ES": 24, "IT": 27, "EE": 20, "LV": 21, "LT": 20, "PL": 28,
                 "AT": 20, "BE": 16, "CH": 21, "IE": 22, "IS": 26}
_IBAN = re.compile(r"(?<!\w)(?:[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]{1,4}){2,8}"
                   r"|[A-Za-z]{2}\d{2}(?:[ \-]?\d{1,4}){2,8})(?!\w)")


def find_ibans(text: str, protected: Sequence[Tuple[int, int]] = ()) -> Iterator[Found]:
    """IBANs, grouped or not. A mistyped one still counts when its length fits its country."""
    for match in _IBAN.finditer(text):
        groups = list(re.finditer(r"[A-Za-z0-9]+", match.group()))
        for last in range(len(groups), 0, -1):  # a word after the IBAN may have been taken in
            compact = "".join(g.group() for g in groups[:last]).upper()
            country = compact[:2]
            if 15 <= len(compact) <= 34 and (
                    iban_valid(compact) or _IBAN_LENGTHS.get(country) == len(compact)):
                yield Found(match.start(), match.start() + groups[last - 1].end(), "iban")
                break


_ID_WORDS = _words(
    r"henkilötunnu\w*", r"hetu\w*", r"sotu\w*", r"tc kimlik(?: no)?", r"t\.c\. kimlik(?: no)?",
    r"kimlik\w*(?: no| numaras[ıi])?", "tckn", r"t\.c\.", "tc no", r"fødselsnummer\w*", "fnr",
    r"personnummer\w*", "d-nummer", "nik", "ktp", "no ktp", "іпн", "рнокпп", r"ідентифікаційн\w+ "
    r"(?:код|номер)", r"податков\w+ номер", "код платника податків", "инн", r"passport\w*",
    r"passi\w*", r"pasaport\w*", r"паспорт\w*", "paspor", r"passnummer\w*",
    "social security number", "ssn", "national id", "id number", "id card number")
#: Up to five words between the word that names a number and the number ("passport number
#: for the customs form: ...", "postinumero on väärin, oikea on ...").
_WORDS_BETWEEN = r"(?:[\s:,]+" + _LETTER + r"[\w'’]{0,14}){0,5}?"
_ID_AFTER_WORD = re.compile(
    r"(?i)(?<!\w)" + _ID_WORDS + r"(?!\w)" + _WORDS_BETWEEN + r"[\s:.\-№#]*"
    r"((?:" + _LETTER + r"{2}\s?)?(?=[\w\-]*\d)[\w\-]{6,20}(?:\s\d{2,6}(?!\w))?)")
_HETU = re.compile(r"(?<![\w\-+])\d{6}[-+A-FU-Y]\d{3}[0-9A-Ya-y](?!\w)")
_ELEVEN = re.compile(r"(?<![\w+\-])\d{6} ?\d{5}(?![\w\-])")
_SIXTEEN = re.compile(r"(?<![\w+\-])\d{16}(?![\w\-])")


def find_national_ids(text: str, protected: Sequence[Tuple[int, int]] = ()) -> Iterator[Found]:
    """National identity numbers: any after a word that names one (hetu, TC kimlik, NIK, ІПН,
    fødselsnummer, passport...), and without such a word a Finnish HETU, a Turkish TC kimlik no
    or a Norwegian fødselsnummer that passes its check, or a 16-digit Indonesian NIK."""
    for match in _ID_AFTER_WORD.finditer(text):
        yield Found(*match.span(1), "id")
    for match in _HETU.finditer(text):
        if hetu_valid(match.group()):
            yield Found(*match.span(), "id")
    for match in _ELEVEN.finditer(text):
        digits = match.group().replace(" ", "")
        if (tc_kimlik_valid(digits) or fodselsnummer_valid(digits)) and \
                not _overlaps(*match.span(), protected):
            yield Found(*match.span(), "id")
    for match in _SIXTEEN.finditer(text):
        if nik_plausible(match.group()) and not _overlaps(*match.span(), protected):
            yield Found(*match.span(), "id")


# Each further group needs a separator, so that a long number is read in one way only.
_DIGIT_RUN = re.compile(r"(?<![\w#№/+\-])(?<!\d[.,])(?:\+\s?|\(\+?)?\d+"
                        r"(?:(?:[ \-\u00a0]?[()][ \-\u00a0]?|[ \-\u00a0])\d+)*\)?"
                        r"(?![\w/]|[.,]\d)")


#: The most digit groups a phone or card number is written in ("+38 (050) 123-45-67" has 5).
_MOST_GROUPS = 8


def _digit_groups(text: str, valid: Callable[[str, int, int], bool],
                  protected: Sequence[Tuple[int, int]], kind: str) -> Iterator[Found]:
    """Within each run of digit groups, the longest stretches of whole groups that ``valid``
    accepts (two numbers written one after the other are tried apart)."""
    for run in _DIGIT_RUN.finditer(text):
        groups = [(run.start() + m.start(), run.start() + m.end())
                  for m in re.finditer(r"\d+", run.group())]
        inside = [(a, b) for a, b in protected if a < run.end() and run.start() < b]
        first = 0
        while first < len(groups):
            for last in range(min(len(groups), first + _MOST_GROUPS), first, -1):
                start = run.start() if first == 0 else groups[first][0]
                end = groups[last - 1][1]
                if text[end:end + 1] == ")" and "(" in text[start:end]:
                    end += 1
                if not _overlaps(start, end, inside) and valid(text, start, end):
                    yield Found(start, end, kind)
                    first = last
                    break
            else:
                first += 1


def _card(text: str, start: int, end: int) -> bool:
    digits = re.sub(r"\D", "", text[start:end])
    return 13 <= len(digits) <= 19 and "(" not in text[start:end] and \
        not text[start:end].startswith("+") and luhn_valid(digits)


_CVC = re.compile(r"(?i)(?<!\w)(?:cvv2?|cvc2?|security code|turvakoodi|güvenlik kodu|"
                  r"cvv-код|код cvv|kode cvv)\s*[:\-]?\s*(\d{3,4})(?!\d)")


def find_cards(text: str, protected: Sequence[Tuple[int, int]] = ()) -> Iterator[Found]:
    """Payment card numbers (13-19 digits, grouped or not) that pass the Luhn check, and the
    security code after its name."""
    yield from _digit_groups(text, _card, protected, "card")
    for match in _CVC.finditer(text):
        yield Found(*match.span(1), "card")


_ACCOUNT_WORDS = _words(
    r"account (?:number|no\.?)", r"acc(?:t)?\.? no\.?", "bank account", "sort code",
    r"tilinumero\w*", r"tilille\w*", r"pankkitili\w*", r"hesap (?:no|numaras[ıi]|numaram)\w*",
    r"hesab[ıi]m\w*", r"iban(?:ım)?", r"рахун\w*", r"номер рахунку", r"rekening\w*",
    r"no\.? ?rek\.?", "norek", r"kontonummer\w*", r"kontonr\.?", r"konto\w*")
_ACCOUNT = re.compile(
    r"(?i)(?<!\w)" + _ACCOUNT_WORDS + r"(?:[\s:.,]+[^\W\d_]{1,12}){0,3}[\s:.#№\-]*"
    r"(\d[\d .\-]{4,24}\d)(?![\w])")


def find_accounts(text: str, protected: Sequence[Tuple[int, int]] = ()) -> Iterator[Found]:
    """Domestic bank account numbers (Indonesia has no IBAN; Norwegians write
    ``1234.56.78903``) after a word that names an account, at least eight digits."""
    for match in _ACCOUNT.finditer(text):
        if len(re.sub(r"\D", "", match.group(1))) >= 8 and \
                not _overlaps(*match.span(1), protected):
            yield Found(*match.span(1), "account")


_FI_CASE = r"(?:n|ll[aä]|lle|lt[aä])?"  # the street in the genitive, "on", "to", "from"
_FI_STREET = "(?:" + "|".join(stem + _FI_CASE for stem in (
    "tie", "katu", "kadu", "kuja", "polku", "polu", "tori", "väylä", "kaari", "kaare", "rinne",
    "rintee", "mäki", "mäe", "ranta", "rannan", "puisto", "piha", "aukio", "raitti", "raiti",
    "kaarre", "kaartee", "tanhua", "bulevardi", "esplanadi", "kumpu", "kummu", "harju",
    "laakso", "vainio", "niitty", "niity")) + ")"
_NB_STREET = _words("gata", "gaten", "gate", "veien", "vegen", "vei", "veg", "allé", "plass",
                    "plassen", "stien", "bakken", "torget", "tunet", "kaia", "brygga", "brygge",
                    "svingen", "ringen", "løkka", "jordet")
_NB_STREET_WORD = _words("gate", "vei", "veg", "allé", "plass")
#: Words that begin a street's name of two words ("Iso Roobertinkatu", "Øvre Slottsgate").
_STREET_ADJECTIVES = _words("iso", "pieni", "vanha", "uusi", "pohjoinen", "eteläinen", "itäinen",
                            "läntinen", "ylä", "ala", "store", "lille", "nedre", "øvre", "gamle",
                            "nye", "søndre", "nordre", "vestre", "østre")
_HOUSE_NUMBER = (r"\d{1,4}(?:\s?-\s?\d{1,4})?(?:\s?[A-HJKa-hjk](?!\w))?"
                 r"(?:,?\s?(?:as\.?|asunto|lgh\.?|leil(?:ighet)?\.?|h)\s?[A-Z]?\d{1,4}(?!\d)"
                 r"|(?<=[A-HJKa-hjk])\s\d{1,3}(?!\d))?")
_EN_TYPES_ANY_CASE = _words("street", "road", "avenue", "lane", "boulevard")
_EN_TYPES = _words("Street", "St", "Road", "Rd", "Avenue", "Ave", "Lane", "Ln", "Drive", "Dr",
                   "Way", "Close", "Court", "Ct", "Place", "Pl", "Boulevard", "Blvd", "Terrace",
                   "Crescent", "Square", "Gardens", "Grove", "Row", "Mews", "Parade", "Walk",
                   "Hill")
_EN_FLAT = r"(?:(?i:flat|apt\.?|apartment|unit|suite)\s*\d{1,4}[A-Za-z]?,?\s+)?"
_TR_STREET = _words(r"cad(?:de(?:si)?)?", "cd", r"sok(?:ak|a[gğ][ıi])?", "sk",
                    r"bulvar[ıi]?", "blv", "bulv", r"mah(?:alle(?:si)?)?", "mh", "küme evler",
                    r"apt", r"apartman[ıi]")
_UK_STREET = _words(r"вул(?:иця|иці|ицю)?\.?", r"ул\.", r"просп(?:ект|екті)?\.?", "пр-т",
                    r"бульв(?:ар|арі)?\.?", r"пров(?:улок|улку)?\.?", r"пл(?:оща|ощі)?\.",
                    r"наб(?:ережна)?\.", "шосе", r"мкр\.?", "мікрорайон")
_ID_STREET = _words("jl", "jln", "jalan", "gg", "gang", "komplek", "kompleks", "komp",
                    "perum", "perumahan")
_ADDRESSES: Sequence[Pattern[str]] = (
    # Finnish and Norwegian: the street type is the end of the name ("Mannerheimintie 12 B 4",
    # "Storgata 5"), or a word of its own after a capitalised name ("Karl Johans gate 22").
    re.compile(r"(?i)(?<!\w)(?:" + _STREET_ADJECTIVES + r"\s+)?(?:" + _LETTER + r"+-)?" + _LETTER
               + r"{2,}?(?:" + _FI_STREET + "|" + _NB_STREET + r")\s+" + _HOUSE_NUMBER),
    re.compile(r"(?<!\w)(?:[A-ZÆØÅ]" + _LETTER + r"*\s+){1,2}" + _NB_STREET_WORD + r"\s+"
               + _HOUSE_NUMBER),
    # English: the number first ("221B Baker Street", "Flat 3, 12 High Street").
    re.compile(r"(?<!\w)" + _EN_FLAT + r"\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][\w'\-]*\s+){1,3}"
               + _EN_TYPES + r"\b\.?"),
    re.compile(r"(?i)(?<!\w)" + _EN_FLAT + r"\d{1,5}[a-z]?,?\s+(?:[a-z][\w'\-]*\s+){1,2}"
               + _EN_TYPES_ANY_CASE + r"\b"),
    # Turkish: "Atatürk Cad. No: 15 D: 4", "Moda Mah. Caferağa Sok. No:8/2".
    # A street may be numbered ("5. Sok."); a word before its name counts when capitalised.
    re.compile(r"(?i)(?<!\w)(?:(?:(?-i:[A-ZÇĞİÖŞÜ])[\w'’]*\s+)?(?:" + _LETTER
               + r"[\w'’]*|\d{1,4}\.)\s+" + _TR_STREET + r"(?!\w)\.?,?\s*)+"
               r"(?:no\s*[:.]?\s*)?\d{1,5}(?:\s*/\s*\d{1,4})?"
               r"(?:\s*,?\s*(?:d|daire|kat|k|blok)\s*[:.]?\s*\w{1,4}(?!\w))*"),
    # Ukrainian: "вул. Хрещатик, 22, кв. 5".
    re.compile(r"(?i)(?<!\w)" + _UK_STREET + r"(?!\w)\s*" + _LETTER + r"[\w'’.\-]*(?:\s+" + _LETTER
               + r"[\w'’.\-]*){0,2}?,?\s*(?:буд(?:инок)?\.?\s*|№\s*)?\d{1,4}"
               r"(?:\s?-?[а-яієїґ](?!\w))?(?:/\d{1,4})?"
               r"(?:\s*,?\s*(?:кв(?:артира)?\.?|оф(?:іс)?\.?)\s*\d{1,4})?"),
    # Indonesian: "Jl. Sudirman No. 5", "Jalan Merdeka 10 RT 02/RW 05", "Gg. Mawar Blok C2 No. 7".
    # A bare number needs a name before it: "sudah jalan 2 hari" is "on its way for 2 days".
    re.compile(r"(?i)(?<!\w)" + _ID_STREET + r"(?!\w)\.?\s+(?:"
               r"(?:" + _LETTER + r"[\w'.\-]*,?\s+){0,4}?"
               r"(?:no|nomor|nmr|kav|blok|km)\.?\s*:?\s*[a-z]?\d{1,4}[a-z]?(?:/\d{1,4})?"
               r"(?:\s*,?\s*(?:no|nomor|nmr|kav|blok)\.?\s*:?\s*[a-z]?\d{1,4}[a-z]?)?"
               r"|(?:" + _LETTER + r"[\w'.\-]*\s+){1,4}?\d{1,4}[a-z]?(?!\w))"
               r"(?:\s*,?\s*rt\.?\s*\d{1,3}\s*/?\s*(?:rw\.?\s*)?\d{1,3})?"),
)


def find_addresses(text: str) -> Iterator[Found]:
    """Street addresses with a house number, in the way each language writes them."""
    for pattern in _ADDRESSES:
        for match in pattern.finditer(text):
            yield Found(*match.span(), "address")


_PHONE_WORDS = re.compile(
    r"(?i)(?<!\w)(?:(?:tel|puh|tlf|telp|hp|wa|gsm|тел|моб)\.?(?!\w)|phone|mobile|cell|"
    r"whatsapp|call|puhelin|numero|soit|telefon|mobil|cep|ara|телефон|номер|зателеф|nomor|"
    r"hubungi|handphone|ring)")


def _phone(text: str, start: int, end: int) -> bool:
    raw = text[start:end]
    digits = re.sub(r"\D", "", raw)
    lengths = [len(g) for g in re.findall(r"\d+", raw)]
    count = len(digits)
    if raw.lstrip("(").startswith("+") or digits.startswith("00"):
        return 8 <= count <= 15
    if digits.startswith("0"):
        return 9 <= count <= 12
    if _PHONE_WORDS.search(text[max(0, start - 30):start]):
        return 7 <= count <= 15
    if count == 10:
        return lengths in ([3, 3, 4], [10])  # North American
    if digits.startswith("8") and 10 <= count <= 12:
        return True  # an Indonesian mobile without its leading 0
    if count == 8:  # Norwegian: mobiles begin with 4 or 9
        return digits[0] in "49" and lengths in ([3, 2, 3], [2, 2, 2, 2], [4, 4], [8])
    return False


def find_phones(text: str, protected: Sequence[Tuple[int, int]] = ()) -> Iterator[Found]:
    """Phone numbers, international (``+358 40 123 4567``, ``0047 912 34 567``) and local
    (``040-123 4567``, ``(0532) 123 45 67``, ``0812-3456-7890``, ``912 34 567``)."""
    yield from _digit_groups(text, _phone, protected, "phone")


_CITIES = _words(
    "helsin\\w*", "espoo\\w*", "vanta\\w*", "tamper\\w*", "turku", "turu\\w*", "oulu\\w*",
    "jyväskylä\\w*", "lahti", "lahde\\w*", "kuopio\\w*", "pori\\w*", "joensuu\\w*",
    "lappeenran\\w*", "hämeenlinna\\w*", "vaasa\\w*", "rovaniemi\\w*", "seinäjoki\\w*",
    "porvoo\\w*", "kerava\\w*", "järvenpää\\w*", "kouvola\\w*", "kotka\\w*", "mikkeli\\w*",
    "oslo", "bergen", "trondheim", "stavanger", "drammen", "fredrikstad", "kristiansand",
    "sandnes", "tromsø", "sarpsborg", "skien", "ålesund", "sandefjord", "haugesund", "tønsberg",
    "moss", "bodø", "arendal", "hamar", "larvik", "lillehammer", "molde", "gjøvik", "asker",
    "sandvika", "lysaker", "istanbul", "ankara", "izmir", "bursa",
    "antalya", "adana", "konya", "gaziantep", "kayseri", "mersin", "eskişehir", "samsun",
    "trabzon", "kocaeli", "kadıköy", "beşiktaş", "üsküdar", "çankaya", "bornova", "şişli",
    "київ", "kyiv", "kiev", "харків", "одеса", "дніпро", "львів", "запоріжжя", "вінниця",
    "полтава", "чернігів", "черкаси", "житомир", "суми", "рівне", "луцьк", "тернопіль",
    "ужгород", "івано-франківськ", "чернівці", "миколаїв", "ірпінь", "бровари", "jakarta",
    "jakarta selatan", "jakarta barat", "jakarta timur", "jakarta utara", "jakarta pusat",
    "bandung", "surabaya", "medan", "semarang", "makassar", "palembang", "tangerang",
    "tangerang selatan", "depok", "bekasi", "bogor", "yogyakarta", "malang", "denpasar",
    "batam", "pekanbaru", "padang", "balikpapan", "surakarta", "solo", "manado", "london",
    "manchester", "birmingham", "leeds", "glasgow", "edinburgh", "liverpool", "bristol",
    "new york", "chicago", "boston")
_POSTCODE_WORDS = _words(
    "postcode", "post code", "postal code", r"zip(?: code)?", r"postinumero\w*", r"postinro\w*",
    r"posta kod\w*", r"індекс\w*", r"поштов\w+ індекс\w*", "индекс", r"kode ?pos", "postnummer",
    r"postnr\.?")
_POSTCODES: Sequence[Tuple[Pattern[str], int]] = (
    (re.compile(r"(?i)(?<!\w)" + _POSTCODE_WORDS + r"(?!\w)" + _WORDS_BETWEEN
                + r"[\s:.\-]*(\d{4,5}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})(?!\w)"), 1),
    (re.compile(r"(?<![\w#№.,])(\d{5}|\d{4})\s+(?i:" + _CITIES + r")(?!\w)"), 1),
    (re.compile(r"(?i)(?<!\w)(?:м\.\s*)?" + _CITIES + r"\s*,?\s*(\d{5})(?![\w\-])"), 1),
    (re.compile(r"(?<![\w#№.,])(\d{5})\s+" + _LETTER + r"+\s?/\s?" + _LETTER + r"+"), 1),
    (re.compile(r"(?<!\w)((?:FI|FIN|NO|N|TR|UA)-\d{4,5})(?!\w)"), 1),
    (re.compile(r"(?<!\w)([A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2})(?!\w)"), 1),  # British
    (re.compile(r"(?<!\w)[A-Z]{2} (\d{5}(?:-\d{4})?)(?!\w)"), 1),  # a US state and ZIP code
)
_AFTER_ADDRESS = re.compile(r"\s*,?\s*(\d{4,5})(?=\s+" + _LETTER + r"|\s*$)")


def find_postcodes(text: str, protected: Sequence[Tuple[int, int]] = (),
                   addresses: Sequence[Found] = ()) -> Iterator[Found]:
    """Postcodes: after the word for one, beside a city, right after a street address, or in a
    format of their own (British, ``FI-00100``). A bare number is not one: it is as likely an
    order number."""
    for pattern, group in _POSTCODES:
        for match in pattern.finditer(text):
            if not _overlaps(*match.span(group), protected):
                yield Found(*match.span(group), "postcode")
    for address in addresses:
        match = _AFTER_ADDRESS.match(text, address.end)
        if match and not _overlaps(*match.span(1), protected):
            yield Found(*match.span(1), "postcode")


# Phrases that introduce the writer's name. After the first list the name may be written in
# lower case; after the second, which are also ordinary words ("I am waiting", "saya mau"),
# only a capitalised word counts.
_NAME_INTRO_PHRASES = (
    "my name is", "my name's", "name's", "name:", "full name:", "nimeni on", "mun nimi on",
    "minun nimeni on", "minun nimi on", "nimi:", "benim adım", "benim ismim", "ismim",
    "ad soyad:", "adım soyadım", "isim:", "мене звати", "моє ім'я", "моє ім’я", "ім'я:", "ім’я:",
    "мене кличуть", "nama saya", "nama aku", "namaku", "nama:", "nama lengkap:",
    "nama lengkap saya", "jeg heter", "mitt navn er", "navnet mitt er", "navn:", "jeg heiter")
_CAPITALISED_INTRO_PHRASES = (
    "i am", "i'm", "i’m", "im", "this is", "it's", "it’s", "regards", "best regards",
    "kind regards", "thanks", "thank you", "cheers", "olen", "mä oon", "oon", "täällä",
    "terveisin", "ystävällisin terveisin", r"terv\.?", "kiitos", "ben", "adım", "saygılarımla",
    "teşekkürler", "sevgiler", "я", "це", "з повагою", "дякую", "saya", "aku", "ini", "salam",
    "hormat saya", "terima kasih", "jeg er", "dette er", "det er", "hilsen", "mvh",
    "med vennlig hilsen", "takk",
    # whom a parcel or a refund is for, and titles
    "recipient", "in the name of", "on behalf of", "vastaanottaja", "alıcı", "isim",
    "отримувач", "одержувач", "на ім'я", "на ім’я", "penerima", "atas nama", r"a\.n\.",
    "mottaker", "mr", "mrs", "ms", "miss", "herra", "rouva", "sayın", "bay", "bayan", "пан",
    "пані", "bapak", "ibu", "pak", "bu", "hr", "fru")
_INTRO = re.compile(r"(?i)(?<!\w)(?:(" + _words(*_NAME_INTRO_PHRASES) + r")|("
                    + _words(*_CAPITALISED_INTRO_PHRASES)
                    + r"))(?!\w)[ \t]*[,:—–\-]?[ \t]*\n?[ \t]*")
_NAME_WORD = re.compile(r"[^\W\d_][\w'’\-]*")
_TWO_WORDS = r"(" + _LETTER + r"[\w'’\-]*(?:[ \t]" + _LETTER + r"[\w'’\-]*)?)"
#: A name before "on behalf of" in Turkish and Finnish ("Emre Koç adına", "Mikon puolesta"),
#: and a signature after a dash at the end ("kiitos! -Leena").
_ON_BEHALF_OF = ("adına", "puolesta", "nimiin", "nimissä", "nimellä")
_NAME_BEFORE = re.compile(r"(?<!\w)" + _TWO_WORDS + r"[ \t](?i:" + "|".join(_ON_BEHALF_OF)
                          + r")(?!\w)")
_DASH_SIGNATURE = re.compile(r"(?:^|\s)[-–—][ \t]?" + _TWO_WORDS + r"\s*$")
#: Words without which a message has no name to find (the first word of every phrase above).
_NAME_CUES = frozenset(re.findall(r"\w+", phrase.lower())[0] for phrase in (
    _NAME_INTRO_PHRASES + _CAPITALISED_INTRO_PHRASES + _ON_BEHALF_OF))
#: Capitalised words after "I am", "this is"... that are no name, among them the polite
#: "you" that Ukrainian, Turkish and Indonesian write with a capital and the ways Indonesian
#: shoppers address the shop ("Kak", "Min").
_NOT_NAMES = frozenset("""
    not so very just still sorry back here there ok okay the a an i it my your our his her this
    that order and but also now home looking trying waiting writing calling happy unhappy
    finnish english turkish ukrainian indonesian norwegian finn turk american british from in at
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december customer client shopper member
    hello hi ei en nyt vielä myös tilaus kiitos hei moi ja ve de da bir sipariş şu bu siz size
    sizi sizin на не вже дуже і та й у в з замовлення ви вам вас ваш ваша ваше mau ingin sudah
    belum tidak sangat dan ya anda kak min gan sis bapak ibu ikke nå og ei bare veldig
""".split())
_NAME_STOPWORDS = _NOT_NAMES | frozenset("""
    please pls plz thanks and or is i me my order with from to on in spelled spelt misspelled
    wrong incorrect missing written shown ja tilaus väärin väärä ve ile sipariş yanlış та і й а
    замовлення неправильно dan atau pesanan salah og eller bestilling feil
""".split())


def _capitalised(word: str) -> bool:
    """Capitalised as a name is; a word in capitals is shouting ("KIITOS OIKEIN PALJON")."""
    return word[0].isupper() and (len(word) == 1 or not word.isupper())


def find_names(text: str) -> Iterator[Found]:
    """Names the writer gives after "my name is", "I am", "this is", a sign-off, or their
    equivalents: first name and up to two more capitalised words."""
    for intro in _INTRO.finditer(text):
        lower_case_allowed = intro.group(1) is not None
        position, taken = intro.end(), []
        while len(taken) < 3:
            word = _NAME_WORD.match(text, position)
            if not word or word.group().lower() in _NOT_NAMES:
                break
            capitalised = _capitalised(word.group())
            first_word_lower = not taken and lower_case_allowed and \
                word.group().lower() not in _NAME_STOPWORDS
            second_word_lower = len(taken) == 1 and lower_case_allowed and \
                not text[taken[0][0]].isupper() and word.group().lower() not in _NAME_STOPWORDS
            if not (capitalised or first_word_lower or second_word_lower):
                break
            taken.append(word.span())
            gap = re.match(r"[ \t]+", text[word.end():])
            if not gap:
                break
            position = word.end() + gap.end()
        if taken:
            yield Found(taken[0][0], taken[-1][1], "name")
    for pattern in (_NAME_BEFORE, _DASH_SIGNATURE):
        for match in pattern.finditer(text):
            words = match.group(1).split()
            if all(map(_capitalised, words)) and words[0].lower() not in _NOT_NAMES:
                yield Found(*match.span(1), "name")


# --- Putting it together ----------------------------------------------------------------------

def find_personal_data(text: str) -> List[Found]:
    """Every piece of personal data in ``text``, in reading order, none overlapping."""
    found: List[Found] = []

    def keep(candidates: Iterable[Found]) -> None:
        for candidate in candidates:
            if candidate.end > candidate.start and not _overlaps(
                    candidate.start, candidate.end, [(f.start, f.end) for f in found]):
                found.append(candidate)

    # Cheap tests first: most messages (and most bot answers in a review item's context) have
    # no digit, no "@" and no phrase that introduces a name.
    words = set(re.findall(r"\w+", text.lower()))
    if "@" in text or not words.isdisjoint(_AT_WORDS):
        keep(find_emails(text))
    if any(char.isdigit() for char in text):
        protected = _protected(text)
        keep(find_ibans(text, protected))
        keep(find_national_ids(text, protected))
        keep(find_cards(text, protected))
        keep(find_accounts(text, protected))
        addresses = list(find_addresses(text))
        keep(sorted(addresses, key=lambda f: f.start - f.end))  # the longest reading first
        keep(find_phones(text, protected))
        keep(find_postcodes(text, protected, [f for f in found if f.kind == "address"]))
    if not words.isdisjoint(_NAME_CUES) or any(dash in text for dash in "-–—"):
        keep(find_names(text))
    return sorted(found, key=lambda f: f.start)


def mask_personal_data(text: str) -> str:
    """The message with each piece of personal data replaced by its kind in brackets
    (``[email]``, ``[phone]``, ...). Masking a masked message changes nothing."""
    text = text or ""
    parts, position = [], 0
    for found in find_personal_data(text):
        parts += [text[position:found.start], f"[{found.kind}]"]
        position = found.end
    return "".join(parts) + text[position:]


def training_text(masked: str, language: str = "en") -> str:
    """A masked message as a training example: placeholders become neutral values (emails
    and postcodes annotated as entities), order numbers ``[10000](order_number)``, and other
    square brackets round ones, so that nothing else reads as entity markup."""
    pieces = PLACEHOLDER.split(" ".join((masked or "").split()))
    out: List[str] = []
    for index, piece in enumerate(pieces):
        if index % 2:  # a placeholder's kind
            out.append(_training_value(piece, language))
        else:
            piece = piece.replace("[", "(").replace("]", ")")
            out.append(_ORDER_NUMBER.sub(ORDER_PLACEHOLDER, piece))
    return "".join(out)


def _training_value(kind: str, language: Optional[str]) -> str:
    language = language if language in TRAINING_ADDRESSES else "en"
    if kind == "address":
        return TRAINING_ADDRESSES[language]
    if kind == "postcode":
        return f"[{TRAINING_POSTCODES[language]}](postcode)"
    return TRAINING_VALUES[kind]
