"""Fixtures shared by the unit tests: settings, a fake GitHub, the app."""

from __future__ import annotations

from typing import Any, AsyncIterator, Dict, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client

from github_oauth_app.app import create_app
from github_oauth_app.config import Settings
from tests.unit.fakes import FakeGitHub

SECRET_KEY = "unit-test-secret-key-unit-test-secret-key"


def make_settings(**changes: Any) -> Settings:
    """Settings for tests: a fake GitHub at github.example, plain http."""
    values: Dict[str, Any] = {
        "secret_key": SECRET_KEY,
        "client_id": "client-123",
        "client_secret": "client-secret-456",
        "app_env": "test",
        "github_url": "https://github.example",
        "github_api_url": "https://api.github.example",
    }
    values.update(changes)
    return Settings(**values)


@pytest.fixture
def github() -> FakeGitHub:
    return FakeGitHub()


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def app(settings: Settings, github: FakeGitHub) -> Quart:
    return create_app(settings, github)


@pytest.fixture
async def client(app: Quart) -> AsyncIterator[Client]:
    async with app.test_app():
        yield app.test_client()


async def start_sign_in(
    client: Client, query: Optional[Dict[str, str]] = None
) -> Tuple[str, Dict[str, str]]:
    """GET /login; return the state and the authorisation URL's parameters."""
    response = await client.get("/login", query_string=query or {})
    assert response.status_code == 302
    location = response.headers["Location"]
    params = {
        key: values[0] for key, values in parse_qs(urlsplit(location).query).items()
    }
    return params["state"], params


async def sign_in(client: Client, query: Optional[Dict[str, str]] = None) -> Any:
    """Run the whole flow against the fake; return the callback's response."""
    state, _ = await start_sign_in(client, query)
    return await client.get(
        "/github/callback", query_string={"code": "code-1", "state": state}
    )
