"""``python -m bot.console``: run the agent console, or manage agent accounts.

    python -m bot.console serve [--port 5080]
    python -m bot.console add-agent alice --role admin --name "Alice A."   (asks for a password)
    python -m bot.console set-password alice      (asks; ends alice's sessions)
    python -m bot.console remove-agent alice      (ends alice's sessions)
    python -m bot.console list-agents
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING, List, Optional

from bot.handoff import ROLES, AgentAccounts, build_handoff_queue
from bot.handoff.rasa_client import RasaConversationControl
from bot.settings import Settings, SettingsError, check_production, load_settings

if TYPE_CHECKING:
    from bot.console.app import ConsoleStore


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command; the exit status (2 for a configuration error)."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "serve":
            check_production(settings)
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    queue = build_handoff_queue(settings)
    if args.command == "serve":
        return _serve(args, settings, queue)
    return _manage_accounts(args, queue)


def _parser() -> argparse.ArgumentParser:
    """The commands and their options."""
    parser = argparse.ArgumentParser(prog="python -m bot.console", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the console")
    serve.add_argument("--host", help="where to listen (default: ASSISTANT_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, default=5080)
    add = commands.add_parser("add-agent", help="create or update an account")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, default="agent")
    add.add_argument("--name", help="name shoppers see, e.g. 'Alice'")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input instead of asking")
    change = commands.add_parser("set-password", help="change a password; logs the agent out")
    change.add_argument("username")
    change.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input instead of asking")
    remove = commands.add_parser("remove-agent", help="delete an account; logs the agent out")
    remove.add_argument("username")
    commands.add_parser("list-agents", help="show every account")
    return parser


def _manage_accounts(args: argparse.Namespace, accounts: AgentAccounts) -> int:
    """add-agent, set-password, remove-agent and list-agents."""
    if args.command in ("add-agent", "set-password"):
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else \
            getpass.getpass(f"password for {args.username}: ")
        try:
            agent = accounts.add_agent(args.username, password, args.role, args.name) \
                if args.command == "add-agent" else accounts.set_password(args.username, password)
        except KeyError:
            print(f"no agent {args.username!r}", file=sys.stderr)
            return 1
        except ValueError as error:
            print(f"not saved: {error}", file=sys.stderr)
            return 1
        print(f"{agent.username} ({agent.role}) is ready")
        return 0
    if args.command == "remove-agent":
        if not accounts.remove_agent(args.username):
            print(f"no agent {args.username!r}", file=sys.stderr)
            return 1
        print(f"{args.username} is removed")
        return 0
    for agent in accounts.list_agents():
        print(f"{agent.username}\t{agent.role}\t{agent.display_name}")
    return 0


def _serve(args: argparse.Namespace, settings: Settings, queue: ConsoleStore) -> int:
    """Run the console server until it is stopped."""
    from bot.console.app import create_app
    from bot.console.erasure_api import schedule_daily_purge
    from bot.shop import build_order_service

    control = RasaConversationControl(settings.handoff.rasa_url, settings.handoff.rasa_token)
    app = create_app(settings, queue, control, build_order_service(settings))
    schedule_daily_purge(app)
    host = args.host or settings.bind_host
    app.run(host=host, port=args.port, access_log=False, single_process=True) \
        if _supports_single_process() else app.run(host=host, port=args.port,
                                                   access_log=False, workers=1)
    return 0


def _supports_single_process() -> bool:
    import inspect

    from sanic import Sanic

    return "single_process" in inspect.signature(Sanic.run).parameters


if __name__ == "__main__":
    sys.exit(main())
