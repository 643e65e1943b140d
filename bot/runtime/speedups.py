"""The speed-ups of the Rasa server: how much work a turn costs, never what it does.

Each replaces one name of Rasa 3.6 (listed in :func:`bot.runtime.install`); they are applied
only through that function, never on import.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Dict, List, Optional

from bot.runtime.fast_json import fast_dumps

_lock = threading.Lock()


def cached_validate():
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


def session_with_fast_json(self: Any) -> Any:
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


async def request(self: Any, method: str = "post", subpath: Optional[str] = None,
                   content_type: Optional[str] = "application/json", compress: bool = False,
                   **kwargs: Any) -> Any:
    """``EndpointConfig.request``, with action calls answered in process where configured.

    Only the action endpoint carries ``actions_module``; every other request, and action calls
    without it, go over HTTP as before.
    """
    package = (self.kwargs or {}).get("actions_module")
    if package and subpath is None and method.lower() == "post" and "json" in kwargs:
        from bot.runtime.action_runner import runner_for

        return await runner_for(package).call(kwargs["json"])
    return await http_request(self, method, subpath, content_type, compress, **kwargs)


#: Rasa's own ``EndpointConfig.request``, kept for every request not answered in process.
http_request: Any = None


def freezing_after_load(load: Any) -> Any:
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


_validate: Any = None


def validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the schema checked once (the validation
    itself, its error and message unchanged). Only Rasa's check of action results uses it;
    ``jsonschema.validate`` stays as it is for everyone else."""
    from jsonschema import ValidationError
    from rasa.shared.constants import DOCS_BASE_URL

    global _validate
    if _validate is None:
        _validate = cached_validate()
    try:
        _validate(result, self.action_response_format_spec())
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response"
            " from the Action endpoint is valid. For more information about the format visit"
            f" {DOCS_BASE_URL}/custom-actions")
        raise error


#: The number of states of each rule (a rule's key is its states as JSON).
_rule_lengths: Dict[str, int] = {}


def _rule_length(key: str) -> int:
    length = _rule_lengths.get(key)
    if length is None:
        length = _rule_lengths[key] = len(json.loads(key))
    return length


def possible_rule_keys(self: Any, lookup: Dict[str, str], states: List[Dict[str, Any]]) -> set:
    """``RulePolicy._get_possible_keys``, stopping once the answer can no longer change.

    Rasa's loop filters the rules by every state of the conversation, back to its first. Once
    no rule is left, or the states looked at outnumber the states of every rule left (which
    Rasa then counts as applicable at every further state), filtering changes nothing: the
    answer is the same, at a cost that no longer grows with the conversation.
    """
    possible_keys = set(lookup.keys())
    for index, state in enumerate(reversed(states)):
        if not possible_keys or index >= max(map(_rule_length, possible_keys)):
            break
        possible_keys = {key for key in possible_keys
                         if self._is_rule_applicable(key, index, state)}
    return possible_keys


def _structlog_debug_is_off() -> bool:
    """Whether structlog drops debug messages (Rasa configures a level-filtering logger)."""
    try:
        import structlog

        debug = getattr(type(structlog.get_logger().bind()), "debug", None)
    except Exception:  # noqa: BLE001 - not sure: format the states, as Rasa does
        return False
    return getattr(debug, "__name__", "") == "_nop"


def states_formatted_when_logged(format_states: Any) -> Any:
    """``Policy.format_tracker_states``, skipped while structlog drops debug messages.

    The RulePolicy formats every state of the conversation on every prediction only to log
    them at debug level; below it the text is thrown away.
    """
    import functools

    @functools.wraps(format_states)
    def format_tracker_states(states: List[Dict[str, Any]]) -> str:
        if _structlog_debug_is_off():
            return ""
        return format_states(states)

    return staticmethod(format_tracker_states)


def idx_after_latest_restart(self: Any) -> int:
    """``DialogueStateTracker.idx_after_latest_restart``, without a look at each event.

    Rasa looks for the latest restart event by event in Python, back to the session's first
    when there is none (the usual case), several times per message. The types of the events
    are collected in C; only when one of them is a restart are the events walked.
    """
    from rasa.shared.core.events import Restarted

    events = self.events
    if not any(issubclass(kind, Restarted) for kind in set(map(type, events))):
        return 0
    for back, event in enumerate(reversed(events)):
        if isinstance(event, Restarted):
            return len(events) - back
    return 0


def resolve_event_type(resolve: Any) -> Any:
    """``Event.resolve_by_type`` remembering each type name's class.

    Rasa walks every subclass of ``Event`` (about fifty, found anew each time) for each event
    it reads from the database or an action's answer. The first class found for a name is
    kept; names it does not know still go to Rasa (its default or its error).
    """
    found: Dict[str, Any] = {}

    def resolve_by_type(type_name: Any, default: Optional[Any] = None) -> Any:
        kind = found.get(type_name)
        if kind is not None:
            return kind
        kind = resolve(type_name, default)
        if kind is not None and kind is not default and kind.type_name == type_name:
            found[type_name] = kind
        return kind

    resolve_by_type.__doc__ = resolve.__doc__
    return staticmethod(resolve_by_type)
