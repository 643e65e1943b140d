"""The shop's catalogue as the assistant knows it: read from the shop backend, kept in memory and
read again every few minutes, with a matcher that finds the products a shopper names.

The matcher knows nothing of any particular shop. It compares words case- and accent-insensitively
and tolerates what shoppers do to product names: plurals and case endings ("jackets",
"parkaa", "ceketin"), a changed last letter or two of a longer stem ("sadetakin" for
"sadetakki"), a typo in a longer word ("jaket"), a hyphen more or less ("tshirt"), and part of a
name when that part names one product only ("the kestrel" for "Kestrel Trail Parka"). Other
names per language come from the shop (``Product.synonyms``).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from bot.shop.models import Product, ShopError
from bot.text.normalise import fold

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]+")
#: Shortest word compared by its beginning (shorter words must be written exactly).
MIN_STEM = 4
#: Longest ending a shopper's word may add to a product word ("ceket" + "lerinizden").
MAX_ENDING = 10


def fold_word(word: str) -> str:
    """A word as the matcher compares it: lower case, no accents, Turkish dotless i as i."""
    return fold(word).replace("ı", "i")


def words(text: str) -> List[Tuple[int, int, str]]:
    """``(start, end, folded word)`` of every word in ``text``."""
    return [(m.start(), m.end(), fold_word(m.group())) for m in _WORD.finditer(text or "")]


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) <= 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])  # swapped letters
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(shorter) and shorter[i] == longer[i]:
        i += 1
    return shorter[i:] == longer[i + 1:]


def word_similarity(product_word: str, said: str) -> float:
    """How well a shopper's word stands for a word of a product name (0: not at all).

    1.0 the same word; 0.9 the word with an ending ("parkaa", "jackets") or without its last
    letters ("boot"); 0.8 the same stem with a changed last letter or two, or one typo.
    """
    p, m = product_word, said
    if p == m:
        return 1.0
    if len(p) < MIN_STEM or len(m) < MIN_STEM:
        return 0.0
    if m.startswith(p) and len(m) - len(p) <= MAX_ENDING:
        return 0.9
    if p.startswith(m) and len(p) - len(m) <= 2:
        return 0.9
    common = 0
    for a, b in zip(p, m):
        if a != b:
            break
        common += 1
    # Consonant gradation and softening change the end of a stem: takki/takin, kitap/kitabı.
    if common >= MIN_STEM and common >= len(p) - (1 if len(p) <= 6 else 2):
        return 0.8
    if len(p) >= 5 and _edit_distance_at_most_one(p, m):
        return 0.8
    return 0.0


@dataclass(frozen=True)
class ProductMention:
    """A product named in a message."""

    product: Product
    start: int
    end: int
    text: str  # as the shopper wrote it
    score: float


@dataclass(frozen=True)
class _Phrase:
    words: Tuple[str, ...]
    product: int  # index into the catalogue


def _phrases_of(name: str) -> List[Tuple[str, ...]]:
    """A name's word sequences: split at hyphens, and with hyphenated parts joined."""
    split = tuple(w for _, _, w in words(name))
    joined = tuple(fold_word(re.sub(r"[\W_]", "", part))
                   for part in re.split(r"\s+", name.strip()) if re.sub(r"[\W_]", "", part))
    return [split] + ([joined] if joined != split and joined else [])


