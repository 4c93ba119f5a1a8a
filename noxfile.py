"""Every check the project has, one nox session each; CI workflows call these."""

from __future__ import annotations

import difflib
import os
import tempfile
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
def bench(session: nox.Session) -> None:
    """Whole sign-ins against the app and the provider on loopback; prints figures."""
    session.install("-e", ".")

    session.run("python", "-m", "benchmarks.signin", *session.posargs)


@nox.session(python=NEWEST)
def serve(session: nox.Session) -> None:
    """The app on http://localhost:5000, with the development provider if needed."""
    session.install("-e", ".")

    session.run("python", "-m", "github_oauth_app.devserver", *session.posargs)


# The delivery pipeline: requirements.txt for Heroku, and the offline checks of the
# workflows, the Procfile, the hooks and the release tooling.
REQUIREMENTS = Path("requirements.txt")
WORKFLOWS = Path(".github/workflows")


@nox.session(python=NEWEST)
def requirements(session: nox.Session) -> None:
    """Regenerate requirements.txt; pass ``-- --upgrade`` to move every pin."""
    _compile_requirements(session, REQUIREMENTS, *session.posargs)


@nox.session(python=NEWEST)
def pipeline(session: nox.Session) -> None:
    """Workflows, Procfile, hooks and releases, checked without GitHub or Heroku."""
    session.install("-e", ".[pipeline]")

    _check_requirements(session)
    workflows = sorted(str(path) for path in WORKFLOWS.glob("*.yml"))
    session.run(
        "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows
    )
    session.run("zizmor", "--offline", "--min-severity", "medium", *workflows)
    # actionlint's checks (jactionlint's correctness profile), ShellCheck included.
    session.run("jactionlint", "--profile", "correctness", "--no-color", *workflows)
    session.run("pre-commit", "validate-config", ".pre-commit-config.yaml")
    # Hook environments come from the package registry once; after that the hooks,
    # and the tests that commit in a scratch repository, need no network.
    session.run("pre-commit", "install-hooks")
    if IN_CI:
        # The hooks over the whole tree; they rewrite files, so only in CI's fresh
        # clone. mypy needs the typecheck session's dependencies, and runs there.
        session.run(
            "pre-commit",
            "run",
            "--all-files",
            "--show-diff-on-failure",
            env={"SKIP": _skipping("mypy")},
        )
    session.run("pytest", "tests/pipeline", *session.posargs)


def _compile_requirements(session: nox.Session, output: Path, *args: str) -> None:
    """Pin pyproject.toml's dependencies for production: Heroku's Linux, NEWEST."""
    session.run(
        "uv",
        "pip",
        "compile",
        "pyproject.toml",
        "--python-version",
        NEWEST,
        "--python-platform",
        "x86_64-unknown-linux-gnu",
        "--custom-compile-command",
        "make requirements",
        "--quiet",
        "--output-file",
        str(output),
        *args,
    )


def _check_requirements(session: nox.Session) -> None:
    """Fail when requirements.txt is not what pyproject.toml compiles to."""
    if not REQUIREMENTS.is_file():
        session.error("requirements.txt is missing: run `make requirements`")
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / REQUIREMENTS.name
        # uv keeps the pins it finds in the output file while pyproject.toml
        # allows them, so a new release upstream alone does not make the file stale.
        fresh.write_text(REQUIREMENTS.read_text())
        _compile_requirements(session, fresh)
        committed, compiled = _pins(REQUIREMENTS), _pins(fresh)
    if committed != compiled:
        diff = difflib.unified_diff(
            committed, compiled, str(REQUIREMENTS), "compiled now", lineterm=""
        )
        session.error(
            "requirements.txt is stale: run `make requirements`\n" + "\n".join(diff)
        )


def _pins(path: Path) -> list[str]:
    """The requirement lines of a requirements file, without comments."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def _skipping(*hooks: str) -> str:
    """pre-commit's SKIP: the caller's (CI skips the branch guard) and ``hooks``."""
    skipped = [hook for hook in os.environ.get("SKIP", "").split(",") if hook]
    return ",".join([*skipped, *hooks])
