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
QUEUE_ROLES = ("agent", "admin")  # the roles that work the queue
SESSION_HOURS = 12
ONLINE_MINUTES = 2
# The hash of a random password nobody knows: a login with an unknown user name is checked
# against it, so that it costs the same scrypt work as a wrong password of a real account.
UNKNOWN_USER_HASH = ("scrypt$961e040639f16aa04f64caf09a28c705$"
                     "40434b08c683a41348c8ce36758816187f1ea6504bbbabd627fb122acba9f91e")

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
        """Create or update an account; updating one ends its sessions."""

    def set_password(self, username: str, password: str) -> Agent:
        """Change an account's password and end its sessions."""

    def remove_agent(self, username: str) -> bool:
        """Delete an account and its sessions; False if there was none."""

    def get_agent(self, username: str) -> Optional[Agent]:
        """The account of a user name."""

    def authenticate(self, username: str, password: str) -> Optional[Agent]:
        """The agent if the password is right (the same work whether the account exists)."""

    def start_session(self, agent: Agent) -> str:
        """A new session token for the agent (only its hash is stored)."""

    def session_agent(self, token: str, touch: bool = True) -> Optional[Agent]:
        """The agent behind a live session token; marks them online unless ``touch`` is off."""

    def end_session(self, token: str) -> None:
        """Log out."""

    def end_sessions(self, username: str) -> None:
        """Log an agent out everywhere."""

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


def _new_hash(password: str) -> str:
    if len(password) < 8:
        raise ValueError("passwords need at least 8 characters")
    return hash_password(password)


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
        agent = Agent(username, (display_name or username).strip()[:80], role)
        hashed = _new_hash(password)  # before the transaction: scrypt takes a while
        with self._transaction() as cur:  # type: ignore[attr-defined]
            cur.execute(self._sql("DELETE FROM agents WHERE username = ?"), (username,))
            cur.execute(self._sql("INSERT INTO agents VALUES (?, ?, ?, ?, ?)"),
                        (username, agent.display_name, role, hashed,
                         datetime.now().isoformat()))
            # A new password or role must not leave sessions opened with the old one.
            cur.execute(self._sql("DELETE FROM agent_sessions WHERE username = ?"),
                        (username,))
        return agent

    def set_password(self, username: str, password: str) -> Agent:
        username = (username or "").strip().lower()
        hashed = _new_hash(password)
        with self._transaction() as cur:  # type: ignore[attr-defined]
            row = self._one(cur, "SELECT username, display_name, role FROM agents"
                                 " WHERE username = ?", (username,))
            if row is None:
                raise KeyError(f"no agent {username!r}")
            cur.execute(self._sql("UPDATE agents SET password_hash = ? WHERE username = ?"),
                        (hashed, username))
            cur.execute(self._sql("DELETE FROM agent_sessions WHERE username = ?"),
                        (username,))
        return Agent(row["username"], row["display_name"], row["role"])

    def remove_agent(self, username: str) -> bool:
        username = (username or "").strip().lower()
        with self._transaction() as cur:  # type: ignore[attr-defined]
            cur.execute(self._sql("DELETE FROM agent_sessions WHERE username = ?"),
                        (username,))
            cur.execute(self._sql("DELETE FROM agents WHERE username = ?"), (username,))
            return bool(cur.rowcount)

    def get_agent(self, username: str) -> Optional[Agent]:
        with self._transaction() as cur:  # type: ignore[attr-defined]
            row = self._one(cur, "SELECT username, display_name, role FROM agents"
                                 " WHERE username = ?", ((username or "").strip().lower(),))
        return Agent(row["username"], row["display_name"], row["role"]) if row else None

    def authenticate(self, username: str, password: str) -> Optional[Agent]:
        with self._transaction() as cur:  # type: ignore[attr-defined]
            row = self._one(cur, "SELECT * FROM agents WHERE username = ?",
                            ((username or "").strip().lower(),))
        # One read and one scrypt either way: the time taken does not tell whether the
        # user name exists.
        matches = check_password(password or "", row["password_hash"] if row
                                 else UNKNOWN_USER_HASH)
        if row is None or not matches:
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

    def session_agent(self, token: str, touch: bool = True) -> Optional[Agent]:
        if not token or len(token) > 200:
            return None
        now = datetime.now()
        with self._transaction() as cur:  # type: ignore[attr-defined]
            row = self._one(cur, "SELECT a.username, a.display_name, a.role, s.expires_at FROM"
                                 " agent_sessions s JOIN agents a ON a.username = s.username"
                                 " WHERE s.token_hash = ?", (token_hash(token),))
            if row is None or datetime.fromisoformat(row["expires_at"]) < now:
                return None
            if touch:
                cur.execute(self._sql("UPDATE agent_sessions SET last_seen = ?"
                                      " WHERE token_hash = ?"),
                            (now.isoformat(), token_hash(token)))
        return Agent(row["username"], row["display_name"], row["role"])

    def end_session(self, token: str) -> None:
        with self._transaction() as cur:  # type: ignore[attr-defined]
            cur.execute(self._sql("DELETE FROM agent_sessions WHERE token_hash = ?"),
                        (token_hash(token or ""),))

    def end_sessions(self, username: str) -> None:
        with self._transaction() as cur:  # type: ignore[attr-defined]
            cur.execute(self._sql("DELETE FROM agent_sessions WHERE username = ?"),
                        ((username or "").strip().lower(),))

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
