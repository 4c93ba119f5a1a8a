"""Start the app and the development provider under hypercorn on loopback.

Shared by the end-to-end tests and the benchmark; every server listens on
127.0.0.1 on a free port and is stopped when its ``with`` block ends.
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

CLIENT_ID = "e2e-client-id"
CLIENT_SECRET = "e2e-client-secret"
# The hypercorn parent of each app being served, by URL.
_APPS: Dict[str, int] = {}


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


@contextmanager
def serve_provider(callback_url: str, quiet: bool = False) -> Iterator[str]:
    """The development provider, registered with ``callback_url``.

    ``quiet`` silences its log, one line a request.
    """
    port = free_port()
    command = [
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
        callback_url,
    ]
    output = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(command, stdout=output, stderr=output)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url + "/healthz", process)
        yield url
    finally:
        stop(process)


@contextmanager
def serve_app(
    port: int, provider_url: str, cwd: Path, **settings: str
) -> Iterator[str]:
    """The app under hypercorn on ``port``, signing in with the provider.

    :func:`app_worker_pids` finds its workers while the block runs.
    """
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
        _APPS[url] = process.pid
        yield url
    finally:
        _APPS.pop(url, None)
        stop(process)


def app_worker_pids(url: str) -> List[int]:
    """The hypercorn worker processes of the app served at ``url``."""
    parent = _APPS[url]
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    # Beside its workers, multiprocessing starts a resource tracker.
    return [
        int(pid)
        for pid in children
        if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
