"""The app and the development provider under hypercorn, and a real browser.

Everything listens on 127.0.0.1 on free ports and is stopped at the end.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    sync_playwright,
)

CLIENT_ID = "e2e-client-id"
CLIENT_SECRET = "e2e-client-secret"
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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not become healthy within 30 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def provider_url(app_port: int) -> Iterator[str]:
    port = free_port()
    command: List[str] = [
        sys.executable,
        "-m",
        "github_oauth_app.devprovider",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
        "--callback-url",
        f"http://127.0.0.1:{app_port}/github/callback",
    ]
    process = subprocess.Popen(command)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url + "/healthz", process)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def app_port() -> int:
    return free_port()


@contextmanager
def serve_app(
    port: int, provider_url: str, cwd: Path, **settings: str
) -> Iterator[str]:
    """The app under hypercorn on ``port``, signing in with the provider."""
    url = f"http://127.0.0.1:{port}"
    env: Dict[str, str] = {
        **os.environ,
        "SECRET_KEY": "e2e-secret-key-e2e-secret-key-e2e-secret-key",
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "APP_ENV": "test",
        "BASE_URL": url,
        "GITHUB_URL": provider_url,
        "GITHUB_API_URL": provider_url + "/api/v3",
        **settings,
    }
    command = [
        sys.executable,
        "-m",
        "hypercorn",
        "--bind",
        f"127.0.0.1:{port}",
        "github_oauth_app.asgi:app",
    ]
    # An empty folder: no .env of the developer's can leak into the run.
    process = subprocess.Popen(command, env=env, cwd=cwd)
    try:
        wait_until_healthy(url + "/healthz", process)
        yield url
    finally:
        stop(process)


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
