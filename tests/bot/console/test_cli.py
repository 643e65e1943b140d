"""``python -m bot.console``'s account commands: a changed or removed account is logged out."""

import io

import pytest

from bot.console.__main__ import main
from bot.handoff import SQLiteHandoffQueue


@pytest.fixture
def accounts(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOP_ASSISTANT_VAR", str(tmp_path))
    monkeypatch.setenv("ENDPOINTS_FILE", str(tmp_path / "endpoints.yml"))
    monkeypatch.setenv("HANDOFF_DB_PATH", str(tmp_path / "handoff.db"))
    store = SQLiteHandoffQueue(tmp_path / "handoff.db")
    store.add_agent("alice", "correct horse", "admin", "Alice")
    yield store
    store.close()


def run(monkeypatch, *argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def test_set_password_keeps_the_role_and_logs_the_agent_out(accounts, monkeypatch, capsys):
    token = accounts.start_session(accounts.authenticate("alice", "correct horse"))
    assert run(monkeypatch, "set-password", "alice", "--password-stdin",
               stdin="battery staple\n") == 0
    assert accounts.session_agent(token) is None
    assert accounts.authenticate("alice", "battery staple").role == "admin"
    assert run(monkeypatch, "set-password", "nobody", "--password-stdin",
               stdin="battery staple\n") == 1
    assert "no agent 'nobody'" in capsys.readouterr().err


def test_remove_agent_logs_the_agent_out(accounts, monkeypatch, capsys):
    token = accounts.start_session(accounts.authenticate("alice", "correct horse"))
    assert run(monkeypatch, "remove-agent", "alice") == 0
    assert accounts.session_agent(token) is None and accounts.list_agents() == []
    assert run(monkeypatch, "remove-agent", "alice") == 1
