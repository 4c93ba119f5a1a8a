"""``python -m github_oauth_app check``: validate the settings, then exit.

Run before hypercorn (see the Procfile): hypercorn's worker processes cannot
pass a failed start's exit status on, so the check runs first.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from github_oauth_app.config import ConfigError, load_settings


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="python -m github_oauth_app")
    parser.add_argument("command", choices=["check"], help="check the settings")
    parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        sys.stderr.write(f"github-oauth-app: {exc}\n")
        return 2
    print(f"github-oauth-app: settings are valid for {settings.app_env}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
