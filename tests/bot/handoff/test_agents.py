"""Agent accounts on both queue stores: a changed or removed account keeps no session, and a
login costs the same whether the user name exists."""

from datetime import datetime, timedelta

import pytest

from bot.handoff import agents


def test_a_new_password_ends_every_session_of_that_agent(store):
    store.add_agent("alice", "correct horse", "admin", "Alice")
    store.add_agent("bob", "battery staple")
    sessions = [store.start_session(store.authenticate("alice", "correct horse"))
                for _ in range(2)]
    bobs = store.start_session(store.authenticate("bob", "battery staple"))
    assert store.set_password("ALICE", "new horse staple").role == "admin"
    assert [store.session_agent(token) for token in sessions] == [None, None]
    assert store.session_agent(bobs).username == "bob"
    assert store.authenticate("alice", "correct horse") is None
    assert store.authenticate("alice", "new horse staple").display_name == "Alice"


def test_updating_an_account_ends_its_sessions(store):
    store.add_agent("alice", "correct horse", "agent")
    token = store.start_session(store.authenticate("alice", "correct horse"))
    store.add_agent("alice", "correct horse", "admin")  # e.g. a new role
    assert store.session_agent(token) is None


def test_removing_an_account_ends_its_sessions(store):
    store.add_agent("alice", "correct horse")
    token = store.start_session(store.authenticate("alice", "correct horse"))
    assert store.remove_agent("alice") is True
    assert store.session_agent(token) is None
    assert store.get_agent("alice") is None and store.list_agents() == []
    assert store.remove_agent("alice") is False


def test_password_rules_and_unknown_accounts(store):
    store.add_agent("alice", "correct horse")
    with pytest.raises(ValueError):
        store.set_password("alice", "short")
    with pytest.raises(KeyError):
        store.set_password("nobody", "long enough")
    assert store.authenticate("alice", "correct horse") is not None


def test_logging_out_everywhere(store):
    store.add_agent("alice", "correct horse")
    token = store.start_session(store.authenticate("alice", "correct horse"))
    store.end_sessions("Alice")
    assert store.session_agent(token) is None


def test_a_check_without_touch_leaves_the_agent_offline(store):
    store.add_agent("alice", "correct horse")
    token = store.start_session(store.authenticate("alice", "correct horse"))
    with store._transaction() as cur:  # seen long ago
        cur.execute(store._sql("UPDATE agent_sessions SET last_seen = ?"),
                    ((datetime.now() - timedelta(hours=1)).isoformat(),))
    assert store.session_agent(token, touch=False).username == "alice"
    assert store.agents_online() == []
    store.session_agent(token)
    assert [a.username for a in store.agents_online()] == ["alice"]


def test_unknown_user_names_cost_one_scrypt_like_known_ones(store, monkeypatch):
    store.add_agent("alice", "correct horse")
    calls = []
    original = agents.hash_password
    monkeypatch.setattr(agents, "hash_password", lambda *a: calls.append(a) or original(*a))
    assert store.authenticate("alice", "wrong horse") is None
    assert store.authenticate("nobody", "wrong horse") is None
    assert len(calls) == 2
    # The stand-in hash has the same form (and so the same scrypt cost) as a real one.
    assert agents.UNKNOWN_USER_HASH.split("$")[0] == "scrypt"
    assert not agents.check_password("", agents.UNKNOWN_USER_HASH)
