"""Signed customer tokens: how a shop that has logged its customer in vouches for them.

The shop signs ``{"sub": <customer id>, "exp": <unix time>}`` with HS256 and the shared secret
and passes it as ``customer_token`` in the message metadata. A missing, forged or expired
token gives no identity at all; it is never partly trusted.
"""

from __future__ import annotations

import time
from typing import Any, Mapping, Optional

import jwt

ALGORITHM = "HS256"
METADATA_KEY = "customer_token"


def issue_customer_token(customer_id: str, secret: str, ttl_seconds: int = 3600,
                         now: Optional[float] = None) -> str:
    """Sign a token for a customer (what the shop's backend does after login)."""
    issued = int(now if now is not None else time.time())
    return jwt.encode({"sub": customer_id, "iat": issued, "exp": issued + ttl_seconds},
                      secret, algorithm=ALGORITHM)


def verify_customer_token(token: Any, secret: str, max_age_seconds: int = 86400,
                          now: Optional[float] = None) -> Optional[str]:
    """The customer id of a valid token, or None for anything else."""
    if not isinstance(token, str) or not token or len(token) > 4096 or not secret:
        return None
    try:
        # Expiry is checked below against the same clock as the age, so tests can pin time.
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": ["sub", "exp", "iat"], "verify_exp": False,
                                     "verify_iat": False})
    except jwt.PyJWTError:
        return None
    current = time.time() if now is None else now
    try:
        expires, issued = float(claims["exp"]), float(claims["iat"])
    except (TypeError, ValueError):
        return None
    if expires < current or issued > current + 60 or current - issued > max_age_seconds:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) and subject else None


def customer_from_metadata(metadata: Optional[Mapping[str, Any]], secret: str,
                           max_age_seconds: int = 86400) -> Optional[str]:
    """The verified customer id carried in a message's metadata, if any."""
    if not isinstance(metadata, Mapping):
        return None
    return verify_customer_token(metadata.get(METADATA_KEY), secret, max_age_seconds)
