import pytest

from bot.text.yes_no import starts_with_no


@pytest.mark.parametrize("text", [
    "hmm wait actually no, dont cancel it. my wife says we need them",
    "nope leave it", "hmm odota... ei sittenkään, älä peru", "Nei, la den stå",
    "hayır iptal etme", "gak jadi deh, jangan dibatalin", "ні, не скасовуйте", "NO!!",
])
def test_a_no_near_the_start_is_read_as_no(text):
    assert starts_with_no(text)


@pytest.mark.parametrize("text", [
    "yes please", "joo kyllä", "evet", "iya", "так", "ja takk", "",
    "go ahead, I'm sure I don't need it anymore",  # the "no" words come too late to count
])
def test_other_answers_are_not(text):
    assert not starts_with_no(text)