class ProductMatcher:
    """Finds the products of one catalogue in shoppers' messages.

    Args:
        products: The catalogue.
    """

    def __init__(self, products: Iterable[Product]) -> None:
        self.products: List[Product] = list(products)
        self._phrases: List[_Phrase] = []
        self._names: Dict[str, int] = {}
        #: Phrase words by their first two letters: the candidates for a shopper's word.
        self._index: Dict[str, List[Tuple[int, int]]] = defaultdict(list)
        for number, product in enumerate(self.products):
            self._names.setdefault(" ".join(w for _, _, w in words(product.name)), number)
            names = [product.name] + [n for _, synonyms in product.synonyms for n in synonyms]
            for name in names:
                for phrase_words in _phrases_of(name):
                    if not phrase_words:
                        continue
                    phrase_id = len(self._phrases)
                    self._phrases.append(_Phrase(phrase_words, number))
                    for position, word in enumerate(phrase_words):
                        self._index[word[:2]].append((phrase_id, position))

    def __len__(self) -> int:
        return len(self.products)

    def categories(self) -> List[str]:
        """The catalogue's categories, the largest first (ties in catalogue order)."""
        counts: Dict[str, int] = {}
        for product in self.products:
            if product.category:
                counts[product.category] = counts.get(product.category, 0) + 1
        order = list(counts)
        return sorted(order, key=lambda c: (-counts[c], order.index(c)))

    def by_name(self, name: Optional[str]) -> Optional[Product]:
        """The product with exactly this name (case and accents aside)."""
        number = self._names.get(" ".join(w for _, _, w in words(name or "")))
        return self.products[number] if number is not None else None

    def best(self, text: Optional[str]) -> Optional[Product]:
        """The product a text names: its exact name, else the best mention in it."""
        exact = self.by_name(text)
        if exact is not None:
            return exact
        mentions = self.find(text)
        return max(mentions, key=lambda m: m.score).product if mentions else None

    def find(self, text: Optional[str]) -> List[ProductMention]:
        """Every product named in ``text``, in the order written; overlapping readings are
        settled for the better one."""
        said = words(text or "")
        if not said or not self._phrases:
            return []
        hits: Dict[int, Dict[int, List[Tuple[int, float]]]] = defaultdict(
            lambda: defaultdict(list))  # phrase -> token -> [(word position, similarity)]
        readings: Dict[int, Set[int]] = defaultdict(set)  # token -> products it may stand for
        for token, (_, _, word) in enumerate(said):
            for phrase_id, position in self._candidates(word):
                similarity = word_similarity(self._phrases[phrase_id].words[position], word)
                if similarity:
                    hits[phrase_id][token].append((position, similarity))
                    readings[token].add(self._phrases[phrase_id].product)
        found: List[Tuple[float, int, int, int]] = []  # (score, first token, last token, product)
        for phrase_id, by_token in hits.items():
            found += self._spans(self._phrases[phrase_id], by_token, readings)
        chosen: List[Tuple[float, int, int, int]] = []
        for candidate in sorted(found, key=lambda c: (-c[0], c[1] - c[2])):
            if all(candidate[2] < c[1] or candidate[1] > c[2] for c in chosen):
                chosen.append(candidate)
        chosen.sort(key=lambda c: c[1])
        return [ProductMention(self.products[product], said[first][0], said[last][1],
                               text[said[first][0]:said[last][1]], round(score, 3))
                for score, first, last, product in chosen]

    def _candidates(self, word: str) -> List[Tuple[int, int]]:
        return self._index.get(word[:2], [])

    def _spans(self, phrase: _Phrase, by_token: Dict[int, List[Tuple[int, float]]],
               readings: Dict[int, Set[int]]) -> List[Tuple[float, int, int, int]]:
        """Runs of consecutive words that stand for the phrase's words in order, kept when they
        name its product: the whole phrase, or words that can stand for no other product."""
        spans = []
        for start in sorted(by_token):
            if start - 1 in by_token:
                continue  # part of a run that started earlier
            matched: List[Tuple[int, float]] = []
            token = start
            while token in by_token:
                later = [hit for hit in by_token[token]
                         if not matched or hit[0] > matched[-1][0]]
                if not later:
                    break
                matched.append(max(later, key=lambda hit: (hit[1], -hit[0])))
                token += 1
            if matched:
                products = set.intersection(*(readings[t]
                                              for t in range(start, start + len(matched))))
                score = self._score(phrase, matched, products)
                if score:
                    spans.append((score, start, start + len(matched) - 1, phrase.product))
        return spans

    def _score(self, phrase: _Phrase, matched: Sequence[Tuple[int, float]],
               products: Set[int]) -> float:
        """How surely the matched words name the phrase's product (0: they do not); ``products``
        are those the same words could all stand for."""
        strength = sum(similarity for _, similarity in matched) / len(matched)
        if len(matched) == len(phrase.words):
            return 2.0 + strength + 0.01 * len(matched)
        if products != {phrase.product}:
            return 0.0  # "jacket" alone, "wool" (socks, or a wooly hat?): which one?
        if len(matched) == 1:
            position, similarity = matched[0]
            # One word alone must be written out (an ending allowed), be more than a short
            # common word, and be the name's first or last (a brand, a kind of thing), not a
            # word that describes ("Trail", "Enamel").
            if similarity < 0.9 or len(phrase.words[position]) < 5 \
                    or position not in (0, len(phrase.words) - 1):
                return 0.0
        elif min(similarity for _, similarity in matched) < 0.8:
            return 0.0
        return 1.0 + strength * len(matched) / len(phrase.words)


