"""Throw-away local servers for tests, benchmarks and ``make cluster``, each on a free port of
127.0.0.1 with its files in a folder of its own: PostgreSQL, Redis, nginx and Dovecot (Debian's
packages, started directly with their own configuration, not as system services), and aiosmtpd
as the SMTP server that receives what the email channel sends.

Every server runs in a process group of its own, so that ``stop`` ends it with everything it
started, also when the caller failed half-way.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from bot.tools.ports import free_port


def postgres_bin() -> Optional[Path]:
    """The newest installed PostgreSQL server binaries."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def _as_postgres(command: List[str]) -> List[str]:
    """PostgreSQL refuses to run as root: run as the 'postgres' system user then."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


class PostgresServer:
    """initdb + postgres in a temporary folder, trust auth on 127.0.0.1."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (run scripts/install-test-deps.sh)")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="pgtest-"))
        self.data = self.root / "data"
        self.user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        self.process: Optional[subprocess.Popen] = None

    @property
    def dsn(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    def start(self) -> "PostgresServer":
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
        subprocess.run(_as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                                     "-U", self.user, "--no-sync"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self.resume()

    def resume(self, timeout: float = 30.0) -> "PostgresServer":
        """Start the server on its data folder and port; return once it accepts connections."""
        self.process = subprocess.Popen(
            _as_postgres([str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
                          "-k", str(self.root), "-c", "listen_addresses=127.0.0.1",
                          "-c", "fsync=off", "-c", "max_connections=200"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        import psycopg2

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg2.connect(self.dsn, connect_timeout=2).close()
                return self
            except psycopg2.OperationalError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.2)

    def halt(self, timeout: float = 30.0) -> None:
        """Stop the server (fast shutdown: open connections are cut), keeping its data;
        return once it is gone (runuser may exit before the server it started)."""
        if self.process is not None and self.process.poll() is None:
            _end_group(self.process, signal.SIGINT)
        self.process = None
        deadline = time.monotonic() + timeout
        while (self.data / "postmaster.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.root, ignore_errors=True)

    def new_database(self, name: str) -> str:
        import psycopg2

        connection = psycopg2.connect(self.dsn)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return self.dsn.rsplit("/", 1)[0] + "/" + name


def _end_group(process: subprocess.Popen, first: int = signal.SIGTERM,
               grace: float = 20.0) -> None:
    """Signal a process group started with ``start_new_session``; SIGKILL it after ``grace``."""
    try:
        os.killpg(process.pid, first)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


class RedisServer:
    """``redis-server`` with a configuration file of its own: 127.0.0.1 only, no persistence
    (it holds nothing but conversation locks)."""

    def __init__(self, root: Optional[Path] = None) -> None:
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(self.binary).exists():
            raise RuntimeError("Redis is not installed (run scripts/install-test-deps.sh)")
        self.port = free_port()
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="redis-"))
        self.process: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 15.0) -> "RedisServer":
        self.root.mkdir(parents=True, exist_ok=True)
        config = self.root / "redis.conf"
        config.write_text("\n".join([
            "bind 127.0.0.1", f"port {self.port}", "protected-mode yes", "daemonize no",
            f"dir {self.root}", 'save ""', "appendonly no", f"logfile {self.root / 'redis.log'}",
            ""]))
        self.process = subprocess.Popen([self.binary, str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not _answers(self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server did not start; see {self.root / 'redis.log'}")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            _end_group(self.process)
        self.process = None


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


NGINX_CONFIG = """\
# Generated by bot/tools/localservers.py: a plain round-robin load balancer on 127.0.0.1.
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  client_body_temp_path {root}/tmp/body;
  proxy_temp_path {root}/tmp/proxy;
  fastcgi_temp_path {root}/tmp/fastcgi;
  uwsgi_temp_path {root}/tmp/uwsgi;
  scgi_temp_path {root}/tmp/scgi;
  # Which replica served each request, and every one tried when nginx moved on to the next.
  log_format upstreams '$request_method $uri $status upstream=$upstream_addr'
                       ' upstream_status=$upstream_status';
  access_log {root}/nginx-access.log upstreams;
  client_max_body_size 1m;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
{servers}
}}
"""

NGINX_SITE = """\
  upstream {name} {{
{members}
    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{port};
    proxy_http_version 1.1;
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    # A replica that refuses the connection or does not answer in time: the same request goes
    # to the next one (a POST only when it never reached the first; proxy_next_upstream).
    proxy_connect_timeout 2s;
    proxy_read_timeout 60s;
    proxy_next_upstream error timeout;
    proxy_next_upstream_tries 3;
    # Which server answered (tests kill the one holding a stream); loopback only, and
    # deploy/nginx.conf does not send it.
    add_header X-Served-By $upstream_addr always;
    location /socket.io/ {{
      proxy_pass http://{name};
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 1h;
      proxy_buffering off;
    }}
    location / {{
      proxy_pass http://{name};
      proxy_set_header Connection "";
      proxy_buffering off;
    }}
  }}"""


class NginxServer:
    """nginx in front of groups of local servers: one listening port per group, round-robin
    over the group's members, WebSocket upgrade for ``/socket.io/``."""

    def __init__(self, upstreams: Dict[str, List[int]], root: Optional[Path] = None) -> None:
        self.binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(self.binary).exists():
            raise RuntimeError("nginx is not installed (run scripts/install-test-deps.sh)")
        self.upstreams = upstreams
        self.ports = {name: free_port() for name in upstreams}
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="nginx-"))
        self.process: Optional[subprocess.Popen] = None

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def config(self) -> str:
        sites = []
        for name, ports in self.upstreams.items():
            members = "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;"
                                for port in ports)
            sites.append(NGINX_SITE.format(name=name, members=members, port=self.ports[name]))
        return NGINX_CONFIG.format(root=self.root, servers="\n".join(sites))

    def start(self, timeout: float = 15.0) -> "NginxServer":
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        config = self.root / "nginx.conf"
        config.write_text(self.config())
        self.process = subprocess.Popen(
            [self.binary, "-p", str(self.root), "-c", str(config),
             "-e", str(self.root / "nginx-error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not all(_answers(port) for port in self.ports.values()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"nginx did not start; see {self.root / 'nginx-error.log'}")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            _end_group(self.process, signal.SIGQUIT)  # graceful: finish open requests
        self.process = None


def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


DOVECOT = "/usr/sbin/dovecot"

DOVECOT_CONFIG = """\
# Generated by bot/tools/localservers.py: IMAP on 127.0.0.1 only, one mailbox, no TLS.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%n
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = {root}/users
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/mail/%n
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


class DovecotServer:
    """Debian's Dovecot as the IMAP server of one mailbox (the shop's support address), with a
    configuration of its own. It has to be started as root: it drops to its own users."""

    def __init__(self, user: str = "support@shop.test", password: str = "imap-test-password",
                 root: Optional[Path] = None) -> None:
        if not Path(DOVECOT).exists() or os.geteuid() != 0:
            raise RuntimeError("needs Dovecot and root (scripts/install-test-deps.sh)")
        self.user, self.password = user, password
        self.port = free_port()
        # Not under a private temporary folder: Dovecot's own processes (its unprivileged
        # users) read the password file and the mailbox.
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="dovecot-"))
        self.process: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 15.0) -> "DovecotServer":
        mail_user = pwd.getpwnam("dovecot")
        os.chmod(self.root, 0o755)
        (self.root / "users").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        for name in ("run", "state", "mail"):
            (self.root / name).mkdir(exist_ok=True)
        os.chown(self.root / "mail", mail_user.pw_uid, mail_user.pw_gid)
        config = self.root / "dovecot.conf"
        config.write_text(DOVECOT_CONFIG.format(root=self.root, port=self.port))
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while not _answers(self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                log = self.root / "dovecot.log"
                raise RuntimeError("dovecot did not start: " + (
                    log.read_text()[-2000:] if log.exists() else "no log"))
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            _end_group(self.process, grace=10.0)
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)

    def _login(self) -> Any:
        import imaplib

        connection = imaplib.IMAP4("127.0.0.1", self.port)
        connection.login(self.user, self.password)
        return connection

    def deliver(self, raw: bytes) -> None:
        """Put an email into the inbox (IMAP APPEND), as the shop's mail server would."""
        connection = self._login()
        try:
            connection.append("INBOX", None, None, raw)
        finally:
            connection.logout()

    def unseen(self) -> int:
        """How many emails of the inbox nobody has handled yet."""
        connection = self._login()
        try:
            connection.select("INBOX")
            _, data = connection.uid("SEARCH", "UNSEEN")
            return len((data[0] or b"").split())
        finally:
            connection.logout()


class SmtpReceiver:
    """aiosmtpd on 127.0.0.1 (its own thread) as the SMTP server the assistant sends through;
    it keeps every email, with the envelope's recipients in ``X-Envelope-To`` and the moment it
    arrived (``time.monotonic()``) in ``arrived``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: List[Any] = []
        self.arrived: List[float] = []
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.arrived.append(time.monotonic())
        self.received.append(message)
        return "250 OK"

    def start(self) -> "SmtpReceiver":
        from aiosmtpd.controller import Controller  # a test dependency (pyproject's dev extra)

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
        self._controller = None

    def wait_for(self, count: int, timeout: float = 60.0) -> bool:
        """Wait until ``count`` emails arrived in all; False if they did not in time."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True
