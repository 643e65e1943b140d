"""Free ports on 127.0.0.1 for the servers that tools, benchmarks and tests start.

Ports are taken below the kernel's range for outgoing connections
(``/proc/sys/net/ipv4/ip_local_port_range``). A port from that range (what binding port 0
gives) can be picked as the source port of the very connection that waits for the server to
come up: before the server listens, that connection then reaches itself, and the waiting
client reads its own request back as the answer.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

#: Used when the kernel's range cannot be read (Linux's default).
DEFAULT_EPHEMERAL_START = 32768
LOWEST = 10000


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return DEFAULT_EPHEMERAL_START


def free_port_block(count: int = 1) -> int:
    """The first of ``count`` consecutive free ports of 127.0.0.1, below the ephemeral range."""
    highest = max(LOWEST + count + 1, _ephemeral_start()) - count
    rng = random.Random()
    for _ in range(500):
        base = rng.randrange(LOWEST, highest)
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no {count} consecutive free ports")


def free_port() -> int:
    """One free port of 127.0.0.1, below the ephemeral range."""
    return free_port_block(1)
