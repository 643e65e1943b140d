"""The Rasa server: ``rasa run`` with the per-turn overheads of Rasa 3.6 taken out.

``python -m bot.server run --model ... --endpoints ...`` takes exactly the arguments of
``rasa run`` (and ``shell`` those of ``rasa shell``). Before handing over to Rasa's own command
line it installs :func:`install_speedups`, which changes how much work a turn costs, never what
it does: the schema of action-server responses is checked once, Rasa's HTTP requests are
serialised with ujson, the policies' dialogue states are built incrementally
(:mod:`bot.dialogue_states`), the prediction graph runs without dask's scheduler
(:mod:`bot.graph_runner`), and when the action endpoint names an ``actions_module`` the custom
actions run in this process (:mod:`bot.action_runner`) instead of behind an HTTP round trip.
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
    instance is still validated in full and the same (best-matching) error is raised; a valid
    instance is recognised by a quicker check of the same rules (:func:`_discriminated_one_of`).
    """
    from jsonschema import exceptions, validators

    checked: Dict[str, Any] = {}
    quick: Dict[str, Any] = {}

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
                    quick[key] = validators.extend(
                        validator_class, {"oneOf": _discriminated_one_of})(schema, *args,
                                                                          **kwargs)
        if key is not None and quick[key].is_valid(instance):
            return
        error = exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error

    return validate


_discriminators: Dict[int, Any] = {}


def _discriminator(one_of: List[Any]) -> Any:
    """``(key, {value: branch index})`` when every branch fixes the same key to its own value.

    Rasa's event schema is such a ``oneOf``: each of its 23 branches is ``{"properties":
    {"event": {"const": ...}}}``, so an event can only ever match the branch of its type.
    """
    found = _discriminators.get(id(one_of))
    if found is None or found[0] is not one_of:
        key, values = None, {}
        try:
            keys = {next(name for name, spec in branch["properties"].items() if "const" in spec)
                    for branch in one_of}
            if len(keys) == 1:
                key = keys.pop()
                for index, branch in enumerate(one_of):
                    values[branch["properties"][key]["const"]] = index
                if len(values) != len(one_of):
                    key = None
        except (KeyError, TypeError, StopIteration, AttributeError):
            key = None
        found = (one_of, key, values)
        with _lock:
            _discriminators[id(one_of)] = found
    return found[1], found[2]


def _discriminated_one_of(validator: Any, one_of: List[Any], instance: Any,
                          schema: Any) -> Any:
    """``oneOf`` checked against the one branch an object's discriminating value selects.

    Used only to prove an instance valid: when that branch is valid, every other branch fails
    on its own constant, so exactly one matches, as ``oneOf`` requires. Anything else is
    checked by jsonschema's own ``oneOf``.
    """
    from jsonschema import _validators, exceptions

    key, values = _discriminator(one_of)
    if key is not None and validator.is_type(instance, "object") and key in instance:
        try:
            index = values.get(instance[key])
        except TypeError:  # an unhashable value cannot be any branch's constant
            index = None
        if index is None:
            yield exceptions.ValidationError(
                f"{instance!r} is not valid under any of the given schemas")
            return
        yield from validator.descend(instance, one_of[index], schema_path=index)
        return
    yield from _validators.oneOf(validator, one_of, instance, schema)


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


async def _request(self: Any, method: str = "post", subpath: Optional[str] = None,
                   content_type: Optional[str] = "application/json", compress: bool = False,
                   **kwargs: Any) -> Any:
    """``EndpointConfig.request``, with action calls answered in process where configured.

    Only the action endpoint carries ``actions_module``; every other request, and action calls
    without it, go over HTTP as before.
    """
    package = (self.kwargs or {}).get("actions_module")
    if package and subpath is None and method.lower() == "post" and "json" in kwargs:
        from bot.action_runner import runner_for

        return await runner_for(package).call(kwargs["json"])
    return await _http_request(self, method, subpath, content_type, compress, **kwargs)


_http_request: Any = None


def _freezing_after_load(load: Any) -> Any:
    """Rasa's ``load_agent_on_start``, then the loaded model moved out of the collector's way.

    The model, the domain and the libraries are millions of long-lived objects; every full
    garbage collection walked all of them, a pause of its own in the middle of some turn.
    ``gc.freeze`` leaves them out of later collections (they are never freed anyway).
    """
    import functools
    import gc

    @functools.wraps(load)
    async def load_then_freeze(*args: Any, **kwargs: Any) -> Any:
        agent = await load(*args, **kwargs)
        gc.collect()
        gc.freeze()
        return agent

    return load_then_freeze


def install_speedups() -> None:
    """Install the speed-ups into this process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    import jsonschema
    import rasa.core.run
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.domain import Domain
    from rasa.utils.endpoints import EndpointConfig

    from bot.dialogue_states import IncrementalStates
    from bot.graph_runner import run_in_order

    global _http_request
    jsonschema.validate = _cached_validate()
    EndpointConfig.session = _session_with_fast_json
    _http_request = EndpointConfig.request
    EndpointConfig.request = _request
    DaskGraphRunner.run = run_in_order
    rasa.core.run.load_agent_on_start = _freezing_after_load(rasa.core.run.load_agent_on_start)
    Domain.states_for_tracker_history = IncrementalStates(Domain.states_for_tracker_history)


def with_api_secret(args: List[str], secret: str) -> List[str]:
    """``rasa run`` arguments with the HTTP API secured by ``secret`` (JWTs in the
    ``Authorization`` header, signed HS256 with it), unless the arguments set it already.

    The secret comes from the environment, so it never shows on the command line; Rasa's
    ``--auth-token`` (a token in every URL's query string) is not used.
    """
    if not args or args[0] != "run" or not secret or "--jwt-secret" in args:
        return args
    return [*args, "--jwt-secret", secret, "--jwt-method", "HS256"]


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
    install_speedups()
    from bot import log_privacy

    log_privacy.install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *args]
    rasa_main()


if __name__ == "__main__":
    main()
