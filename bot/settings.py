"""One typed settings object, read from the environment and ``endpoints.yml``.

Every value has an embedded default that works on one machine; a malformed value
is an error at start-up that names the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

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


@dataclass(frozen=True)
class Settings:
    """Everything the bot's logic can be configured with."""

    project_root: Path = PROJECT_ROOT
    kb_dir: Path = PROJECT_ROOT / "data" / "kb"
    nlu_dir: Path = PROJECT_ROOT / "data" / "nlu"
    handoff_db_path: Path = PROJECT_ROOT / "var" / "handoff.db"
    shop: ShopSettings = field(default_factory=ShopSettings)
    customer_token_secret: str = "change-me-in-production"
    customer_token_max_age_seconds: int = 3600
    faq_confidence_threshold: float = 0.6
    kb_search_min_score: float = 0.12
    max_verification_attempts: int = 3
    return_window_days: int = 30
    shop_name: str = "Northwind Outfitters"
    shop_phone: str = "+358 9 4242 4242"
    shop_email: str = "support@northwind.example"


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
    return ShopSettings(
        backend=backend, sqlite_path=path, url=url, token=token, timeout_seconds=timeout
    )


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


def load_settings(
    env: Optional[Mapping[str, str]] = None, endpoints_file: Optional[Path] = None
) -> Settings:
    """Build the settings from environment variables and the ``shop:`` part of endpoints.yml.

    Args:
        env: Environment to read (defaults to ``os.environ``).
        endpoints_file: The endpoints file (defaults to ``ENDPOINTS_FILE`` or ./endpoints.yml).

    Raises:
        SettingsError: A value is malformed; the message names the key.
    """
    env = os.environ if env is None else env
    root = Path(env.get("SHOP_ASSISTANT_ROOT") or PROJECT_ROOT)
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
        )
    threshold = _as_float(env, "FAQ_CONFIDENCE_THRESHOLD", 0.6)
    if not 0.0 <= threshold <= 1.0:
        raise SettingsError("FAQ_CONFIDENCE_THRESHOLD must lie between 0 and 1")
    return Settings(
        project_root=root,
        kb_dir=root / "data" / "kb",
        nlu_dir=root / "data" / "nlu",
        handoff_db_path=Path(env.get("HANDOFF_DB_PATH") or var_dir / "handoff.db"),
        shop=shop,
        customer_token_secret=env.get("CUSTOMER_TOKEN_SECRET") or "change-me-in-production",
        customer_token_max_age_seconds=_as_int(env, "CUSTOMER_TOKEN_MAX_AGE", 3600),
        faq_confidence_threshold=threshold,
        kb_search_min_score=_as_float(env, "KB_SEARCH_MIN_SCORE", 0.12),
        max_verification_attempts=_as_int(env, "MAX_VERIFICATION_ATTEMPTS", 3),
        return_window_days=_as_int(env, "RETURN_WINDOW_DAYS", 30),
    )
