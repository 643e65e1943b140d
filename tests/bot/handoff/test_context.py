from bot.handoff import agent_slots, detected_intents, summarise, transcript_from_events

EVENTS = [
    {"event": "user", "text": "old session", "timestamp": 0.5, "parse_data": {}},
    {"event": "session_started", "timestamp": 0.9},
    {"event": "user", "text": "where is 10023", "timestamp": 1.0,
     "parse_data": {"intent": {"name": "order_status", "confidence": 0.91}}},
    {"event": "bot", "text": "Your email?", "timestamp": 1.1},
    {"event": "action", "name": "order_status_form", "timestamp": 1.1},
    {"event": "user", "text": "this is useless, get me a human", "timestamp": 2.0,
     "parse_data": {"intent": {"name": "talk_to_human", "confidence": 0.88}}},
]


def test_transcript_is_the_current_session():
    lines = transcript_from_events(EVENTS)
    assert [(line.sender, line.text) for line in lines] == [
        ("shopper", "where is 10023"), ("bot", "Your email?"),
        ("shopper", "this is useless, get me a human")]
    assert detected_intents(lines)[0] == {"text": "where is 10023", "intent": "order_status",
                                          "confidence": 0.91}


def test_summary_is_one_line_with_reason_order_and_last_words():
    lines = transcript_from_events(EVENTS)
    summary = summarise("talk_to_human", lines, {"order_number": "10023", "task": "order_status"},
                        "Anna Virtanen")
    assert "\n" not in summary
    assert summary.startswith("Anna Virtanen asked for a person while on order status")
    assert "(order 10023, not verified)" in summary
    assert "get me a human" in summary


def test_agent_slots_leave_out_empty_and_unrelated_slots():
    assert agent_slots({"order_number": "10023", "email": "a@b.fi", "task": None,
                        "requested_slot": "x"}) == {"order_number": "10023"}
