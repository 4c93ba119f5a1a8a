"""The Procfile's web process, as Heroku runs it, started here by honcho."""

from __future__ import annotations

import contextlib
import http.client
import os
import queue
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest

from github_oauth_app.config import SETTING_NAMES

from ._support import ROOT, noxfile_constant, offline_env

# Heroku sends SIGTERM, then SIGKILL 30 seconds later; the issue allows 10 here.
HEROKU_KILLS_AFTER = 30
STOP_WITHIN = 10.0
START_WITHIN = 30.0
HEROKU_BIND = "0.0.0.0:$PORT"
# Every setting the app reads: none may leak in from the environment of the run.
SETTINGS = SETTING_NAMES
TEST_SECRET_KEY = "pipeline-test-secret-key-pipeline-test-secret"
# A sign-out form with a token the app refuses (400), once it has it all.
SLOW_BODY = b"csrf_token=not-a-valid-token"


def procfile() -> Dict[str, str]:
    """The Procfile's processes: name to command."""
    processes: Dict[str, str] = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line)
        if match:
            processes[match.group(1)] = match.group(2)
    return processes


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Honcho:
    """`honcho start web` in the background, its output collected line by line."""

    def __init__(self, app_dir: Path, port: int, settings: Dict[str, str]) -> None:
        env = {
            key: value for key, value in offline_env().items() if key not in SETTINGS
        }
        env.update(settings, PORT=str(port))
        self.lines: List[str] = []
        self._queue: queue.Queue[Optional[str]] = queue.Queue()
        self.process = subprocess.Popen(
            ["honcho", "start", "--no-colour", "--port", str(port), "web"],
            cwd=app_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        """The first line so far or to come that matches ``pattern``."""
        for seen in self.lines:
            match = re.search(pattern, seen)
            if match:
                return match
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            match = re.search(pattern, line)
            if match:
                return match
        raise AssertionError(f"no line matched {pattern!r}:\n{self.output()}")

    def output(self) -> str:
        """Everything honcho printed so far."""
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        return "".join(self.lines)

    def web_pid(self) -> int:
        """The web process's pid, which leads its process group."""
        return int(self.wait_for(r"web\.1 started \(pid=(\d+)\)", 10).group(1))

    def stop(self) -> None:
        """Kill whatever is left, so no test leaves a server behind."""
        if self.process.poll() is None:
            with contextlib.suppress(AssertionError, ProcessLookupError):
                os.killpg(self.web_pid(), signal.SIGKILL)
            self.process.kill()
        self.process.wait(timeout=10)
        self._reader.join(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    """A folder laid out like the dyno's /app, its web process bound to loopback.

    Heroku needs 0.0.0.0; here the one change to the Procfile is to listen on
    127.0.0.1 only. ``src`` links to this checkout's sources.
    """
    command = procfile()["web"]
    assert command.count(HEROKU_BIND) == 1
    app = tmp_path / "app"
    app.mkdir()
    local = command.replace(HEROKU_BIND, "127.0.0.1:$PORT")
    (app / "Procfile").write_text(f"web: {local}\n")
    (app / "src").symlink_to(ROOT / "src", target_is_directory=True)
    return app


@pytest.fixture
def port() -> int:
    """The port honcho gives the web process."""
    return free_port()


@pytest.fixture
def settings(port: int) -> Dict[str, str]:
    """What the app needs in its test environment; GitHub is a closed local port."""
    return {
        "SECRET_KEY": TEST_SECRET_KEY,
        "CLIENT_ID": "pipeline-client-id",
        "CLIENT_SECRET": "pipeline-client-secret",
        "APP_ENV": "test",
        "BASE_URL": f"http://127.0.0.1:{port}",
        "GITHUB_URL": f"http://127.0.0.1:{free_port()}",
        "GITHUB_API_URL": f"http://127.0.0.1:{free_port()}",
        "WEB_CONCURRENCY": "2",
    }


@pytest.fixture
def honcho(app_dir: Path, port: int, settings: Dict[str, str]) -> Iterator[Honcho]:
    """The web process, started; stopped for good at the end of the test."""
    runner = Honcho(app_dir, port, settings)
    try:
        yield runner
    finally:
        runner.stop()


def get_status(port: int, path: str) -> int:
    """The status of a GET on the local server, bypassing any proxy settings."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def start_slow_post(port: int) -> socket.socket:
    """A sign-out POST whose body has only begun to arrive: a request in flight."""
    client = socket.create_connection(("127.0.0.1", port), timeout=5)
    client.sendall(
        b"POST /logout HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: " + str(len(SLOW_BODY)).encode() + b"\r\n"
        b"Connection: close\r\n\r\n" + SLOW_BODY[:5]
    )
    return client


def finish_slow_post(client: socket.socket) -> bytes:
    """Send the rest of the body; the whole response, until the server closes."""
    client.sendall(SLOW_BODY[5:])
    chunks = []
    while True:
        chunk = client.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
    client.close()
    return b"".join(chunks)


class TestDeclaration:
    """What the Procfile and .python-version say."""

    def test_only_a_web_process(self) -> None:
        """Heroku routes HTTP to the process named web."""
        assert list(procfile()) == ["web"]

    def test_web_runs_the_preflight_check_then_execs_hypercorn(self) -> None:
        """A bad setting stops the dyno with one line, before any worker starts."""
        command = procfile()["web"]

        check = command.index("python -m github_oauth_app check &&")
        serve = command.index("exec hypercorn ")

        assert check < serve
        assert command.endswith(" github_oauth_app.asgi:app")

    def test_web_serves_heroku_s_port_with_its_workers(self) -> None:
        """0.0.0.0:$PORT, WEB_CONCURRENCY workers, drained within Heroku's 30 s."""
        command = procfile()["web"]
        graceful = re.search(r"--graceful-timeout (\d+)", command)

        assert f'--bind "{HEROKU_BIND}"' in command
        assert '--workers "${WEB_CONCURRENCY:-1}"' in command
        assert graceful is not None
        assert 0 < int(graceful.group(1)) < HEROKU_KILLS_AFTER

    def test_web_trusts_one_proxy_hop_unless_told_otherwise(self) -> None:
        """Heroku's router is one hop: its X-Forwarded-Proto makes URLs https."""
        assert 'TRUSTED_PROXY_HOPS="${TRUSTED_PROXY_HOPS:-1}"' in procfile()["web"]

    def test_python_version_is_the_newest_the_suite_tests(self) -> None:
        """Production runs the newest CPython of noxfile.py's PYTHONS."""
        newest = noxfile_constant("PYTHONS")[-1]

        assert (ROOT / ".python-version").read_text().strip() == newest


class TestUnderHoncho:
    """The web process, run by honcho as Heroku would run it."""

    def test_web_answers_healthz_and_drains_on_sigterm(
        self, honcho: Honcho, port: int
    ) -> None:
        """/healthz answers; SIGTERM to every process, as Heroku sends it, lets a
        request in flight finish, and the process exits 0 within 10 s."""
        pid = honcho.web_pid()
        honcho.wait_for(r"Running on http://127\.0\.0\.1", START_WITHIN)
        assert get_status(port, "/healthz") == 200
        slow = start_slow_post(port)
        time.sleep(0.5)

        os.killpg(pid, signal.SIGTERM)
        sent = time.monotonic()
        time.sleep(1.0)
        response = finish_slow_post(slow)
        returncode = honcho.process.wait(timeout=STOP_WITHIN)
        took = time.monotonic() - sent

        assert re.match(rb"HTTP/1\.1 [1-5]\d\d ", response), honcho.output()
        assert returncode == 0, honcho.output()
        assert took < STOP_WITHIN
        assert "web.1 stopped (rc=0)" in honcho.output()

    def test_web_refuses_to_start_with_bad_settings(
        self, app_dir: Path, port: int, settings: Dict[str, str]
    ) -> None:
        """The preflight's one line names the setting and never shows its value."""
        bad = {**settings, "APP_ENV": "production", "SECRET_KEY": "too-short"}
        runner = Honcho(app_dir, port, bad)
        try:
            returncode = runner.process.wait(timeout=STOP_WITHIN)
        finally:
            runner.stop()

        output = runner.output()
        assert returncode != 0
        assert re.search(r"web\.1\s+\| github-oauth-app: SECRET_KEY must be", output)
        assert "too-short" not in output
        assert "Traceback" not in output
