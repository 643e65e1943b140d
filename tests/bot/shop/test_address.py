import pytest

from bot.shop import parse_address
from bot.shop.address import ADDRESS_EXAMPLES


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


@pytest.mark.parametrize("text, country, street, postcode, city", [
    # Words introducing the address are not part of the street.
    ("Uus osoite on Hämeenkatu 15 B 22, 33100 Tampere", "FI", "Hämeenkatu 15 B 22", "33100",
     "Tampere"),
    ("Ny adresse: Thorvald Meyers gate 45B, 0555 Oslo", "NO", "Thorvald Meyers gate 45B", "0555",
     "Oslo"),
    ("new address is Flat 3, 27 Elm Road, 00170 Helsinki", "FI", "Flat 3, 27 Elm Road", "00170",
     "Helsinki"),
    # The postcode after the city, as Indonesian and Ukrainian addresses have it.
    ("Alamat baru: Jl. Melati No. 12, RT 03/RW 05, Kota Depok, Jawa Barat 16415", "ID",
     "Jl. Melati No. 12, RT 03/RW 05, Kota Depok", "16415", "Jawa Barat"),
    ("вул. Шевченка 14, кв. 7, м. Львів, 79005", "UA", "вул. Шевченка 14, кв. 7", "79005",
     "м. Львів"),
    # A district and a city with a slash; "No:45" keeps its colon.
    ("Yeni adres: Moda Cad. No:45 D:7, 34710 Kadıköy/İstanbul", "TR", "Moda Cad. No:45 D:7",
     "34710", "Kadıköy/İstanbul"),
])
def test_addresses_as_shoppers_write_them(text, country, street, postcode, city):
    address, problems = parse_address(text, "Anna", country)
    assert problems == []
    assert (address.street, address.postcode, address.city) == (street, postcode, city)


@pytest.mark.parametrize("country", sorted(ADDRESS_EXAMPLES))
def test_each_countrys_example_is_an_address_there(country):
    address, problems = parse_address(ADDRESS_EXAMPLES[country], "Anna", country)
    assert problems == [] and address.country == country


def test_a_reply_that_is_not_an_address_is_not_read_as_one():
    for text in ("yes thats correct", "Brilliant, thank you so much. Have a good day!",
                 "Flat 3, 27 Wellington Road, Manchester M14 6EQ"):
        assert parse_address(text, "Anna", "TR")[0] is None
