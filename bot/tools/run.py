"""Start everything on localhost: the Rasa server (with the custom actions in process) and the
console server (agent console, dashboard, review inbox, demo shop); stop them on Ctrl-C.

``python -m bot.tools.run`` (what ``make run`` calls) generates the installation's secrets on
first start (``var/secrets.env``), waits until every server answers and prints the URLs, with a
warning for every default that is not fit for production.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from bot.secret_file import FILE_NAME, ensure_secrets
from bot.settings import PROJECT_ROOT, SECRET_VARIABLES

CACHED_TRACKER_STORE = "bot.runtime.tracker_store.CachedSQLTrackerStore"


def prepare_data(env: Dict[str, str]) -> Optional[str]:
    """Create (and on first run seed) the embedded shop; on first run also a demo agent.

    Returns the demo agent's password when one was created.
    """
    from bot.handoff import build_handoff_queue
    from bot.settings import load_settings
    from bot.shop import build_shop

    settings = load_settings(env)
    shop = build_shop(settings)
    close = getattr(shop, "close", None)
    if close:
        close()
    queue = build_handoff_queue(settings)
    password = None
    if not queue.list_agents():
        password = secrets.token_urlsafe(9)
        queue.add_agent("demo", password, "admin", "Demo Agent")
    queue.close()
    return password


@dataclass
class Stack:
    """The processes of one running assistant."""

    rasa_port: int = 5005
    actions_port: int = 5055
    console_port: int = 5080
    var_dir: Path = PROJECT_ROOT / "var"
    model: Path = PROJECT_ROOT / "models" / "current.tar.gz"
    extra_env: Dict[str, str] = field(default_factory=dict)
    demo_password: Optional[str] = None
    #: Mount the demo shop in the console (only ever with the embedded shop, never in
    #: production); ``DEMO_SHOP`` in the environment overrides it.
    demo: bool = True
    #: The secrets the servers run with (SECRET_VARIABLES), filled by ``start``.
    secrets: Dict[str, str] = field(default_factory=dict)
    endpoints_overrides: Dict[str, dict] = field(default_factory=dict)
    credentials_overrides: Dict[str, dict] = field(default_factory=dict)
    #: Serve with Rasa as it ships (`rasa run`, Rasa's SQL tracker store): the benchmarks'
    #: reference for what bot.runtime.server and bot.runtime.tracker_store save.
    stock_rasa: bool = False
    #: More Rasa servers on the next ports, sharing the tracker store; any of them serves any
    #: message. Two messages of one conversation at the same moment are serialised only by a
    #: shared lock store (Redis, as bot/tools/cluster.py sets up); the in-memory one guards its
    #: own process.
    rasa_replicas: int = 1
    #: More console servers on the next ports, sharing the queue store (PostgreSQL).
    console_replicas: int = 1
    #: The running processes by name: "actions" (only with a separate action server, i.e.
    #: without ``actions_module`` in endpoints.yml, and always for ``stock_rasa``), "rasa",
    #: "rasa-2" ..., "console", "console-2" ....
    named: Dict[str, subprocess.Popen] = field(default_factory=dict)
    #: The environment the servers were started with.
    env: Dict[str, str] = field(default_factory=dict)

    @property
    def rasa_token(self) -> str:
        """Secret of the Rasa server's HTTP API (signs the JWTs its clients send)."""
        return self.secrets.get("RASA_API_TOKEN", "")

    @property
    def integrator_token(self) -> str:
        """Bearer token of the integrator API and of server-to-server REST chats."""
        return self.secrets.get("HANDOFF_API_TOKEN", "")

    @property
    def events_secret(self) -> str:
        """HMAC secret of the shop's signed events."""
        return self.secrets.get("SHOP_EVENTS_SECRET", "")

    @property
    def session_secret(self) -> str:
        """Signs the chat session ids the channels hand out."""
        return self.secrets.get("SESSION_SECRET", "")

    @property
    def processes(self) -> List[subprocess.Popen]:
        return list(self.named.values())

    @property
    def rasa_url(self) -> str:
        return f"http://localhost:{self.rasa_port}"

    @property
    def rasa_urls(self) -> List[str]:
        """Every Rasa server of the stack (the first is ``rasa_url``)."""
        return [f"http://localhost:{self.rasa_port + k}" for k in range(self.rasa_replicas)]

    @property
    def console_origins(self) -> List[str]:
        """The web origins of the console's own pages (the demo shop embeds the widget)."""
        return [f"http://localhost:{self.console_port}", f"http://127.0.0.1:{self.console_port}"]

    @property
    def console_urls(self) -> List[str]:
        """Every console server of the stack (the first is ``console_url``)."""
        return [f"http://localhost:{self.console_port + k}"
                for k in range(self.console_replicas)]

    @property
    def actions_url(self) -> str:
        return f"http://localhost:{self.actions_port}"

    @property
    def console_url(self) -> str:
        return f"http://localhost:{self.console_port}"

    def _endpoints(self) -> Dict[str, Any]:
        """endpoints.yml with this stack's ports, data folder and overrides."""
        endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text()) or {}
        endpoints["action_endpoint"] = {**(endpoints.get("action_endpoint") or {}),
                                        "url": f"{self.actions_url}/webhook"}
        store = endpoints.get("tracker_store") or {}
        if store.get("dialect") == "sqlite":
            store["db"] = str(self.var_dir / "tracker.db")
        if self.stock_rasa:
            endpoints["action_endpoint"].pop("actions_module", None)
        if self.stock_rasa and store.get("type") == CACHED_TRACKER_STORE:
            for option in ("cached_conversations", "sqlite_wal"):
                store.pop(option, None)
            store["type"] = "SQL"
        shop = endpoints.get("shop") or {}
        if shop.get("type", "sqlite") == "sqlite":
            shop["path"] = str(self.var_dir / "shop.db")
        for section, values in self.endpoints_overrides.items():
            endpoints[section] = {**(endpoints.get(section) or {}), **values}
        return endpoints

    def _credentials_file(self) -> Path:
        """credentials.yml plus any extra channels (tests add fakes of messaging apps)."""
        if not self.credentials_overrides:
            return PROJECT_ROOT / "credentials.yml"
        credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text()) or {}
        credentials.update(self.credentials_overrides)
        target = self.var_dir / "credentials.generated.yml"
        target.write_text(yaml.safe_dump(credentials, sort_keys=False))
        return target

    def start(self, log_dir: Optional[Path] = None) -> None:
        """Start the servers in the background."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        endpoint_config = self._endpoints()
        endpoints = self.var_dir / "endpoints.generated.yml"
        endpoints.write_text(yaml.safe_dump(endpoint_config, sort_keys=False))
        given = {**os.environ, **self.extra_env}
        if str(given.get("ASSISTANT_ENV", "")).lower() == "production":
            # Production never invents secrets: they come from the environment (checked
            # by every server at start-up).
            self.secrets = {name: given.get(name, "") for name in SECRET_VARIABLES}
        else:
            self.secrets = ensure_secrets(self.var_dir / FILE_NAME, SECRET_VARIABLES, given)
        env = {**os.environ, "SHOP_ASSISTANT_VAR": str(self.var_dir),
               "ENDPOINTS_FILE": str(endpoints), "RASA_TELEMETRY_ENABLED": "false",
               "TF_CPP_MIN_LOG_LEVEL": "3", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
               "PYTHONWARNINGS": "ignore", "RASA_URL": self.rasa_url,
               "DEMO_SHOP": "1" if self.demo else "0",
               "ALLOWED_ORIGINS": ",".join(self.console_origins),
               **self.secrets, **self.extra_env}
        self.env = env
        self.demo_password = prepare_data(env)
        host = env.get("ASSISTANT_HOST") or "127.0.0.1"
        origins = [o for o in env["ALLOWED_ORIGINS"].split(",") if o]
        bin_dir = Path(sys.executable).parent
        log_dir = log_dir or self.var_dir
        rasa = ([str(bin_dir / "rasa")] if self.stock_rasa
                else [str(bin_dir / "python"), "-m", "bot.runtime.server"])
        commands = {
            "actions": [str(bin_dir / "python"), "-m", "rasa_sdk", "--actions", "actions",
                        "--port", str(self.actions_port)],
            # The API secret reaches bot.runtime.server through the environment, never the command
            # line (visible to every user in ps); Rasa as it ships only takes it there.
            "rasa": [*rasa, "run", "--enable-api", "--interface", host,
                     *(["--cors", *origins] if origins else []),
                     "--model", str(self.model), "--endpoints", str(endpoints),
                     "--credentials", str(self._credentials_file()),
                     "--port", str(self.rasa_port),
                     *([f"--jwt-secret={self.rasa_token}"] if self.stock_rasa else [])],
            "console": [str(bin_dir / "python"), "-m", "bot.console", "serve",
                        "--host", host, "--port", str(self.console_port)],
        }
        if endpoint_config["action_endpoint"].get("actions_module"):
            del commands["actions"]
        for k in range(1, self.rasa_replicas):
            replica = list(commands["rasa"])
            replica[replica.index("--port") + 1] = str(self.rasa_port + k)
            commands[f"rasa-{k + 1}"] = replica
        for k in range(1, self.console_replicas):
            console = list(commands["console"])
            console[console.index("--port") + 1] = str(self.console_port + k)
            commands[f"console-{k + 1}"] = console
        for name, command in commands.items():
            log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
            process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
            self.named[name] = process

    def wait_until_ready(self, timeout: float = 180.0) -> None:
        """Block until every server of the stack answers its health check."""
        deadline = time.monotonic() + timeout
        pending = {*[f"{url}/health" for url in self.console_urls],
                   *[f"{url}/" for url in self.rasa_urls]}
        if "actions" in self.named:
            pending.add(f"{self.actions_url}/health")
        while pending:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.args[0]} exited with {process.returncode};"
                                       f" see the logs in {self.var_dir}")
            for url in list(pending):
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        if response.status == 200:
                            pending.discard(url)
                except OSError:
                    pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:.0f}s: {sorted(pending)}")
            if pending:
                time.sleep(0.5)

    def stop(self) -> None:
        """Stop every server of the stack (SIGTERM, then SIGKILL after a grace period)."""
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.named.clear()


def shop_status(settings: Any) -> str:
    """The banner's line about the shop backend: it answers, accepts the token and speaks the
    contract (docs/shop-api.md), or what is wrong."""
    import logging

    from bot.shop.health import check_shop

    calls = logging.getLogger("bot.shop.http_shop")
    level = calls.level
    calls.setLevel(logging.ERROR)  # the line this returns says it all
    try:
        health = check_shop(settings)
    finally:
        calls.setLevel(level)
    return health.line if health.ok else f"PROBLEM: {health.line}"


def production_warnings(settings: Any) -> List[str]:
    """One line per default of this start that is not fit for production."""
    warnings = []
    if settings.environment != "production":
        warnings.append("ASSISTANT_ENV is not 'production': secrets are generated into"
                        " var/secrets.env instead of being required")
    if settings.demo_enabled:
        warnings.append("the demo shop is mounted and hands out a demo customer's token")
    if settings.shop.backend == "sqlite":
        warnings.append("the shop is the embedded demo database, not your shop's API")
    if settings.handoff.store == "sqlite":
        warnings.append("tickets, agents and limits are in SQLite: one machine only")
    if not settings.cors_origins or any("localhost" in o or "127.0.0.1" in o
                                        for o in settings.cors_origins):
        warnings.append("ALLOWED_ORIGINS names no shop origin: set your shop's https origin")
    if settings.bind_host not in ("127.0.0.1", "localhost", "::1"):
        warnings.append(f"listening on {settings.bind_host} without TLS: put a proxy with"
                        " https in front")
    return warnings


def stop_on_sigterm() -> None:
    """SIGTERM (e.g. from a process manager) stops the servers just like Ctrl-C does."""
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))


def serve_until_stopped(processes: List[subprocess.Popen], log_dir: Path) -> int:
    """Wait until Ctrl-C (0) or until a server stops by itself (1); the caller stops the rest."""
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
        return 0
    print(f"A server stopped unexpectedly; see the logs in {log_dir}.", file=sys.stderr)
    return 1


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--actions-port", type=int, default=5055)
    parser.add_argument("--console-port", type=int, default=5080)
    args = parser.parse_args(argv)
    from bot.settings import SettingsError, check_production, load_settings

    try:
        check_production(load_settings())
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    demo = os.environ.get("DEMO_SHOP", "1").strip().lower() not in ("0", "false", "no", "off")
    stack = Stack(rasa_port=args.rasa_port, actions_port=args.actions_port,
                  console_port=args.console_port, demo=demo)
    stop_on_sigterm()
    print("Starting the Rasa server and the console ...", flush=True)
    stack.start()
    try:
        stack.wait_until_ready()
        settings = load_settings(stack.env)
        login = (f"(first run: user 'demo', password '{stack.demo_password}')"
                 if stack.demo_password
                 else "(add agents: .venv/bin/python -m bot.console add-agent NAME)")
        actions = (f"Action server:   {stack.actions_url}/health" if "actions" in stack.named
                   else "Custom actions:  inside the Rasa server (actions_module in endpoints.yml)")
        shell = ("python -m bot.runtime.server shell --endpoints var/endpoints.generated.yml"
                 " --port 5006")
        demo_line = (f"Demo shop + widget: {stack.console_url}/demo  (as a logged-in customer:"
                     " /demo/account; DEMO_SHOP=0 turns it off)" if settings.demo_enabled
                     else "Demo shop:       off (DEMO_SHOP=1 with the embedded shop turns it on)")
        print(f"""
Shop assistant is running.
  {demo_line}
  Agent console:   {stack.console_url}/   {login}
  Dashboard (KPIs): {stack.console_url}/dashboard  (role lead or admin; review inbox: /review)
  Chat (REST):     POST {stack.rasa_url}/webhooks/rest/webhook  (integrator token or session id:
                   docs/channels.md)
  Chat (socket.io) {stack.rasa_url}/socket.io
  {actions}
  Shop:            {shop_status(settings)}
  Terminal chat:   .venv/bin/{shell}
  Secrets:         {stack.var_dir / FILE_NAME} (generated once, mode 0600; docs/security.md)
  Logs and data:   {stack.var_dir}""", flush=True)
        for warning in production_warnings(settings):
            print(f"  warning: {warning}", flush=True)
        return serve_until_stopped(stack.processes, stack.var_dir)
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
