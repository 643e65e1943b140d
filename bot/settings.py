"""One typed settings object, read from the environment and ``endpoints.yml``.

Every value has an embedded default that works on one machine; a malformed value
is an error at start-up that names the key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting is missing or malformed."""


@dataclass(frozen=True)
class ShopSettings:
    """Where the shop's orders live: the embedded SQLite shop or a REST API."""

    backend: str = "sqlite"
    sqlite_path: Path = PROJECT_ROOT / "var" / "shop.db"
    url: str = ""
    token: str = ""
    timeout_seconds: float = 5.0
    catalogue_refresh_minutes: float = 10.0  # how often product names are read again


@dataclass(frozen=True)
class ShopProfile:
    """Who the shop is and what its formats look like: one place for what the bot's texts, the
    NLU's order numbers, the forms' prompts and the widget show (docs/your-shop.md).

    The team's opening hours are ``handoff.hours``; the catalogue comes from the shop backend.
    """

    name: str = "Northwind Outfitters"
    phone: str = "+358 9 4242 4242"
    email: str = "support@northwind.example"
    logo_url: str = ""
    currency: str = "EUR"  # ISO 4217 code of the catalogue's prices
    return_window_days: int = 30
    carriers: Tuple[str, ...] = ("Posti", "PostNord", "DHL")
    #: A regular expression for one order number (searched for in what shoppers write) and a
    #: number in that format that the prompts show.
    order_number_pattern: str = r"\d{5,6}"
    order_number_example: str = "10023"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class HandoffSettings:
    """The human queue: its store, the integrator API and the support team's hours."""

    store: str = "sqlite"  # or "postgresql"
    url: str = ""  # PostgreSQL DSN when store is postgresql
    api_token: str = ""  # bearer token of the integrator API; empty disables it
    timezone: str = "Europe/Helsinki"
    hours: Tuple[Optional[Tuple[time, time]], ...] = tuple(
        [(time(9), time(17))] * 5 + [None, None])  # Monday first; None = closed
    holidays: Tuple[date, ...] = ()
    default_handling_minutes: float = 6.0
    rasa_url: str = "http://localhost:5005"
    rasa_token: str = ""


@dataclass(frozen=True)
class SurveySettings:
    """How often shoppers are asked for their opinion, and what the KPIs count."""

    nps_period_days: int = 90  # at most one NPS question per shopper in this many days
    decline_days: int = 365  # a "no thanks" to surveys is honoured this long
    repeat_contact_days: int = 7  # same shopper, same topic within this many days = repeat


@dataclass(frozen=True)
class LimitSettings:
    """Limits that protect shoppers' orders and the queue from guessing and floods.

    Counted in the shared queue database, so they hold across processes and replicas.
    """

    verify_failures: int = 5  # failed verifications per order number, email or client ...
    verify_window_seconds: int = 3600  # ... per this window, then a cool-down
    verified_minutes: int = 15  # how long a verified order stays verified in its conversation
    tickets_per_client: int = 5  # new tickets per client (sender or address) ...
    tickets_window_seconds: int = 3600  # ... per this window
    login_failures: int = 5  # failed console logins per user name or address ...
    login_window_seconds: int = 900  # ... per this window
    action_timeout_seconds: float = 10.0  # a custom action (and the shop API it calls)


@dataclass(frozen=True)
class RetentionSettings:
    """How long shopper data is kept (days); the daily purge removes what is older."""

    conversations_days: int = 90
    tickets_days: int = 365
    review_days: int = 90
    surveys_days: int = 730


#: The secrets, by the environment variable that sets each (docs/security.md).
SECRET_VARIABLES = {
    "CUSTOMER_TOKEN_SECRET": "customer_token_secret",
    "SHOP_EVENTS_SECRET": "shop_events_secret",
    "RASA_API_TOKEN": "rasa_token",
    "HANDOFF_API_TOKEN": "api_token",
    "SESSION_SECRET": "session_secret",
}
MIN_SECRET_BYTES = 32


