"""Support agents: accounts with hashed passwords, roles and login sessions.

Stored beside the tickets (same SQLite file or PostgreSQL database) so that every console and
the action server see the same agents and who is online.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional, Protocol

ROLES = ("agent", "admin", "trainer", "lead")
SESSION_HOURS = 12
ONLINE_MINUTES = 2

AGENT_SCHEMA = """
CREATE TABLE IF NOT EXISTS agents (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS agent_sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Agent:
    username: str
    display_name: str
    role: str


class AgentAccounts(Protocol):
    """Accounts and sessions of the people working the queue."""

    def add_agent(self, username: str, password: str, role: str = "agent",
                  display_name: Optional[str] = None) -> Agent:
        """Create or update an account."""

    def authenticate(self, username: str, password: str) -> Optional[Agent]:
        """The agent if the password is right."""

    def start_session(self, agent: Agent) -> str:
        """A new session token for the agent (only its hash is stored)."""

    def session_agent(self, token: str) -> Optional[Agent]:
        """The agent behind a live session token; marks them online."""

    def end_session(self, token: str) -> None:
        """Log out."""

    def agents_online(self) -> List[Agent]:
        """Agents seen in the last few minutes."""

    def list_agents(self) -> List[Agent]:
        """Every account."""


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    """scrypt hash with a random salt, as ``scrypt$<salt hex>$<hash hex>``."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Constant-time comparison with a stored hash."""
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hash_password(password, bytes.fromhex(salt)).split("$")[2]
    return hmac.compare_digest(candidate, digest)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SQLAgentAccounts:
    """Mixin for SQLHandoffQueue: the same connection serves tickets and accounts."""

    def add_agent(self, username: str, password: str, role: str = "agent",
                  display_name: Optional[str] = None) -> Agent:
        username = username.strip().lower()
        if not username or len(username) > 64 or not username.replace(".", "").replace(
                "-", "").replace("_", "").isalnum():
            raise ValueError("usernames are letters, digits, '.', '-' or '_'")
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if len(password) < 8:
            raise ValueError("passwords need at least 8 characters")
        agent = Agent(username, (display_name or username).strip()[:80], role)
        with self._transaction() as cur:  # type: ignore[attr-defined]
            cur.execute(self._sql("DELETE FROM agents WHERE username = ?"), (username,))
            cur.execute(self._sql("INSERT INTO agents VALUES (?, ?, ?, ?, ?)"),
                        (username, agent.display_name, role, hash_password(password),
                         datetime.now().isoformat()))
        return agent

    def _agent(self, username: str) -> Optional[tuple]:
        with self._transaction() as cur:  # type: ignore[attr-defined]
            row = self._one(cur, "SELECT * FROM agents WHERE username = ?", (username,))
        return row

    def authenticate(self, username: str, password: str) -> Optional[Agent]:
        row = self._agent((username or "").strip().lower())
        if row is None:
            check_password(password or "", hash_password("timing-equaliser"))
            return None
        if not check_password(password or "", row["password_hash"]):
            return None
        return Agent(row["username"], row["display_name"], row["role"])

    def start_session(self, agent: Agent) -> str:
        token = secrets.token_urlsafe(32)
        now = datetime.now()
        with self._transaction() as cur:  # type: ignore[attr-defined]
            cur.execute(self._sql("INSERT INTO agent_sessions VALUES (?, ?, ?, ?)"),
                        (token_hash(token), agent.username,
                         (now + timedelta(hours=SESSION_HOURS)).isoformat(), now.isoformat()))
        return token

    def session_agent(self, token: str) -> Optional[Agent]:
        if not token or len(token) > 200:
            return None
        now = datetime.now()
        with self._transaction() as cur:  # type: ignore[attr-defined]
            row = self._one(cur, "SELECT a.username, a.display_name, a.role, s.expires_at FROM"
                                 " agent_sessions s JOIN agents a ON a.username = s.username"
                                 " WHERE s.token_hash = ?", (token_hash(token),))
            if row is None or datetime.fromisoformat(row["expires_at"]) < now:
                return None
            cur.execute(self._sql("UPDATE agent_sessions SET last_seen = ? WHERE token_hash = ?"),
                        (now.isoformat(), token_hash(token)))
        return Agent(row["username"], row["display_name"], row["role"])

    def end_session(self, token: str) -> None:
        with self._transaction() as cur:  # type: ignore[attr-defined]
            cur.execute(self._sql("DELETE FROM agent_sessions WHERE token_hash = ?"),
                        (token_hash(token or ""),))

    def agents_online(self) -> List[Agent]:
        since = (datetime.now() - timedelta(minutes=ONLINE_MINUTES)).isoformat()
        with self._transaction() as cur:  # type: ignore[attr-defined]
            rows = self._all(cur, "SELECT DISTINCT a.username, a.display_name, a.role FROM"
                                  " agent_sessions s JOIN agents a ON a.username = s.username"
                                  " WHERE s.last_seen >= ? AND a.role IN ('agent', 'admin')",
                             (since,))
        return [Agent(r["username"], r["display_name"], r["role"]) for r in rows]

    def list_agents(self) -> List[Agent]:
        with self._transaction() as cur:  # type: ignore[attr-defined]
            rows = self._all(cur, "SELECT username, display_name, role FROM agents"
                                  " ORDER BY username")
        return [Agent(r["username"], r["display_name"], r["role"]) for r in rows]
