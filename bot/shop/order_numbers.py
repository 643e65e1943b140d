"""What the shop's order numbers look like: one pattern from the settings (``shop_profile``),
used by the NLU's order-number extractor, the forms' validation and the verification alike.

The installation's format is set once from the settings (:func:`use_order_number_format`, called
by ``bot.shop.build_order_service`` and the NLU component); until then the demo shop's format
(5 or 6 digits) applies.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import List, Optional, Pattern, Tuple

DEFAULT_PATTERN = r"\d{5,6}"
DEFAULT_EXAMPLE = "10023"


@dataclass(frozen=True)
class OrderNumberFormat:
    """One order-number format.

    Attributes:
        pattern: A regular expression for one order number, e.g. ``\\d{7}`` or ``NW-\\d{6}``.
            Letters match in either case; a number must stand on its own (not inside a longer
            number, a word or an email address).
        example: A number in that format, shown in the prompts.
    """

    pattern: str = DEFAULT_PATTERN
    example: str = DEFAULT_EXAMPLE
    _compiled: Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled = re.compile(rf"(?<![\w@.\-])#?(?P<number>{self.pattern})(?![\w@])",
                              re.IGNORECASE)
        object.__setattr__(self, "_compiled", compiled)

    def find(self, text: Optional[str]) -> List[Tuple[int, int, str]]:
        """Every order number in ``text``: ``(start, end, normalised number)``; the span
        includes a leading ``#``."""
        if not text:
            return []
        return [(match.start(), match.end(), self._canonical(match.group("number")))
                for match in self._compiled.finditer(str(text))]

    def normalise(self, text: Optional[str]) -> Optional[str]:
        """``'#10023'``, ``' 10023.'`` and ``'order 10023'`` all become ``'10023'``; None when
        the text holds no order number of this format."""
        found = self.find(text)
        return found[0][2] if found else None

    def _canonical(self, number: str) -> str:
        # Letters in the example's case: "nw-100234" is the same order as "NW-100234".
        if self.example.upper() == self.example:
            return number.upper()
        if self.example.lower() == self.example:
            return number.lower()
        return number


DEMO_FORMAT = OrderNumberFormat()
_lock = threading.Lock()
_current: List[OrderNumberFormat] = [DEMO_FORMAT]


def use_order_number_format(order_numbers: OrderNumberFormat) -> None:
    """Make ``order_numbers`` this process's format (from the settings, at start-up)."""
    with _lock:
        _current[0] = order_numbers


def current_order_number_format() -> OrderNumberFormat:
    """This process's order-number format."""
    return _current[0]


def normalise_order_number(text: Optional[str],
                           order_numbers: Optional[OrderNumberFormat] = None) -> Optional[str]:
    """The order number in ``text`` in this process's format (or ``order_numbers``), else None."""
    return (order_numbers or current_order_number_format()).normalise(text)
