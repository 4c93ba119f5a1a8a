"""Every check the project has, one nox session each; CI workflows call these."""

from __future__ import annotations

import os
from pathlib import Path

import nox

PYTHONS = ["3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]
# Production (Heroku, .python-version) runs the newest of PYTHONS.
NEWEST = PYTHONS[-1]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

nox.needs_version = ">=2024.10.9"
nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = IN_CI
nox.options.sessions = ["lint", "typecheck", "tests", "e2e", "pipeline"]
nox.options.reuse_existing_virtualenvs = True

# uv must use the interpreters on this machine, never fetch one.
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")


@nox.session(python=NEWEST)
def lint(session: nox.Session) -> None:
    """Ruff's checks and formatting, and the layering contracts."""
    session.install("-e", ".[lint]")

    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session(python=NEWEST)
def typecheck(session: nox.Session) -> None:
    """mypy, strict, over the sources, the tests and this file."""
    session.install("-e", ".[typecheck]", "nox")

    session.run("mypy")


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The unit tests, on one CPython."""
    session.install("-e", ".[test]")

    session.run("pytest", "tests/unit", *session.posargs)


@nox.session(python=NEWEST)
def e2e(session: nox.Session) -> None:
    """The whole sign-in in headless Chromium against the development provider."""
    if not Path(CHROMIUM).exists():
        message = f"no browser at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            session.error(message)
        session.skip(message)
    session.install("-e", ".[e2e]")

    session.run(
        "pytest",
        "tests/e2e",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env={"CHROMIUM": CHROMIUM, "E2E_ARTIFACTS": str(Path("artifacts").resolve())},
    )


@nox.session(python=NEWEST)
def serve(session: nox.Session) -> None:
    """The app on http://localhost:5000, with the development provider if needed."""
    session.install("-e", ".")

    session.run("python", "-m", "github_oauth_app.devserver", *session.posargs)
