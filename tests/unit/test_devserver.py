"""``make run`` chooses GitHub or the development provider."""

from __future__ import annotations

from pathlib import Path

import pytest

from github_oauth_app.devserver import main, needs_development_provider


@pytest.fixture(autouse=True)
def no_client_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLIENT_ID", raising=False)


def test_without_credentials_the_development_provider_is_used(tmp_path: Path) -> None:
    assert needs_development_provider(str(tmp_path))


def test_an_empty_client_id_in_dot_env_still_uses_the_provider(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CLIENT_ID=\nCLIENT_SECRET=\n", encoding="utf-8")

    assert needs_development_provider(str(tmp_path))


def test_a_client_id_in_dot_env_means_real_github(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CLIENT_ID=Iv1.abc\n", encoding="utf-8")

    assert not needs_development_provider(str(tmp_path))


def test_a_client_id_in_the_environment_means_real_github(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENT_ID", "Iv1.abc")

    assert not needs_development_provider(str(tmp_path))


@pytest.mark.parametrize("app_env", ["staging", "production"])
def test_deployed_environments_never_start_the_provider(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    app_env: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("APP_ENV", app_env)

    status = main([])

    assert status == 2
    assert capsys.readouterr().err.splitlines() == [
        "github-oauth-app: CLIENT_ID is not set: staging and production sign in "
        "with GitHub only, never with the development provider"
    ]


def test_bad_settings_stop_before_anything_starts(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("LOG_LEVEL", "LOUD")

    status = main([])

    assert status == 2
    assert capsys.readouterr().err.startswith("github-oauth-app: LOG_LEVEL is invalid")