Loader = Callable[[], Sequence[Product]]


class Catalogue:
    """The catalogue read from the shop, kept in memory and read again every few minutes.

    Reading never blocks a caller of :meth:`current`; :meth:`matcher` reads again when the
    catalogue is older than ``refresh_seconds`` (the actions, on their worker thread), and
    :meth:`start_refreshing` keeps it fresh from a thread of its own (the NLU component). A
    failed read keeps what was read before and is tried again after ``retry_seconds``.

    Args:
        load: Reads the whole catalogue from the shop (``ShopBackend.all_products``).
        refresh_seconds: How old the catalogue may get.
        retry_seconds: How soon a failed read is tried again (at most ``refresh_seconds``).
        clock: Monotonic seconds (tests pass their own).
    """

    def __init__(self, load: Loader, refresh_seconds: float = 600.0,
                 retry_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self._load = load
        self.refresh_seconds = float(refresh_seconds)
        self.retry_seconds = min(float(retry_seconds), self.refresh_seconds)
        self._clock = clock
        self._matcher = ProductMatcher(())
        self._loaded = False
        self._next_read = float("-inf")
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    @property
    def loaded(self) -> bool:
        """True once the catalogue was read from the shop at least once."""
        return self._loaded

    def current(self) -> ProductMatcher:
        """The matcher of the catalogue as last read (empty before the first read)."""
        return self._matcher

    def matcher(self) -> ProductMatcher:
        """The matcher, after reading the catalogue again if it is due."""
        if self._clock() >= self._next_read:
            self.refresh()
        return self._matcher

    def refresh(self) -> bool:
        """Read the catalogue now; on failure keep the last one. True when it was read."""
        with self._lock:
            try:
                products = list(self._load())
            except Exception as error:  # noqa: BLE001 - a bad read must not end the refreshing
                # One line that says what it means for the assistant (the shop backend has
                # logged the call and its status); the traceback for those who debug.
                reason = str(error) if isinstance(error, ShopError) else type(error).__name__
                logger.warning("product catalogue not read (%s); %s", reason,
                               "keeping the last one" if self._loaded else "no products yet")
                logger.debug("product catalogue not read", exc_info=error)
                self._next_read = self._clock() + self.retry_seconds
                return False
            changed = not self._loaded or len(products) != len(self._matcher)
            self._matcher = ProductMatcher(products)
            self._loaded = True
            self._next_read = self._clock() + self.refresh_seconds
            logger.log(logging.INFO if changed else logging.DEBUG,
                       "product catalogue read: %d products", len(products))
            return True

    def start_refreshing(self) -> None:
        """Read the catalogue now and then every ``refresh_seconds`` on a daemon thread."""
        if self._thread is not None:
            return
        self.refresh()
        self._thread = threading.Thread(target=self._keep_fresh, daemon=True,
                                        name="catalogue-refresh")
        self._thread.start()

    def stop(self) -> None:
        """End the refreshing thread (tests)."""
        self._stop.set()

    def _keep_fresh(self) -> None:
        while not self._stop.wait(max(0.05, self._next_read - self._clock())):
            self.refresh()
