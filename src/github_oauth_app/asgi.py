"""The ASGI entry point: ``hypercorn github_oauth_app.asgi:app``."""

from __future__ import annotations

import logging
import sys

from github_oauth_app.app import create_app
from github_oauth_app.config import ConfigError, load_settings


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


try:
    _settings = load_settings()
except ConfigError as exc:
    # One line, no traceback: the variable's name and what to do about it.
    sys.stderr.write(f"github-oauth-app: {exc}\n")
    raise SystemExit(2) from None

_configure_logging(_settings.log_level)
app = create_app(_settings)
