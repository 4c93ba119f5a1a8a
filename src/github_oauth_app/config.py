"""Settings, read once from the environment and ``.env`` into a frozen object."""

from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Tuple, TypeVar
from urllib.parse import urlsplit

from decouple import AutoConfig, Csv, UndefinedValueError

logger = logging.getLogger(__name__)

T = TypeVar("T")

ENVIRONMENTS = ("development", "test", "staging", "production")
DEPLOYED = frozenset({"staging", "production"})
MIN_DEPLOYED_SECRET_LENGTH = 32
DEFAULT_SCOPES = "read:user user:email"
# Where development keeps the SECRET_KEY it generated, so that every worker and
# every restart signs cookies with the same key.
DEV_SECRET_FILE = Path(".devkeys") / "secret_key"
_WHOLE = re.compile(r"[0-9]{1,9}")
# Every variable load_settings reads; tests and tools clear exactly these.
SETTING_NAMES = (
    "SECRET_KEY",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "APP_ENV",
    "BASE_URL",
    "GITHUB_URL",
    "GITHUB_API_URL",
    "OAUTH_SCOPES",
    "SECRET_KEY_FALLBACKS",
    "ALLOWED_USERS",
    "ALLOWED_ORGS",
    "ALLOWED_TEAMS",
    "SESSION_LIFETIME_SECONDS",
    "SESSION_RECHECK_SECONDS",
    "REVOKE_ON_LOGOUT",
    "TRUSTED_PROXY_HOPS",
    "GITHUB_TIMEOUT_SECONDS",
    "LOG_LEVEL",
)


