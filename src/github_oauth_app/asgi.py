"""The ASGI entry point: ``hypercorn github_oauth_app.asgi:app``."""

from __future__ import annotations

import logging
import sys

from github_oauth_app.app import create_app
from github_oauth_app.config import ConfigError, load_settings


def _configure_logging(level: str) -> None:
    # The package's own logger only: hypercorn configures its loggers itself,
    # and a handler on the root logger would print each of its lines twice.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    package = logging.getLogger("github_oauth_app")
    package.handlers = [handler]
    package.setLevel(level)
    package.propagate = False


try:
    _settings = load_settings()
except ConfigError as exc:
    # One line, no traceback: the variable's name and what to do about it.
    sys.stderr.write(f"github-oauth-app: {exc}\n")
    raise SystemExit(2) from None

_configure_logging(_settings.log_level)
app = create_app(_settings)
