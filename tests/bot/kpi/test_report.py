"""Every KPI on a fixture set of conversations whose answers are known by hand."""

import csv
import io
from datetime import date

import pytest

from bot.kpi import Filters, SQLEventSource, kpi_report, nps_score, to_csv
from tests.bot.kpi.fixture import build

WEEK = Filters(date(2026, 3, 2), date(2026, 3, 8), timezone="Europe/Helsinki")


@pytest.fixture
def stores(tmp_path):
    url, queue = build(tmp_path)
    yield SQLEventSource(url), queue
    queue.close()


def test_volume_containment_and_handoffs(stores):
    report = kpi_report(*stores, WEEK)
    assert report.conversations == 5
    assert report.task_conversations == 5
    assert report.contained == 3 and report.containment == 0.6
    assert report.handoffs == 2 and report.handoff_rate == 0.4
    assert dict(report.handoff_reasons) == {"talk_to_human": 1, "complaint": 1}


def test_response_and_resolution_times(stores):
    report = kpi_report(*stores, WEEK)
    # Bot: 1, 2, 3, 3, 1 seconds to the first reply; median 2.
    assert (report.first_response_bot.count, report.first_response_bot.median) == (5, 2.0)
    # Person: ticket at +61 s, agent's first message at +181 s.
    assert (report.first_response_human.count, report.first_response_human.median) == (1, 120.0)
    assert report.resolution_human.median == 539.0
    # Bot-solved conversations: last bot message 30, 12 and 12 s after the first message.
    assert report.resolution_bot.count == 3 and report.resolution_bot.median == 12.0


def test_repeat_contacts_top_intents_and_complaints(stores):
    report = kpi_report(*stores, WEEK)
    assert report.repeat_contacts == 1 and report.repeat_rate == 0.2
    assert report.repeat_topics == [("order_status", 1)]
    assert report.top_intents[0] == ("order_status", 3)
    assert "inform" not in dict(report.top_intents)  # not a topic
    assert report.complaint_topics == [("return_item", 1)]


def test_faq_answers_to_fix(stores):
    report = kpi_report(*stores, WEEK)
    assert report.faq_to_fix == [{"faq": "return_policy", "answered": 1, "then_handoff": 1,
                                  "low_rating": 1, "share": 1.0}]


def test_busiest_hours_in_the_shops_time_zone(stores):
    report = kpi_report(*stores, WEEK)
    assert report.busiest_hours[0][10] == 2  # Monday 10:00: two shopper messages
    assert sum(map(sum, report.busiest_hours)) == 10


def test_csat_nps_and_trends(stores):
    report = kpi_report(*stores, WEEK)
    assert (report.csat, report.csat_answers) == (3.0, 2)
    assert (report.nps, report.nps_answers) == (0.0, 2)
    assert report.surveys_declined == 1
    assert [row["period"] for row in report.trend] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert report.trend[0]["csat"] == 5.0 and report.trend[0]["nps"] == 100.0


def test_per_language_and_channel(stores):
    report = kpi_report(*stores, WEEK)
    assert report.by_language["fi"].conversations == 1
    assert report.by_language["fi"].csat == 1.0
    assert report.by_language["en"].containment == 0.75
    assert report.by_channel["telegram"].handoff_rate == 1.0


def test_the_per_language_shares_split_the_same_conversations(stores):
    report = kpi_report(*stores, WEEK)
    for group in list(report.by_language.values()) + list(report.by_channel.values()):
        assert group.solved_by_bot + group.handed_to_person + group.other == pytest.approx(1.0)
        # Solved by the bot never counts a conversation that went to a person.
        assert group.solved_by_bot <= 1 - group.handed_to_person
    english = report.by_language["en"]
    assert english.handed_to_person == english.handoff_rate
    assert english.solved_by_bot <= english.containment


def test_filters_narrow_everything(stores):
    finnish = kpi_report(*stores, Filters(WEEK.since, WEEK.until, language="fi",
                                          timezone=WEEK.timezone))
    assert finnish.conversations == 1 and finnish.csat == 1.0 and finnish.nps is None
    first_day = kpi_report(*stores, Filters(date(2026, 3, 2), date(2026, 3, 2),
                                            timezone=WEEK.timezone))
    assert first_day.conversations == 1 and first_day.containment == 1.0


def test_repeat_contact_on_the_first_day_of_the_range_looks_back(stores):
    report = kpi_report(*stores, Filters(date(2026, 3, 6), date(2026, 3, 8),
                                         timezone=WEEK.timezone))
    assert report.conversations == 2  # c4 and c5
    assert report.repeat_contacts == 1  # c4 repeats c3, which is before the range


def test_nps_score():
    assert nps_score([10, 9, 8, 7, 0]) == 20.0
    assert nps_score([]) is None


def test_csv_export_has_every_section(stores):
    rows = list(csv.reader(io.StringIO(to_csv(kpi_report(*stores, WEEK)))))
    assert rows[0] == ["section", "name", "value"]
    found = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert found[("summary", "containment")] == "0.6"
    assert found[("handoff_reasons", "complaint")] == "1"
    assert found[("messages_by_hour", "Mon 10:00")] == "2"
    assert found[("by_language", "fi csat")] == "1.0"
    assert ("faq_to_fix", "return_policy") in found


def test_an_empty_tracker_store_gives_an_empty_report(tmp_path, stores):
    report = kpi_report(SQLEventSource(f"sqlite:///{tmp_path / 'none.db'}"), stores[1], WEEK)
    assert report.conversations == 0 and report.containment is None
