import pytest

from bot.shop import parse_address


@pytest.mark.parametrize("text, country, street, postcode, city", [
    ("Mannerheimintie 5 A 12, 00100 Helsinki", "FI", "Mannerheimintie 5 A 12", "00100",
     "Helsinki"),
    ("hameenkatu 5, 33100 tampere", "FI", "hameenkatu 5", "33100", "Tampere"),
    ("Karl Johans gate 8, 0154 Oslo, Norway", "NO", "Karl Johans gate 8", "0154", "Oslo"),
    ("Drottninggatan 10, 111 51 Stockholm, Sverige", "SE", "Drottninggatan 10", "111 51",
     "Stockholm"),
    ("Bagdat Caddesi 140 34728 Istanbul", "TR", "Bagdat Caddesi 140", "34728", "Istanbul"),
])
def test_valid_addresses_are_read(text, country, street, postcode, city):
    default = "TR" if "Istanbul" in text else "FI"
    address, problems = parse_address(text, "Anna", default)
    assert problems == []
    assert (address.country, address.street, address.postcode, address.city) == \
        (country, street, postcode, city)


@pytest.mark.parametrize("text, field", [
    ("", "address"),
    ("00100 Helsinki", "street"),
    ("Kauppakatu 3, 1234 Turku", "postcode"),  # Finnish postcodes have five digits
    ("Mannerheimintie 5, 00100", "postcode"),
    ("<script>alert(1)</script>", "address"),
    ("x" * 500, "address"),
    ("Main Street 1, 12345 Springfield, USA", "postcode"),
])
def test_invalid_addresses_name_the_problem(text, field):
    address, problems = parse_address(text, "Anna", "FI")
    assert address is None
    assert problems[0].field == field
