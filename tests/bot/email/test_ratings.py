"""Rating a resolved email ticket: the survey email, its one-click links and what a click does,
against the real SQLite queue and survey store."""

import re
import time

import pytest

from bot.email.ratings import RatingLinks, accepted_language, rating_page, record_rating
from tests.bot.email.mails import shopper_email
from tests.bot.email.test_desk import ANNA, Desk, body

LINK = re.compile(r"https://chat\.shop\.test/webhooks/email/rating/(\S+)")


async def resolved_ticket(services, desk, text="This is unacceptable, my parcel is soaked."):
    outcome = await desk.desk.handle(shopper_email(text, message_id="<c1@client.test>"))
    services.handoff.claim(outcome.ticket_id, "alice")
    services.handoff.resolve(outcome.ticket_id)
    return outcome.ticket_id


def click(services, desk, token, now=None):
    return record_rating(token, desk.desk.rating_links, services.handoff, services.surveys,
                         services.email, now=now)


async def test_the_rating_email_has_five_one_click_links_in_the_thread(services):
    desk = Desk(services)
    ticket_id = await resolved_ticket(services, desk)
    assert await desk.desk.send_survey(ANNA, ticket_id)

    survey = desk.sent[-1]
    assert survey["To"] == ANNA and survey["In-Reply-To"] == "<c1@client.test>"
    assert survey["Auto-Submitted"] == "auto-replied"
    text = body(survey)
    assert ticket_id in text and "5/5 Very satisfied" in text and "1/5 Very dissatisfied" in text
    assert len(LINK.findall(text)) == 5
    page = survey.get_body(preferencelist=("html",)).get_content()
    assert len(re.findall(r'<a href="https://chat\.shop\.test/webhooks/email/rating/', page)) == 5
    assert 'lang="en"' in page


async def test_the_first_click_is_stored_with_the_ticket_and_later_ones_are_refused(services):
    desk = Desk(services)
    ticket_id = await resolved_ticket(services, desk)
    await desk.desk.send_survey(ANNA, ticket_id)
    links = dict((int(label.split("/")[0][-1]), token) for label, token in re.findall(
        r"(★+ \d)/5[^:]*: https://chat\.shop\.test/webhooks/email/rating/(\S+)",
        body(desk.sent[-1])))
    assert sorted(links) == [1, 2, 3, 4, 5]

    result = click(services, desk, links[4])
    assert (result.status, result.page, result.score) == (200, "thanks", 4)
    answers = services.surveys.survey_responses()
    assert [(a.kind, a.score, a.source, a.channel, a.human, a.ticket_id) for a in answers] == [
        ("csat", 4, "human", "email", True, ticket_id)]
    assert answers[0].conversation_id == f"email:{ANNA}" and "complaint" in answers[0].intents
    assert services.handoff.get(ticket_id).csat == 4

    # the same link again, or another rating of the same ticket: refused, nothing changes
    assert click(services, desk, links[4]).status == 409
    assert click(services, desk, links[1]).status == 409
    assert len(services.surveys.survey_responses()) == 1
    assert services.handoff.get(ticket_id).csat == 4


async def test_forged_and_expired_links_store_nothing(services):
    desk = Desk(services)
    ticket_id = await resolved_ticket(services, desk)
    links = desk.desk.rating_links
    good = links.token(ticket_id, 2)
    tampered = good.replace(f"{ticket_id}.2.", f"{ticket_id}.5.")
    foreign = RatingLinks.from_secret("another-secret", "https://x").token(ticket_id, 5)
    for token in (tampered, foreign, "", "junk", "H-1.5.9999999999.abc", good + "x"):
        assert click(services, desk, token).status == 400, token
    old = links.token(ticket_id, 3, now=time.time() - 31 * 86400)
    assert click(services, desk, old).status == 410
    assert click(services, desk, links.token("H-00000000", 5)).status == 410  # no such ticket
    assert services.surveys.survey_responses() == []
    assert services.handoff.get(ticket_id).csat is None


async def test_an_open_ticket_cannot_be_rated_and_the_rating_email_respects_the_limit(
        services):
    desk = Desk(services)
    outcome = await desk.desk.handle(shopper_email("This is unacceptable, my parcel is soaked."))
    assert click(services, desk, desk.desk.rating_links.token(outcome.ticket_id, 5)).status == 410
    services.handoff.claim(outcome.ticket_id, "alice")
    services.handoff.resolve(outcome.ticket_id)
    for index in range(3):  # the acknowledgement was the first of four emails this hour
        await desk.desk.handle(shopper_email(f"What is your return policy? ({index})"))
    sent = len(desk.sent)
    assert not await desk.desk.send_survey(ANNA, outcome.ticket_id)
    assert len(desk.sent) == sent
    # and never for a ticket of someone else's conversation
    assert not await desk.desk.send_survey("mikko@example.fi", outcome.ticket_id)


@pytest.mark.parametrize("page, status, words", [
    ("thanks", 200, "Kiitos arviostasi"), ("already", 409, "Arvioitu jo"),
    ("expired", 410, "Linkki on vanhentunut"), ("invalid", 400, "Linkki ei kelpaa"),
])
def test_the_page_says_what_happened_in_the_shoppers_language(page, status, words):
    from bot.email.ratings import RatingResult

    html = rating_page(RatingResult(status, page, "fi", 5 if status == 200 else None), "Northwind")
    assert '<html lang="fi">' in html and f"<h1>{words}</h1>" in html and "<main>" in html
    assert "<title>" in html and "viewport" in html and "<script" not in html
    if status == 200:
        assert "5/5, Erittäin tyytyväinen" in html


def test_the_browsers_language_is_used_when_the_ticket_is_unknown():
    assert accepted_language("nb-NO,nb;q=0.9,en;q=0.8") == "nb"
    assert accepted_language("de-DE,tr;q=0.5") == "tr"
    assert accepted_language(None) == "en" and accepted_language("xx") == "en"
