"""Who a message comes from, as the assistant keys conversations: always with its channel.

A conversation's key is ``<channel>:<id>``: the id a messaging platform gave the shopper
(``twilio:whatsapp:+358...``, ``telegram:12345``), or, for the channels where the client picks
the id (the web widget, the REST webhook), an id the assistant issued. So a caller of one
channel can never continue a conversation of another.

Session ids for the widget and a shop's own front end are ``<public>.<signature>``: the public
part names the conversation (``socketio:<public>``), the signature proves the assistant issued
it. Only whoever holds the whole id can write to (or hear) the conversation; agents and logs
only ever see the public part.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Optional

SEPARATOR = ":"
_PUBLIC_HEX = 32
_SIGNATURE_HEX = 32


def scoped(channel: str, raw_id: str) -> str:
    """The conversation key of a platform's id on a channel."""
    return f"{channel}{SEPARATOR}{raw_id}"


def unscoped(channel: str, key: str) -> str:
    """The platform's own id behind a conversation key of ``channel`` (replies go there)."""
    prefix = f"{channel}{SEPARATOR}"
    return key[len(prefix):] if key.startswith(prefix) else key


def _signature(secret: str, public: str) -> str:
    return hmac.new(secret.encode(), f"session:{public}".encode(),
                    hashlib.sha256).hexdigest()[:_SIGNATURE_HEX]


def issue_session_id(secret: str) -> str:
    """A new, unguessable session id signed with ``secret``.

    Raises:
        ValueError: No secret is configured, so no session can be issued safely.
    """
    if not secret:
        raise ValueError("SESSION_SECRET is not set")
    public = secrets.token_hex(_PUBLIC_HEX // 2)
    return f"{public}.{_signature(secret, public)}"


def session_public_id(session_id: object, secret: str) -> Optional[str]:
    """The public part of a session id the assistant issued; None for anything else."""
    if not secret or not isinstance(session_id, str) or len(session_id) > 100:
        return None
    public, _, signature = session_id.partition(".")
    if len(public) != _PUBLIC_HEX or len(signature) != _SIGNATURE_HEX:
        return None
    if not all(c in "0123456789abcdef" for c in public):
        return None
    if not hmac.compare_digest(signature, _signature(secret, public)):
        return None
    return public


def client_key(address: Optional[str], secret: str) -> Optional[str]:
    """A stable pseudonym of a client address for per-client limits (never the address)."""
    if not address:
        return None
    return hmac.new((secret or "client").encode(), f"client:{address}".encode(),
                    hashlib.sha256).hexdigest()[:24]