@dataclass(frozen=True)
class Settings:
    """Everything the bot's logic can be configured with."""

    project_root: Path = PROJECT_ROOT
    kb_dir: Path = PROJECT_ROOT / "data" / "kb"
    nlu_dir: Path = PROJECT_ROOT / "data" / "nlu"
    handoff_db_path: Path = PROJECT_ROOT / "var" / "handoff.db"
    shop: ShopSettings = field(default_factory=ShopSettings)
    handoff: HandoffSettings = field(default_factory=HandoffSettings)
    surveys: SurveySettings = field(default_factory=SurveySettings)
    canned_dir: Path = PROJECT_ROOT / "data" / "canned"
    shop_events_secret: str = ""  # HMAC secret of signed shop events (abandoned carts)
    tracker_store_url: str = ""  # SQLAlchemy URL of Rasa's SQL tracker store (review inbox)
    customer_token_secret: str = ""  # HS256 secret of signed customer tokens; empty: none
    session_secret: str = ""  # signs the session ids the chat channels hand out
    environment: str = "development"  # or "production": every secret must then be set
    demo_enabled: bool = False  # mount the demo shop (/demo) in the console
    bind_host: str = "127.0.0.1"  # where the servers listen
    cors_origins: Tuple[str, ...] = ()  # web origins allowed to call the Rasa server
    limits: LimitSettings = field(default_factory=LimitSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    customer_token_max_age_seconds: int = 3600
    faq_confidence_threshold: float = 0.6
    # A complaint less sure than this is met with an apology and an offer of a person, not a
    # ticket at once ("the jacket is fine, I just had doubts" is no case for an agent).
    complaint_ticket_confidence: float = 0.8
    kb_search_min_score: float = 0.3
    max_verification_attempts: int = 3
    profile: ShopProfile = field(default_factory=ShopProfile)

    @property
    def shop_name(self) -> str:
        """The shop's name (``shop_profile.name``)."""
        return self.profile.name

    @property
    def shop_phone(self) -> str:
        """The support team's phone number (``shop_profile.phone``)."""
        return self.profile.phone

    @property
    def shop_email(self) -> str:
        """The support team's email address (``shop_profile.email``)."""
        return self.profile.email

    @property
    def return_window_days(self) -> int:
        """Days after delivery within which an order can be returned."""
        return self.profile.return_window_days


def _as_float(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as error:
        raise SettingsError(f"{key} must be a number, got {raw!r}") from error


def _as_int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise SettingsError(f"{key} must be an integer, got {raw!r}") from error


def _shop_settings(section: Mapping[str, Any], env: Mapping[str, str], root: Path) -> ShopSettings:
    backend = str(env.get("SHOP_BACKEND") or section.get("type") or "sqlite").lower()
    if backend not in {"sqlite", "http"}:
        raise SettingsError(f"shop.type must be 'sqlite' or 'http', got {backend!r}")
    url = str(env.get("SHOP_API_URL") or section.get("url") or "")
    if backend == "http" and not url:
        raise SettingsError("shop.url is required when shop.type is 'http'")
    token = str(env.get("SHOP_API_TOKEN") or section.get("token") or "")
    path = Path(env.get("SHOP_DB_PATH") or section.get("path") or root / "var" / "shop.db")
    timeout = _as_float(env, "SHOP_API_TIMEOUT", float(section.get("timeout", 5.0)))
    refresh = _as_float(env, "CATALOGUE_REFRESH_MINUTES",
                        float(section.get("catalogue_refresh_minutes", 10.0)))
    if refresh <= 0:
        raise SettingsError("shop.catalogue_refresh_minutes must be a positive number")
    return ShopSettings(
        backend=backend, sqlite_path=path, url=url, token=token, timeout_seconds=timeout,
        catalogue_refresh_minutes=refresh,
    )


_CURRENCY = re.compile(r"[A-Z]{3}")
_TEXT_FIELDS = ("name", "phone", "email", "logo_url", "currency", "order_number_pattern",
                "order_number_example")


def _shop_profile(section: Any, env: Mapping[str, str]) -> ShopProfile:
    """The ``shop_profile:`` section of endpoints.yml, checked (``RETURN_WINDOW_DAYS`` wins)."""
    if not isinstance(section, dict):
        raise SettingsError("shop_profile in endpoints.yml must be a mapping")
    known = set(ShopProfile.__dataclass_fields__)
    values: Dict[str, Any] = {}
    for key, raw in section.items():
        if key not in known:
            raise SettingsError(f"shop_profile.{key} is not a known setting"
                                f" (one of {', '.join(sorted(known))})")
        if key in _TEXT_FIELDS:
            if not isinstance(raw, (str, int)) or isinstance(raw, bool):
                raise SettingsError(f"shop_profile.{key} must be text, got {raw!r}")
            values[key] = str(raw).strip()
        elif key == "carriers":
            if not isinstance(raw, list) or not all(isinstance(c, str) and c for c in raw):
                raise SettingsError("shop_profile.carriers must be a list of names")
            values[key] = tuple(raw)
        elif key == "return_window_days":
            if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
                raise SettingsError("shop_profile.return_window_days must be a whole number"
                                    f" of days, got {raw!r}")
            values[key] = raw
    values["return_window_days"] = _as_int(env, "RETURN_WINDOW_DAYS",
                                           values.get("return_window_days", 30))
    profile = ShopProfile(**values)
    for key in ("name", "phone", "email"):
        if not getattr(profile, key):
            raise SettingsError(f"shop_profile.{key} must not be empty")
    if not _CURRENCY.fullmatch(profile.currency):
        raise SettingsError("shop_profile.currency must be a three-letter ISO 4217 code like"
                            f" EUR, got {profile.currency!r}")
    _check_order_number_format(profile.order_number_pattern, profile.order_number_example)
    return profile


def _check_order_number_format(pattern: str, example: str) -> None:
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise SettingsError(f"shop_profile.order_number_pattern is not a regular expression:"
                            f" {error}") from error
    if compiled.fullmatch(""):
        raise SettingsError("shop_profile.order_number_pattern matches an empty text")
    if not compiled.fullmatch(example):
        raise SettingsError(f"shop_profile.order_number_example {example!r} does not match"
                            f" shop_profile.order_number_pattern {pattern!r}")


def _opening_hours(raw: Any) -> Tuple[Optional[Tuple[time, time]], ...]:
    if raw is None:
        return HandoffSettings.hours
    if not isinstance(raw, dict):
        raise SettingsError("handoff.hours must map weekdays (mon..sun) to 'HH:MM-HH:MM'")
    hours = []
    for day in WEEKDAYS:
        value = str(raw.get(day, "closed")).strip().lower()
        if value in ("closed", "none", ""):
            hours.append(None)
            continue
        try:
            start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
        except ValueError as error:
            raise SettingsError(f"handoff.hours.{day} must look like 09:00-17:00") from error
        if end <= start:
            raise SettingsError(f"handoff.hours.{day} closes before it opens")
        hours.append((start, end))
    return tuple(hours)


def _handoff_settings(section: Mapping[str, Any], env: Mapping[str, str]) -> HandoffSettings:
    store = str(env.get("HANDOFF_STORE") or section.get("store") or "sqlite").lower()
    if store not in {"sqlite", "postgresql"}:
        raise SettingsError(f"handoff.store must be 'sqlite' or 'postgresql', got {store!r}")
    url = str(env.get("HANDOFF_DB_URL") or section.get("url") or "")
    if store == "postgresql" and not url:
        raise SettingsError("handoff.url (or HANDOFF_DB_URL) is required for postgresql")
    timezone = str(section.get("timezone") or "Europe/Helsinki")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(timezone)
    except Exception as error:  # noqa: BLE001 - any failure means the name is unusable
        raise SettingsError(f"handoff.timezone {timezone!r} is not a known time zone") from error
    try:
        holidays = tuple(date.fromisoformat(str(day)) for day in section.get("holidays") or [])
    except ValueError as error:
        raise SettingsError("handoff.holidays must be dates like 2026-12-24") from error
    return HandoffSettings(
        store=store, url=url, api_token=str(env.get("HANDOFF_API_TOKEN") or ""),
        timezone=timezone, hours=_opening_hours(section.get("hours")), holidays=holidays,
        default_handling_minutes=_as_float(env, "HANDOFF_HANDLING_MINUTES",
                                           float(section.get("handling_minutes", 6.0))),
        rasa_url=str(env.get("RASA_URL") or section.get("rasa_url") or "http://localhost:5005"),
        rasa_token=str(env.get("RASA_API_TOKEN") or ""),
    )


#: Tracker store types that keep conversations in an SQL database (lower case).
SQL_TRACKER_STORES = {"sql", "bot.runtime.tracker_store.cachedsqltrackerstore"}


def _tracker_url(section: Mapping[str, Any], root: Path) -> str:
    """The SQLAlchemy URL of an SQL tracker store section of endpoints.yml ('' for others)."""
    if str(section.get("type", "")).lower() not in SQL_TRACKER_STORES:
        return ""
    dialect = str(section.get("dialect") or "sqlite")
    if dialect == "sqlite":
        path = Path(str(section.get("db") or "rasa.db"))
        return f"sqlite:///{path if path.is_absolute() else root / path}"
    user = section.get("username") or ""
    password = f":{section['password']}" if section.get("password") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{section['port']}" if section.get("port") else ""
    host = section.get("url") or "localhost"
    return f"{dialect}://{auth}{host}{port}/{section.get('db') or 'rasa'}"


def _flag(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = str(env.get(key) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{key} must be true or false, got {raw!r}")


def _positive_ints(section: Any, name: str, cls: Any) -> Dict[str, Any]:
    """The whole-number fields of ``cls`` that an endpoints.yml section sets (each >= 1)."""
    if not isinstance(section, dict):
        raise SettingsError(f"{name} in endpoints.yml must be a mapping")
    values: Dict[str, Any] = {}
    known = {f for f in cls.__dataclass_fields__}
    for key, raw in section.items():
        if key not in known:
            raise SettingsError(f"{name}.{key} is not a known setting")
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw <= 0:
            raise SettingsError(f"{name}.{key} must be a positive number, got {raw!r}")
        values[key] = raw
    return values


def check_production(settings: "Settings") -> None:
    """Refuse production settings with unset or short secrets, naming each.

    Raises:
        SettingsError: ``ASSISTANT_ENV=production`` and something is not fit for it.
    """
    if settings.environment != "production":
        return
    problems = production_problems(settings)
    if problems:
        raise SettingsError("not starting in production: " + "; ".join(problems))


def production_problems(settings: "Settings") -> list:
    """Why these settings are not fit for production: one line per unset or short secret."""
    values = {"customer_token_secret": settings.customer_token_secret,
              "shop_events_secret": settings.shop_events_secret,
              "rasa_token": settings.handoff.rasa_token,
              "api_token": settings.handoff.api_token,
              "session_secret": settings.session_secret}
    problems = []
    for variable, attribute in SECRET_VARIABLES.items():
        value = values[attribute]
        if not value:
            problems.append(f"{variable} is not set")
        elif len(value.encode()) < MIN_SECRET_BYTES:
            problems.append(f"{variable} is shorter than {MIN_SECRET_BYTES} bytes")
    if settings.demo_enabled:
        problems.append("DEMO_SHOP is on: the demo shop hands out customer tokens")
    return problems


def _read_endpoints(path: Path) -> Dict[str, Any]:
    if not path.exists():
        return {}
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise SettingsError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(content, dict):
        raise SettingsError(f"{path} must hold a mapping")
    return content


def _survey_settings(section: Any) -> SurveySettings:
    if not isinstance(section, dict):
        raise SettingsError("surveys in endpoints.yml must be a mapping")
    values = {}
    for key in ("nps_period_days", "decline_days", "repeat_contact_days"):
        if key not in section:
            continue
        raw = section[key]
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            raise SettingsError(f"surveys.{key} must be a whole number of days >= 1,"
                                f" got {raw!r}")
        values[key] = raw
    return SurveySettings(**values)


def load_settings(
    env: Optional[Mapping[str, str]] = None, endpoints_file: Optional[Path] = None
) -> Settings:
    """Build the settings from environment variables and the ``shop:`` part of endpoints.yml.

    Args:
        env: Environment to read (defaults to ``os.environ``, completed by the secrets that
            ``make run`` generated in ``var/secrets.env``).
        endpoints_file: The endpoints file (defaults to ``ENDPOINTS_FILE`` or ./endpoints.yml).

    Raises:
        SettingsError: A value is malformed; the message names the key.
    """
    from_process = env is None
    env = os.environ if env is None else env
    root = Path(env.get("SHOP_ASSISTANT_ROOT") or PROJECT_ROOT)
    if from_process:  # the installation's generated secrets; the environment wins
        from bot.secret_file import FILE_NAME, read_secrets

        stored = read_secrets(Path(env.get("SHOP_ASSISTANT_VAR") or root / "var") / FILE_NAME)
        env = {**{k: v for k, v in stored.items() if k in SECRET_VARIABLES}, **env}
    endpoints = _read_endpoints(
        Path(endpoints_file or env.get("ENDPOINTS_FILE") or root / "endpoints.yml")
    )
    shop_section = endpoints.get("shop") or {}
    if not isinstance(shop_section, dict):
        raise SettingsError("shop in endpoints.yml must be a mapping")
    var_dir = Path(env.get("SHOP_ASSISTANT_VAR") or root / "var")
    shop = _shop_settings(shop_section, env, root)
    if "SHOP_DB_PATH" not in env and "path" not in shop_section:
        shop = ShopSettings(
            backend=shop.backend,
            sqlite_path=var_dir / "shop.db",
            url=shop.url,
            token=shop.token,
            timeout_seconds=shop.timeout_seconds,
            catalogue_refresh_minutes=shop.catalogue_refresh_minutes,
        )
    handoff_section = endpoints.get("handoff") or {}
    if not isinstance(handoff_section, dict):
        raise SettingsError("handoff in endpoints.yml must be a mapping")
    environment = str(env.get("ASSISTANT_ENV") or "development").strip().lower()
    if environment not in ("development", "production"):
        raise SettingsError(f"ASSISTANT_ENV must be development or production, got"
                            f" {environment!r}")
    threshold = _as_float(env, "FAQ_CONFIDENCE_THRESHOLD", 0.6)
    complaint = _as_float(env, "COMPLAINT_TICKET_CONFIDENCE", 0.8)
    for name, value in (("FAQ_CONFIDENCE_THRESHOLD", threshold),
                        ("COMPLAINT_TICKET_CONFIDENCE", complaint)):
        if not 0.0 <= value <= 1.0:
            raise SettingsError(f"{name} must lie between 0 and 1")
    return Settings(
        project_root=root,
        kb_dir=root / "data" / "kb",
        nlu_dir=Path(env.get("TRAINING_DATA_DIR") or root / "data" / "nlu"),
        tracker_store_url=env.get("TRACKER_STORE_URL") or _tracker_url(
            endpoints.get("tracker_store") or {}, root),
        handoff_db_path=Path(env.get("HANDOFF_DB_PATH") or var_dir / "handoff.db"),
        shop=shop,
        handoff=_handoff_settings(handoff_section, env),
        surveys=_survey_settings(endpoints.get("surveys") or {}),
        canned_dir=root / "data" / "canned",
        shop_events_secret=env.get("SHOP_EVENTS_SECRET") or "",
        customer_token_secret=env.get("CUSTOMER_TOKEN_SECRET") or "",
        session_secret=env.get("SESSION_SECRET") or "",
        environment=environment,
        demo_enabled=_flag(env, "DEMO_SHOP", False) and environment != "production"
        and shop.backend == "sqlite",
        bind_host=str(env.get("ASSISTANT_HOST") or "127.0.0.1"),
        cors_origins=tuple(o.strip() for o in str(env.get("ALLOWED_ORIGINS") or "").split(",")
                           if o.strip()),
        limits=LimitSettings(**_positive_ints(endpoints.get("limits") or {}, "limits",
                                              LimitSettings)),
        retention=RetentionSettings(**_positive_ints(endpoints.get("retention") or {},
                                                     "retention", RetentionSettings)),
        profile=_shop_profile(endpoints.get("shop_profile") or {}, env),
        customer_token_max_age_seconds=_as_int(env, "CUSTOMER_TOKEN_MAX_AGE", 3600),
        faq_confidence_threshold=threshold,
        complaint_ticket_confidence=complaint,
        kb_search_min_score=_as_float(env, "KB_SEARCH_MIN_SCORE", 0.3),
        max_verification_attempts=_as_int(env, "MAX_VERIFICATION_ATTEMPTS", 3),
    )
