"""The app and the development provider under hypercorn, and a real browser.

Everything listens on 127.0.0.1 on free ports and is stopped at the end.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, List

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    sync_playwright,
)

from tests.e2e.servers import free_port, serve_app, serve_provider

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Keep Chromium off the network: this machine reaches nothing outside.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", "artifacts"))


@pytest.fixture(scope="session")
def provider_url(app_port: int) -> Iterator[str]:
    with serve_provider(f"http://127.0.0.1:{app_port}/github/callback") as url:
        yield url


@pytest.fixture(scope="session")
def app_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def app_url(
    app_port: int, provider_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app as ``make run`` serves it: anyone with an account may sign in."""
    with serve_app(app_port, provider_url, tmp_path_factory.mktemp("app")) as url:
        yield url


@pytest.fixture(scope="session")
def team_only_url(
    provider_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app admitting one team, listed on the second page of ``/user/teams``."""
    cwd = tmp_path_factory.mktemp("team-only")
    with serve_app(
        free_port(), provider_url, cwd, ALLOWED_TEAMS="other-org/squad-34"
    ) as url:
        yield url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) that fails on any blocked content."""
    context = browser.new_context()
    page = context.new_page()
    refused: List[str] = []

    def watch(message: ConsoleMessage) -> None:
        # Chromium reports what the Content-Security-Policy blocked this way.
        if message.type == "error" and "Refused to" in message.text:
            refused.append(message.text)

    page.on("console", watch)
    yield page
    context.close()
    assert refused == [], f"the page tried to load blocked content: {refused}"
