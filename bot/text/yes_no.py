"""A "no" at a yes/no question, in the assistant's languages, when the classifier did not take
the message for one: "hmm wait, no, don't cancel it", "ei sittenkään, älä peru".

Only "no" is read this way. Taking a message for a "no" it was not keeps an order as it is;
taking one for a "yes" would change it, so a "yes" always needs the classifier.
"""

from __future__ import annotations

import re

from bot.text.normalise import fold

#: Words that say "no" or "don't" at the start of an answer (folded: lower case, no
#: diacritics), per language: en, fi, nb, tr, id, uk.
NO_WORDS = frozenset({
    "no", "nope", "nah", "not", "dont", "don't", "never",
    "ei", "en", "ala", "eipa", "eiku",
    "nei", "neida", "ikke", "ikkje",
    "hayir", "yok", "istemiyorum", "vazgectim", "etme",
    "tidak", "tdk", "gak", "ga", "nggak", "ngga", "enggak", "gk", "jangan", "engga",
    "ні", "нi", "нє", "не", "нет", "неа",
})
#: How many words into the answer a "no" may come ("hmm wait, actually no").
_LEAD = 4


def starts_with_no(text: str) -> bool:
    """True when one of the answer's first few words says "no"."""
    words = re.findall(r"[\w']+", fold(text or ""))[:_LEAD]
    return any(word in NO_WORDS for word in words)