class ConfigError(Exception):
    """A setting is missing or invalid; the message names it and what to do."""

    def __init__(self, variable: str, advice: str) -> None:
        super().__init__(f"{variable} {advice}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment."""

    secret_key: str
    client_id: str
    client_secret: str
    app_env: str = "development"
    base_url: str = ""
    github_url: str = "https://github.com"
    github_api_url: str = "https://api.github.com"
    oauth_scopes: Tuple[str, ...] = tuple(DEFAULT_SCOPES.split())
    secret_key_fallbacks: Tuple[str, ...] = ()
    allowed_users: Tuple[str, ...] = ()
    allowed_orgs: Tuple[str, ...] = ()
    allowed_teams: Tuple[str, ...] = ()
    session_lifetime_seconds: int = 8 * 3600
    session_recheck_seconds: int = 900
    revoke_on_logout: bool = True
    trusted_proxy_hops: int = 0
    github_timeout_seconds: float = 10.0
    log_level: str = "INFO"

    @property
    def secure_cookies(self) -> bool:
        """Whether the public URL is https, so cookies must be ``Secure``."""
        return self.base_url.startswith("https://")

    @property
    def deployed(self) -> bool:
        """Whether this is staging or production."""
        return self.app_env in DEPLOYED

    @property
    def scopes(self) -> Tuple[str, ...]:
        """The scopes to request; ``read:org`` is added for org or team rules."""
        if (self.allowed_orgs or self.allowed_teams) and "read:org" not in (
            self.oauth_scopes
        ):
            return (*self.oauth_scopes, "read:org")
        return self.oauth_scopes


def load_settings(search_path: Optional[str] = None) -> Settings:
    """Read and check every setting; raise :class:`ConfigError` on the first bad one."""
    config = AutoConfig(search_path=search_path or os.getcwd())
    app_env = _read(config, "APP_ENV", "development", _one_of(ENVIRONMENTS))
    return Settings(
        secret_key=_secret_key(config, app_env),
        client_id=_required(config, "CLIENT_ID"),
        client_secret=_required(config, "CLIENT_SECRET"),
        app_env=app_env,
        base_url=_base_url(config, app_env),
        github_url=_read(config, "GITHUB_URL", "https://github.com", _url()),
        github_api_url=_read(
            config, "GITHUB_API_URL", "https://api.github.com", _url()
        ),
        oauth_scopes=_read(config, "OAUTH_SCOPES", DEFAULT_SCOPES, _scopes),
        secret_key_fallbacks=_read(config, "SECRET_KEY_FALLBACKS", "", _csv),
        allowed_users=_read(config, "ALLOWED_USERS", "", _csv),
        allowed_orgs=_read(config, "ALLOWED_ORGS", "", _csv),
        allowed_teams=_read(config, "ALLOWED_TEAMS", "", _teams),
        session_lifetime_seconds=_read(
            config, "SESSION_LIFETIME_SECONDS", "28800", _positive_int
        ),
        session_recheck_seconds=_read(
            config, "SESSION_RECHECK_SECONDS", "900", _positive_int
        ),
        revoke_on_logout=_read(config, "REVOKE_ON_LOGOUT", "true", _boolean),
        trusted_proxy_hops=_read(config, "TRUSTED_PROXY_HOPS", "0", _hops),
        github_timeout_seconds=_read(
            config, "GITHUB_TIMEOUT_SECONDS", "10", _positive_float
        ),
        log_level=_read(config, "LOG_LEVEL", "INFO", _log_level),
    )


def _required(config: AutoConfig, name: str) -> str:
    value = str(config(name, default="")).strip()
    if not value:
        raise ConfigError(name, "is not set: add it to the environment or to .env")
    return value


def _read(config: AutoConfig, name: str, default: str, parse: Callable[[str], T]) -> T:
    raw = str(config(name, default=default)).strip()
    try:
        return parse(raw)
    except (ValueError, UndefinedValueError) as exc:
        raise ConfigError(name, f"is invalid ({raw!r}): {exc}") from None


def _base_url(config: AutoConfig, app_env: str) -> str:
    base_url = _read(config, "BASE_URL", "", _url(optional=True))
    # Deployed, the public URL decides the callback and the cookies' Secure
    # flag; taking it from request headers would let a client choose them.
    if app_env in DEPLOYED and not base_url.startswith("https://"):
        raise ConfigError(
            "BASE_URL",
            f"must be the site's public https:// URL in {app_env} "
            "(e.g. https://my-app.herokuapp.com)",
        )
    return base_url


def _secret_key(config: AutoConfig, app_env: str) -> str:
    key = str(config("SECRET_KEY", default="")).strip()
    if app_env in DEPLOYED:
        if not key:
            raise ConfigError("SECRET_KEY", f"is not set, and {app_env} needs one")
        if len(key) < MIN_DEPLOYED_SECRET_LENGTH:
            raise ConfigError(
                "SECRET_KEY",
                f"must be at least {MIN_DEPLOYED_SECRET_LENGTH} characters in "
                f"{app_env}: generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`",
            )
        return key
    if key:
        return key
    if app_env == "development":
        return _development_secret_key()
    raise ConfigError("SECRET_KEY", "is not set: add it to the environment or to .env")


def _development_secret_key() -> str:
    """Return the generated development key, creating it once if need be."""
    path = DEV_SECRET_FILE.resolve()
    path.parent.mkdir(mode=0o700, exist_ok=True)
    try:
        # O_EXCL: when several workers start at once, exactly one writes the key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        raise ConfigError(
            "SECRET_KEY", f"is unset and {path} is empty: delete that file"
        ) from None
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    logger.warning("SECRET_KEY is unset; generated a development key in %s", path)
    return key


def _one_of(choices: Tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError("expected one of " + ", ".join(choices))
        return raw

    return parse


def _url(optional: bool = False) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if optional and not raw:
            return raw
        parts = urlsplit(raw)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("expected an absolute http:// or https:// URL")
        if parts.query or parts.fragment:
            raise ValueError("expected no query or fragment")
        return raw.rstrip("/")

    return parse


def _csv(raw: str) -> Tuple[str, ...]:
    return tuple(item for item in Csv()(raw) if item)


def _scopes(raw: str) -> Tuple[str, ...]:
    scopes = tuple(raw.replace(",", " ").split())
    if not scopes:
        raise ValueError("expected at least one scope, e.g. 'read:user user:email'")
    return scopes


def _teams(raw: str) -> Tuple[str, ...]:
    teams = _csv(raw)
    for team in teams:
        org, _, slug = team.partition("/")
        if not (org and slug) or "/" in slug:
            raise ValueError(f"{team!r} is not of the form org/team-slug")
    return teams


def _positive_int(raw: str) -> int:
    if not _WHOLE.fullmatch(raw) or int(raw) <= 0:
        raise ValueError("expected a whole number above zero")
    return int(raw)


def _positive_float(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise ValueError("expected a number of seconds above zero")
    return value


def _hops(raw: str) -> int:
    if not _WHOLE.fullmatch(raw) or int(raw) > 5:
        raise ValueError("expected a whole number from 0 to 5")
    return int(raw)


def _boolean(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
    return level
