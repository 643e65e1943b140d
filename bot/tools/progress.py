"""Run a long command (training, evaluation, benchmarks) showing what it does and how far it is,
with the third-party chatter (TensorFlow, SQLAlchemy, pyparsing and Rasa deprecation warnings,
debug logs) kept in a log file instead of between the figures.

    python -m bot.tools.progress train -- .venv/bin/rasa train ...

What the command prints on standard output is shown as it is (the project's own tables and
reports). From standard error, only what a person can act on is shown: errors with their
tracebacks, Rasa's training steps (as numbered lines with the time so far) and the final result.
Everything goes to ``results/logs/<name>.log``. ``--verbose`` shows everything.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Callable, List, Optional

from bot.settings import PROJECT_ROOT

LOG_DIR = PROJECT_ROOT / "results" / "logs"
HEARTBEAT_SECONDS = 60

_STEP = re.compile(r"Starting to train component '([^']+)'")
_SHOWN = re.compile(r"(Your Rasa model is trained|No training of components required|"
                    r"ERROR|CRITICAL|Error:|error:|Exception|Traceback|Aborted|Failed)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Reporter:
    """Turns the command's standard error into the few lines worth showing."""

    def __init__(self, say: Callable[[str], None], started: float) -> None:
        self.say = say
        self.started = started
        self.steps = 0
        self.in_traceback = False

    def elapsed(self) -> str:
        seconds = int(time.monotonic() - self.started)
        return f"{seconds // 60}:{seconds % 60:02d}"

    def line(self, raw: str) -> None:
        """Show a line of standard error if it is a step, a result or an error."""
        text = _ANSI.sub("", raw.rstrip("\n"))
        step = _STEP.search(text)
        if step:
            self.steps += 1
            self.say(f"  [{self.elapsed()}] step {self.steps}: training {step.group(1)}")
            return
        if text.startswith("Traceback"):
            self.in_traceback = True
        if self.in_traceback:
            self.say(text)
            if text and not text.startswith((" ", "Traceback")):
                self.in_traceback = False  # the exception line ends the traceback
            return
        if _SHOWN.search(text) and "Warning" not in text:
            self.say(text)


def _pump(stream: IO[str], log: IO[str], handle: Callable[[str], None],
          lock: threading.Lock) -> None:
    for raw in stream:
        with lock:
            log.write(raw)
            log.flush()
        handle(raw)


def run(name: str, command: List[str], verbose: bool = False,
        say: Callable[[str], None] = lambda text: print(text, flush=True)) -> int:
    """Run ``command``; return its exit code."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{name}.log"
    started = time.monotonic()
    reporter = Reporter(say, started)
    say(f"{name}: {' '.join(Path(command[0]).name.split())} ... (full log: "
        f"{log_path.relative_to(PROJECT_ROOT)})")
    lock = threading.Lock()
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, bufsize=1, errors="replace")
        out = threading.Thread(target=_pump, args=(process.stdout, log,
                                                   lambda raw: say(raw.rstrip("\n")), lock))
        err = threading.Thread(target=_pump, args=(process.stderr, log,
                                                   (lambda raw: say(raw.rstrip("\n")))
                                                   if verbose else reporter.line, lock))
        out.start()
        err.start()
        while process.poll() is None:
            try:
                process.wait(timeout=HEARTBEAT_SECONDS)
            except subprocess.TimeoutExpired:
                say(f"  [{reporter.elapsed()}] {name} still running ...")
        out.join()
        err.join()
    status = "done" if process.returncode == 0 else f"failed (exit {process.returncode})"
    say(f"{name}: {status} in {reporter.elapsed()}")
    if process.returncode:
        say(f"  the whole output is in {log_path.relative_to(PROJECT_ROOT)}")
    return process.returncode


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", help="what runs (names the log file)")
    parser.add_argument("--verbose", action="store_true", help="show everything")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- command and arguments")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    return run(args.name, command, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
