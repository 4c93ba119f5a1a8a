"""``python -m github_oauth_app.devprovider``: serve the provider on loopback."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from hypercorn.asyncio import serve
from hypercorn.config import Config

from ._app import (
    DEFAULT_CALLBACK_URL,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DeployedEnvironmentError,
    create_provider,
    refuse_deployed,
)
from ._oauth import is_loopback

logger = logging.getLogger(__name__)

_PROG = "github-oauth-devprovider"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5556


class UsageError(ValueError):
    """The command line asks for something the provider refuses to do."""


@dataclass(frozen=True)
class Options:
    """What the command line asked for."""

    host: str
    port: int
    client_id: str
    client_secret: str
    callback_url: str
    expiring_tokens: bool

    @property
    def bind(self) -> str:
        """Hypercorn's bind address, with brackets around an IPv6 address."""
        host = self.host.strip("[]")
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"


def parse_options(argv: Optional[Sequence[str]], environ: Mapping[str, str]) -> Options:
    """Read the command line and the environment; raise :class:`UsageError`."""
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="A GitHub-compatible OAuth provider for development and tests.",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="a loopback address (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--client-id", default=environ.get("DEVPROVIDER_CLIENT_ID", DEFAULT_CLIENT_ID)
    )
    parser.add_argument(
        "--client-secret",
        default=environ.get("DEVPROVIDER_CLIENT_SECRET", DEFAULT_CLIENT_SECRET),
    )
    parser.add_argument(
        "--callback-url",
        default=environ.get("DEVPROVIDER_CALLBACK_URL", DEFAULT_CALLBACK_URL),
    )
    parser.add_argument(
        "--expiring-tokens",
        action="store_true",
        help="issue 8-hour tokens with refresh tokens, like opted-in OAuth Apps",
    )
    args = parser.parse_args(argv)

    if not is_loopback(args.host):
        raise UsageError(
            f"refusing --host {args.host}: the development provider listens on "
            "loopback only (127.0.0.1, ::1 or localhost)"
        )
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a TCP port")
    return Options(
        host=args.host,
        port=args.port,
        client_id=args.client_id,
        client_secret=args.client_secret,
        callback_url=args.callback_url,
        expiring_tokens=args.expiring_tokens,
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Serve the provider until interrupted; return the process exit status."""
    try:
        refuse_deployed(os.environ)
        options = parse_options(argv, os.environ)
        app = create_provider(
            client_id=options.client_id,
            client_secret=options.client_secret,
            callback_url=options.callback_url,
            expiring_tokens=options.expiring_tokens,
        )
    except (DeployedEnvironmentError, UsageError, ValueError) as exc:
        print(f"{_PROG}: {exc}", file=sys.stderr)
        return 2

    _log_to_stderr()
    config = Config()
    config.bind = [options.bind]
    logger.info(
        "GitHub development provider on http://%s for client_id %s, callback %s",
        options.bind,
        options.client_id,
        options.callback_url,
    )
    try:
        asyncio.run(serve(app, config))
    except OSError as exc:
        print(f"{_PROG}: cannot listen on {options.bind}: {exc}", file=sys.stderr)
        return 1
    return 0


def _log_to_stderr() -> None:
    # Only the provider's own loggers: hypercorn already prints its own lines.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    package = logging.getLogger(__package__)
    package.addHandler(handler)
    package.setLevel(logging.INFO)
    package.propagate = False
