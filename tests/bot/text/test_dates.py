from datetime import date

import pytest

from bot.text.dates import find_dates

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize("text, expected", [
    ("charged twice on 24.11.2026", date(2026, 11, 24)),
    ("tilaus tuli 2026-11-20", date(2026, 11, 20)),
    ("pembayaran tgl 25/11 gagal", date(2026, 11, 25)),
    ("it happened yesterday", date(2026, 11, 25)),
    ("veloitettiin eilen kahdesti", date(2026, 11, 25)),
    ("dun iki kez cekildi", date(2026, 11, 25)),
    ("вчора списали двічі", date(2026, 11, 25)),
    ("kemarin kepotong dua kali", date(2026, 11, 25)),
    ("trukket to ganger i går", date(2026, 11, 25)),
    ("leveres i morgen?", date(2026, 11, 27)),
    ("1.3.26 klo 10", date(2026, 3, 1)),
])
def test_dates_in_every_language(text, expected):
    assert [found.value for found in find_dates(text, TODAY)] == [expected]


@pytest.mark.parametrize("text", ["order 10023", "it costs 10.5 eur", "31.02.2026",
                                  "size 42", "dunya", "todayish"])
def test_things_that_are_not_dates(text):
    assert find_dates(text, TODAY) == []
