"""The secrets of one installation, generated once and kept in ``var/secrets.env`` (mode 0600).

``make run`` creates each secret it needs on first start and reuses it afterwards, so that a
shop's backend can be given the same customer-token and shop-events secrets, and tools such as
``make deploy`` reach the running server. Values set in the environment always win.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Dict, Iterable, Mapping

FILE_NAME = "secrets.env"


def read_secrets(path: Path) -> Dict[str, str]:
    """``KEY=VALUE`` lines of a secrets file ({} when there is none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, PermissionError):
        return {}
    values: Dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip()
    return values


def ensure_secrets(path: Path, names: Iterable[str],
                   env: Mapping[str, str]) -> Dict[str, str]:
    """Every named secret: from ``env`` if set there, else from the file, else newly generated
    (and then written to the file, readable by its owner only).

    Returns:
        The value of every named secret.
    """
    stored = read_secrets(path)
    values: Dict[str, str] = {}
    changed = False
    for name in names:
        if env.get(name):
            values[name] = env[name]
        elif stored.get(name):
            values[name] = stored[name]
        else:
            values[name] = stored[name] = secrets.token_hex(32)  # 64 characters, no "-"
            changed = True
    if changed or (path.exists() and path.stat().st_mode & 0o077):
        path.parent.mkdir(parents=True, exist_ok=True)
        body = "# Generated secrets of this installation; keep private (see docs/security.md).\n"
        body += "".join(f"{key}={value}\n" for key, value in stored.items())
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(body)
        os.chmod(path, 0o600)
    return values
