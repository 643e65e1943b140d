"""Attacks on the running servers themselves: shipped or guessable secrets, tokens in URLs and
on the command line, listening beyond localhost, other web origins, the demo shop in places
it does not belong."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, Optional, Tuple

import pytest

from bot.handoff.rasa_client import api_jwt
from bot.secret_file import FILE_NAME, ensure_secrets
from bot.settings import PROJECT_ROOT, SECRET_VARIABLES
from tests.servers import free_port


def request(url: str, method: str = "GET", body: Optional[bytes] = None,
            headers: Optional[Dict[str, str]] = None) -> Tuple[int, Dict[str, str], bytes]:
    call = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(call, timeout=30) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# -- secrets ------------------------------------------------------------------------------------


def test_secrets_are_generated_once_private_and_reused(stack):
    path = stack.var_dir / FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = ensure_secrets(path, SECRET_VARIABLES, {})  # what the next `make run` reads
    for name in SECRET_VARIABLES:
        assert len(again[name].encode()) >= 32
        if name not in stack.extra_env:  # what the environment sets wins over the file
            assert again[name] == stack.secrets[name]
    assert stack.session_secret and stack.integrator_token and stack.rasa_token


def test_no_secret_on_any_command_line(stack):
    for name, process in stack.named.items():
        command = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode(errors="replace")
        for secret in stack.secrets.values():
            assert secret not in command, f"a secret is visible in the {name} command line"


@pytest.mark.parametrize("command", [
    [sys.executable, "-m", "bot.runtime.server", "run", "--port", "1"],
    [sys.executable, "-m", "bot.console", "serve", "--port", "1"],
    [sys.executable, "-m", "bot.tools.run", "--rasa-port", "1"],
])
def test_production_refuses_to_start_with_missing_or_short_secrets(command, tmp_path):
    env = {**os.environ, "ASSISTANT_ENV": "production", "SHOP_ASSISTANT_VAR": str(tmp_path),
           "CUSTOMER_TOKEN_SECRET": "short", "RASA_API_TOKEN": "x" * 40,
           "HANDOFF_API_TOKEN": "", "SHOP_EVENTS_SECRET": "", "SESSION_SECRET": ""}
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "CUSTOMER_TOKEN_SECRET is shorter than 32 bytes" in done.stderr
    assert "HANDOFF_API_TOKEN is not set" in done.stderr
    assert "RASA_API_TOKEN" not in done.stderr  # the good one is not named


def test_make_deploy_reaches_the_running_server_with_the_stored_secret(stack):
    env = {k: v for k, v in os.environ.items() if k not in SECRET_VARIABLES}
    env.update({"SHOP_ASSISTANT_VAR": str(stack.var_dir), "RASA_URL": stack.rasa_url})
    done = subprocess.run([sys.executable, "-m", "bot.tools.deploy"], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "live model" in done.stdout
    env["RASA_API_TOKEN"] = "a-wrong-token-that-is-long-enough-to-look-real"
    done = subprocess.run([sys.executable, "-m", "bot.tools.deploy"], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "could not deploy" in done.stderr
    assert "Traceback" not in done.stderr


# -- the Rasa server ----------------------------------------------------------------------------


def test_rasa_api_wants_a_signed_header_not_a_url_token(stack):
    url = f"{stack.rasa_url}/status"
    assert request(url)[0] == 401
    assert request(f"{url}?token={stack.rasa_token}")[0] == 401  # never in the URL
    forged = api_jwt("not-the-secret")
    assert request(url, headers={"Authorization": f"Bearer {forged}"})[0] == 401
    good = api_jwt(stack.rasa_token)
    assert request(url, headers={"Authorization": f"Bearer {good}"})[0] == 200


def listening_addresses(port: int) -> set:
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_servers_listen_on_localhost_only(stack):
    loopback = {"0100007F", "00000000000000000000000001000000"}
    for port in (stack.rasa_port, stack.console_port):
        addresses = listening_addresses(port)
        assert addresses and addresses <= loopback, (port, addresses)


def test_other_web_origins_get_no_cors_grant(stack):
    url = f"{stack.rasa_url}/webhooks/rest/session"
    evil = request(url, "POST", b"", {"Origin": "https://evil.example"})[1]
    assert "Access-Control-Allow-Origin" not in evil
    shop = request(url, "POST", b"", {"Origin": stack.console_origins[0]})[1]
    assert shop.get("Access-Control-Allow-Origin") == stack.console_origins[0]
    # socket.io refuses browsers from other origins outright.
    polling = f"{stack.rasa_url}/socket.io/?EIO=4&transport=polling"
    assert request(polling, headers={"Origin": "https://evil.example"})[0] == 400
    assert request(polling, headers={"Origin": stack.console_origins[0]})[0] == 200


# -- the demo shop ------------------------------------------------------------------------------


def test_demo_endpoints_act_only_on_the_callers_own_session(stack):
    base = f"{stack.console_url}/demo/api"
    headers = {"Content-Type": "application/json"}
    for path, body in (("abandon", {"session_id": "someone-else"}),
                       ("abandon", {"session_id": "socketio:" + "a" * 32}),
                       ("delivered", {"session_id": "x", "order_number": "10024"})):
        assert request(f"{base}/{path}", "POST", json.dumps(body).encode(), headers)[0] == 403
    from bot.channel_keys import issue_session_id

    mine = issue_session_id(stack.session_secret)
    # Another customer's order and an unknown number look the same: no oracle.
    other = request(f"{base}/delivered", "POST", json.dumps(
        {"session_id": mine, "order_number": "10026"}).encode(), headers)
    unknown = request(f"{base}/delivered", "POST", json.dumps(
        {"session_id": mine, "order_number": "99999"}).encode(), headers)
    assert other[0] == unknown[0] == 400 and other[2] == unknown[2]


def console_process(tmp_path: Path, **env: str) -> Tuple[subprocess.Popen, str]:
    port = free_port()
    full = {**os.environ, "SHOP_ASSISTANT_VAR": str(tmp_path), "PYTHONWARNINGS": "ignore",
            "SHOP_DB_PATH": str(tmp_path / "shop.db"),
            **env}
    process = subprocess.Popen([sys.executable, "-m", "bot.console", "serve", "--port",
                                str(port)], cwd=PROJECT_ROOT, env=full,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if request(f"{url}/health")[0] == 200:
                return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise AssertionError("the console did not start")


@pytest.mark.parametrize("env", [
    {},  # not switched on
    {"DEMO_SHOP": "1", "ASSISTANT_ENV": "production", **{
        name: "p" * 40 for name in SECRET_VARIABLES}},
])
def test_demo_shop_is_not_mounted_unless_switched_on(tmp_path, env, stack):
    process, url = console_process(tmp_path, **env)
    try:
        assert request(f"{url}/demo")[0] == 404
        assert request(f"{url}/demo/api/account")[0] == 404  # no free customer token
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert request(f"{stack.console_url}/demo/api/account")[0] == 200  # make run's demo
