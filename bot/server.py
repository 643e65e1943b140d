"""The Rasa server: ``rasa run`` with the per-turn overheads of Rasa 3.6 taken out.

``python -m bot.server run --model ... --endpoints ...`` takes exactly the arguments of
``rasa run``. Before handing over to Rasa's own command line it installs
:func:`install_speedups`, which changes how much work a turn costs, never what it does: the
schema of action-server responses is checked once, and Rasa's HTTP requests (to the action
server above all) are serialised with ujson.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any, Dict, List, Optional

_installed = False
_lock = threading.Lock()


def _cached_validate():
    """A drop-in for ``jsonschema.validate`` that checks each distinct schema only once.

    ``jsonschema.validate`` first validates the schema itself against its meta-schema, which
    for Rasa's event schema costs far more than validating the data. Rasa calls it on every
    action server response, so this one check was about half of a turn's CPU time. The
    instance is still validated in full and the same (best-matching) error is raised.
    """
    from jsonschema import exceptions, validators

    checked: Dict[str, Any] = {}

    def validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
        try:
            key: Optional[str] = json.dumps([schema, repr(cls), repr(args), repr(kwargs)],
                                            sort_keys=True, default=repr)
        except (TypeError, ValueError):
            key = None  # not JSON: validate the slow way, without caching
        validator = checked.get(key) if key is not None else None
        if validator is None:
            validator_class = cls or validators.validator_for(schema)
            validator_class.check_schema(schema)
            validator = validator_class(schema, *args, **kwargs)
            if key is not None:
                with _lock:
                    checked[key] = validator
        error = exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error

    return validate


def fast_dumps(value: Any) -> str:
    """``json.dumps`` through ujson: the same JSON document, about three times faster.

    Anything ujson refuses (NaN, integers beyond 64 bits, unknown types) goes to ``json.dumps``,
    which then behaves as it always did.
    """
    import ujson

    try:
        return ujson.dumps(value)
    except (TypeError, ValueError, OverflowError):
        return json.dumps(value)


def _session_with_fast_json(self: Any) -> Any:
    """Rasa 3.6's ``EndpointConfig.session`` with ``fast_dumps`` as the JSON serialiser.

    Every custom action sends the whole conversation session to the action server; with the
    standard library's encoder that was a fifth of the Rasa server's CPU time under load.
    """
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
            if self.basic_auth else None)
    return aiohttp.ClientSession(headers=self.headers, auth=auth,
                                 timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                                 json_serialize=fast_dumps)


def install_speedups() -> None:
    """Install the speed-ups into this process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    import jsonschema
    from rasa.utils.endpoints import EndpointConfig

    jsonschema.validate = _cached_validate()
    EndpointConfig.session = _session_with_fast_json


def main(argv: Optional[List[str]] = None) -> None:
    """Run Rasa's command line (``rasa run ...``) with the speed-ups installed."""
    install_speedups()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
