import json

import pytest

from bot.runtime.channels.rest import request_problem


@pytest.mark.parametrize("body, status", [
    (b"{bad json", 400),
    (b"[]", 400),
    (b'"hi"', 400),
    (b'{"sender": "x"}', 400),
    (b'{"sender": "x", "message": 123}', 400),
    (b'{"sender": {"a": 1}, "message": "hi"}', 400),
    (b'{"sender": "", "message": "hi"}', 400),
    (b'{"sender": "x", "message": "hi", "metadata": "token"}', 400),
    (json.dumps({"sender": "x", "message": "a" * 10_001}).encode(), 413),
    (b"\xff\xfe", 400),
])
def test_malformed_requests_are_refused(body, status):
    assert request_problem(body)[0] == status


@pytest.mark.parametrize("payload", [
    {"sender": "x", "message": ""},
    {"message": "hi"},
    {"sender": "x", "message": "a" * 10_000, "metadata": {"customer_token": "t"}},
])
def test_wellformed_requests_pass(payload):
    assert request_problem(json.dumps(payload).encode()) is None
