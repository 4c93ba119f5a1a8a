"""Settings: read once, checked at start, explained in one line when wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from github_oauth_app.config import SETTING_NAMES, ConfigError, load_settings

NAMES = SETTING_NAMES
LONG_KEY = "k" * 40


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Dict[str, str]:
    """A clean environment, working in an empty folder with no .env."""
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    values = {"CLIENT_ID": "id", "CLIENT_SECRET": "secret", "SECRET_KEY": LONG_KEY}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def test_settings_have_github_defaults(env: Dict[str, str], tmp_path: Path) -> None:
    settings = load_settings(str(tmp_path))

    assert settings.app_env == "development"
    assert settings.github_url == "https://github.com"
    assert settings.github_api_url == "https://api.github.com"
    assert settings.oauth_scopes == ("read:user", "user:email")
    assert settings.revoke_on_logout
    assert not settings.secure_cookies


def test_settings_read_a_dot_env_file(
    env: Dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLIENT_ID")
    (tmp_path / ".env").write_text("CLIENT_ID=from-dot-env\n", encoding="utf-8")

    assert load_settings(str(tmp_path)).client_id == "from-dot-env"


def test_settings_accept_an_enterprise_server_api_url(
    env: Dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.example/api/v3/")

    assert load_settings(str(tmp_path)).github_api_url == "https://ghe.example/api/v3"


@pytest.mark.parametrize("name", ["CLIENT_ID", "CLIENT_SECRET"])
def test_a_missing_credential_is_named(
    env: Dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.delenv(name)

    with pytest.raises(ConfigError, match=f"^{name} is not set"):
        load_settings(str(tmp_path))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("APP_ENV", "prod"),
        ("BASE_URL", "app.example"),
        ("GITHUB_URL", "ftp://github.example"),
        ("OAUTH_SCOPES", "  "),
        ("ALLOWED_TEAMS", "just-an-org"),
        ("SESSION_LIFETIME_SECONDS", "-1"),
        ("SESSION_RECHECK_SECONDS", "soon"),
        ("REVOKE_ON_LOGOUT", "maybe"),
        ("TRUSTED_PROXY_HOPS", "9"),
        ("GITHUB_TIMEOUT_SECONDS", "0"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_an_invalid_setting_is_named(
    env: Dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    value: str,
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError, match=f"^{name} is invalid"):
        load_settings(str(tmp_path))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SESSION_LIFETIME_SECONDS", "abc"),
        ("SESSION_RECHECK_SECONDS", "\u00b2"),
        ("TRUSTED_PROXY_HOPS", "-1"),
        ("GITHUB_TIMEOUT_SECONDS", "nan"),
    ],
)
def test_an_invalid_number_is_explained_in_plain_words(
    env: Dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    value: str,
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError, match=r"expected a (whole )?number") as caught:
        load_settings(str(tmp_path))

    assert "literal" not in str(caught.value)


@pytest.mark.parametrize("app_env", ["staging", "production"])
def test_deployed_environments_name_a_missing_secret_key(
    env: Dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_env: str
) -> None:
    monkeypatch.setenv("APP_ENV", app_env)
    monkeypatch.delenv("SECRET_KEY")

    with pytest.raises(ConfigError, match=f"^SECRET_KEY is not set, and {app_env}"):
        load_settings(str(tmp_path))


@pytest.mark.parametrize("base_url", ["", "http://app.example"])
@pytest.mark.parametrize("app_env", ["staging", "production"])
def test_deployed_environments_need_an_https_base_url(
    env: Dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    app_env: str,
    base_url: str,
) -> None:
    monkeypatch.setenv("APP_ENV", app_env)
    monkeypatch.setenv("BASE_URL", base_url)

    with pytest.raises(ConfigError, match=r"^BASE_URL must be the site's public"):
        load_settings(str(tmp_path))


def test_production_with_an_https_base_url_has_secure_cookies(
    env: Dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("BASE_URL", "https://app.example/")

    settings = load_settings(str(tmp_path))

    assert settings.base_url == "https://app.example"
    assert settings.secure_cookies


@pytest.mark.parametrize("app_env", ["staging", "production"])
def test_deployed_environments_refuse_a_short_secret_key(
    env: Dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_env: str
) -> None:
    monkeypatch.setenv("APP_ENV", app_env)
    monkeypatch.setenv("SECRET_KEY", "too-short")

    with pytest.raises(ConfigError, match=r"^SECRET_KEY must be at least 32"):
        load_settings(str(tmp_path))


@pytest.mark.parametrize("app_env", ["staging", "production", "test"])
def test_only_development_invents_a_secret_key(
    env: Dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_env: str
) -> None:
    monkeypatch.setenv("APP_ENV", app_env)
    monkeypatch.delenv("SECRET_KEY")

    with pytest.raises(ConfigError, match=r"^SECRET_KEY"):
        load_settings(str(tmp_path))
    assert not (tmp_path / ".devkeys").exists()


def test_development_generates_one_secret_key_and_keeps_it(
    env: Dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET_KEY")

    first = load_settings(str(tmp_path)).secret_key
    second = load_settings(str(tmp_path)).secret_key

    assert first == second
    assert len(first) >= 32
    key_file = tmp_path / ".devkeys" / "secret_key"
    assert key_file.read_text(encoding="ascii") == first
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_allow_lists_add_the_read_org_scope(
    env: Dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOWED_TEAMS", "our-org/maintainers, other/team")

    settings = load_settings(str(tmp_path))

    assert settings.allowed_teams == ("our-org/maintainers", "other/team")
    assert settings.scopes == ("read:user", "user:email", "read:org")


def run_python(
    args: List[str], env: Dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Run this interpreter with only ``env`` of the app's settings set."""
    clean = {key: value for key, value in os.environ.items() if key not in NAMES}
    # cryptography's last releases for Python 3.7 and 3.8 warn that they are.
    clean["PYTHONWARNINGS"] = ",".join(
        f"ignore:Python {version} is no longer supported:UserWarning"
        for version in ("3.7", "3.8")
    )
    return subprocess.run(
        [sys.executable, *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_asgi_module_stops_with_one_line_on_a_bad_setting(tmp_path: Path) -> None:
    env = {"SECRET_KEY": LONG_KEY, "CLIENT_ID": "id"}

    result = run_python(["-c", "import github_oauth_app.asgi"], env, tmp_path)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "github-oauth-app: CLIENT_SECRET is not set: add it to the environment or "
        "to .env"
    ]


@pytest.mark.parametrize(("app_env", "status"), [("production", 2), ("test", 0)])
def test_the_check_command_validates_the_settings(
    tmp_path: Path, app_env: str, status: int
) -> None:
    env = {"SECRET_KEY": "short", "CLIENT_ID": "i", "CLIENT_SECRET": "s"}

    result = run_python(
        ["-m", "github_oauth_app", "check"], {**env, "APP_ENV": app_env}, tmp_path
    )

    assert result.returncode == status
    assert "Traceback" not in result.stderr
    if status:
        assert result.stderr.startswith("github-oauth-app: SECRET_KEY must be at least")


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")

    missing = [name for name in NAMES if f"| `{name}` |" not in readme]

    assert missing == []
