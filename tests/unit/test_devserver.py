"""``make run`` chooses GitHub or the development provider."""

from __future__ import annotations

from pathlib import Path

import pytest

from github_oauth_app.devserver import needs_development_provider


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
