"""The support lead's dashboard API through Sanic's test client, on the KPI fixture stores."""

import csv
import io
import re
from dataclasses import replace

import pytest

from bot.console.app import create_app
from bot.settings import load_settings
from tests.bot.console.test_app import login
from tests.bot.kpi.fixture import build
from tests.fakes.conversations import FakeConversationControl


@pytest.fixture
def app(tmp_path, request):
    url, queue = build(tmp_path)
    queue.add_agent("lena", "lena-password", "lead", "Lena")
    queue.add_agent("alice", "alice-password", "agent", "Alice")
    settings = replace(load_settings(env={}), tracker_store_url=url)
    yield create_app(settings, queue, FakeConversationControl(),
                     name=re.sub(r"\W", "_", f"dash_{request.node.name}")[:60], notify_interval=0)
    queue.close()


WEEK = "since=2026-03-02&until=2026-03-08"


def test_only_leads_and_admins_see_the_figures(app):
    _, response = app.test_client.get(f"/api/kpis?{WEEK}")
    assert response.status == 401
    _, response = app.test_client.get(f"/api/kpis?{WEEK}", **login(app))
    assert response.status == 403
    _, response = app.test_client.get("/dashboard", allow_redirects=False, **login(app))
    assert response.status == 403
    _, response = app.test_client.get("/dashboard", allow_redirects=False)
    assert response.headers["location"] == "/login"


def test_a_lead_lands_on_the_dashboard_and_reads_the_kpis(app):
    _, response = app.test_client.post("/login", data={"username": "lena",
                                                       "password": "lena-password"},
                                       allow_redirects=False)
    assert response.headers["location"] == "/dashboard"
    auth = login(app, "lena", "lena-password")
    _, response = app.test_client.get(f"/api/kpis?{WEEK}", **auth)
    assert response.status == 200
    assert response.json["conversations"] == 5 and response.json["containment"] == 0.6
    _, response = app.test_client.get(f"/api/kpis?{WEEK}&language=fi", **auth)
    assert response.json["conversations"] == 1 and response.json["csat"] == 1.0
    _, response = app.test_client.get(f"/api/kpis?{WEEK}&channel=telegram", **auth)
    assert response.json["handoff_rate"] == 1.0


def test_csv_export(app):
    auth = login(app, "lena", "lena-password")
    _, response = app.test_client.get(f"/api/kpis.csv?{WEEK}", **auth)
    assert response.status == 200 and response.content_type.startswith("text/csv")
    assert "kpis-2026-03-02-2026-03-08.csv" in response.headers["content-disposition"]
    rows = {(r[0], r[1]): r[2] for r in csv.reader(io.StringIO(response.text))}
    assert rows[("summary", "conversations")] == "5"


@pytest.mark.parametrize("query", ["since=yesterday", "since=2026-03-09&until=2026-03-01",
                                   "since=2020-01-01&until=2026-01-01", "language=xx",
                                   "channel=<script>"])
def test_bad_filters_get_a_400(app, query):
    _, response = app.test_client.get(f"/api/kpis?{query}",
                                      **login(app, "lena", "lena-password"))
    assert response.status == 400 and response.json["error"]
