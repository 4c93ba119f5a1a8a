"""``make run``: the app on http://localhost:5000, GitHub or its stand-in behind it.

With ``CLIENT_ID`` configured (environment or ``.env``) the app talks to the
GitHub those settings name. Without it, the development provider is started
on loopback first and the app is pointed at it, so the sign-in works before
anyone registers an OAuth App.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from types import FrameType
from typing import Dict, List, Optional, Sequence

from decouple import AutoConfig

from github_oauth_app.config import DEPLOYED, ConfigError, load_settings

PROVIDER_PORT = 5556
DEV_CLIENT_ID = "dev-client-id"
DEV_CLIENT_SECRET = "dev-client-secret"  # noqa: S105 - the stand-in's fixed demo secret


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Start the provider if needed, then the app; stop both on Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m github_oauth_app.devserver")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--provider-port", type=int, default=PROVIDER_PORT)
    args = parser.parse_args(argv)
    env = dict(os.environ)
    use_provider = needs_development_provider(os.getcwd())
    if use_provider:
        if _configured("APP_ENV", os.getcwd()) in DEPLOYED:
            sys.stderr.write(
                "github-oauth-app: CLIENT_ID is not set: staging and production "
                "sign in with GitHub only, never with the development provider\n"
            )
            return 2
        env.update(_provider_settings(args.provider_port))
    if not _settings_valid(env):
        return 2

    # Stop on Ctrl-C and on SIGTERM alike, even where the parent shell started
    # us with SIGINT ignored (as a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    children: List[subprocess.Popen[bytes]] = []
    if use_provider:
        provider = _start_provider(env, args.port, args.provider_port)
        children.append(provider)
        if not _listening(provider, args.provider_port):
            _stop(children)
            return provider.returncode or 1
    children.append(_start_app(env, args.port))
    print(f"github-oauth-app: open http://localhost:{args.port}/home", flush=True)
    return _wait(children)


def needs_development_provider(search_path: str) -> bool:
    """Whether no ``CLIENT_ID`` is configured, in the environment or ``.env``."""
    return not _configured("CLIENT_ID", search_path)


def _configured(name: str, search_path: str) -> str:
    return str(AutoConfig(search_path=search_path)(name, default="")).strip()


def _provider_settings(provider_port: int) -> Dict[str, str]:
    provider_url = f"http://127.0.0.1:{provider_port}"
    return {
        "CLIENT_ID": DEV_CLIENT_ID,
        "CLIENT_SECRET": DEV_CLIENT_SECRET,
        "GITHUB_URL": provider_url,
        "GITHUB_API_URL": f"{provider_url}/api/v3",
    }


def _start_provider(
    env: Dict[str, str], port: int, provider_port: int
) -> subprocess.Popen[bytes]:
    provider_url = env["GITHUB_URL"]
    print(
        "github-oauth-app: CLIENT_ID is not set, so sign-in uses the development "
        f"provider at {provider_url} (set CLIENT_ID and CLIENT_SECRET in .env "
        "to use GitHub)",
        flush=True,
    )
    return subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "github_oauth_app.devprovider",
            "--host",
            "127.0.0.1",
            "--port",
            str(provider_port),
            "--client-id",
            DEV_CLIENT_ID,
            "--client-secret",
            DEV_CLIENT_SECRET,
            "--callback-url",
            f"http://localhost:{port}/github/callback",
        ],
        env=env,
    )


def _settings_valid(env: Dict[str, str]) -> bool:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        load_settings()
    except ConfigError as exc:
        sys.stderr.write(f"github-oauth-app: {exc}\n")
        return False
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return True


def _listening(process: subprocess.Popen[bytes], port: int) -> bool:
    """Wait until ``process`` accepts connections on ``port``, or exits."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _start_app(env: Dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "hypercorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--bind",
            f"[::1]:{port}",
            "--graceful-timeout",
            "5",
            "github_oauth_app.asgi:app",
        ],
        env=env,
    )


def _wait(children: List[subprocess.Popen[bytes]]) -> int:
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        _stop(children)
    return max((child.returncode or 0) for child in children)


def _interrupt(signum: int, frame: Optional[FrameType]) -> None:
    raise KeyboardInterrupt


def _stop(children: List[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


if __name__ == "__main__":
    sys.exit(main())
