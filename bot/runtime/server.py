"""The Rasa server: ``rasa run`` with the patches of :func:`bot.runtime.install` applied.

``python -m bot.runtime.server run --model ... --endpoints ...`` takes exactly the arguments of
``rasa run`` (and ``shell`` those of ``rasa shell``). Before handing over to Rasa's own command
line it checks the settings (production needs every secret), the installed Rasa version and
the model (one trained before the code moved gives a clear message, not a traceback), applies
the patches, and secures the HTTP API with the secret from the environment.
"""

from __future__ import annotations

import json
import sys
import tarfile
from pathlib import Path
from typing import List, Optional

from bot.runtime import RasaVersionError, install


class ModelError(RuntimeError):
    """The model cannot be served by this version of the code."""


def model_path(args: List[str]) -> Optional[Path]:
    """The ``--model`` of ``rasa run`` arguments (None when not given)."""
    for index, arg in enumerate(args):
        if arg in ("--model", "-m") and index + 1 < len(args):
            return Path(args[index + 1])
        if arg.startswith("--model="):
            return Path(arg.split("=", 1)[1])
    return None


def model_components(model: Path) -> List[str]:
    """The class paths of every graph component a trained model uses."""
    with tarfile.open(model, mode="r:gz") as archive:
        member = next((m for m in archive.getmembers() if m.name.endswith("metadata.json")),
                      None)
        if member is None:
            return []
        metadata = json.load(archive.extractfile(member))
    uses = []
    for schema in ("train_schema", "predict_schema"):
        for node in (metadata.get(schema) or {}).get("nodes", {}).values():
            if isinstance(node, dict) and isinstance(node.get("uses"), str):
                uses.append(node["uses"])
    return sorted(set(uses))


def check_model(args: List[str]) -> None:
    """Refuse a model whose components no longer exist under the names it was trained with.

    Raises:
        ModelError: naming the first missing component and what to do.
    """
    import importlib

    model = model_path(args)
    if model is None or not model.is_file():
        return
    try:
        components = model_components(model)
    except (OSError, tarfile.TarError, ValueError) as error:
        raise ModelError(f"{model} is not a readable Rasa model ({error}); run make train"
                         ) from error
    for path in components:
        module, _, name = path.rpartition(".")
        if not module.startswith("bot."):
            continue
        try:
            found = getattr(importlib.import_module(module), name, None)
        except ImportError:
            found = None
        if found is None:
            raise ModelError(f"{model} was trained with an earlier version of the code: its"
                             f" component {path} no longer exists. Run make train.")


def with_api_secret(args: List[str], secret: str) -> List[str]:
    """``rasa run`` arguments with the HTTP API secured by ``secret`` (JWTs in the
    ``Authorization`` header, signed HS256 with it), unless the arguments set it already.

    The secret comes from the environment, so it never shows on the command line; Rasa's
    ``--auth-token`` (a token in every URL's query string) is not used.
    """
    if not args or args[0] != "run" or not secret or any(
            arg.split("=", 1)[0] == "--jwt-secret" for arg in args):
        return args
    # One argument with "=": a secret that starts with "-" must not read as an option.
    return [*args, f"--jwt-secret={secret}", "--jwt-method", "HS256"]


def main(argv: Optional[List[str]] = None) -> None:
    """Run Rasa's command line (``rasa run ...``) with the speed-ups installed."""
    from bot.settings import SettingsError, check_production, load_settings

    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "run":
        try:
            settings = load_settings()
            check_production(settings)
        except SettingsError as error:
            print(f"configuration error: {error}", file=sys.stderr)
            raise SystemExit(2) from error
        args = with_api_secret(args, settings.handoff.rasa_token)
    try:
        install()
        if args and args[0] in ("run", "shell"):
            check_model(args)
    except (RasaVersionError, ModelError) as error:
        print(f"cannot start: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *args]
    rasa_main()


if __name__ == "__main__":
    main()
