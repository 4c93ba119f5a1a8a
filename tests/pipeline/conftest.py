"""Fixtures of the pipeline tests: parsed workflows and scratch git repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Dict

import pytest
import tomllib

from ._support import (
    COMMAND_TIMEOUT,
    ROOT,
    ScratchRepo,
    Workflow,
    load_workflow,
    offline_env,
    released_scratch_repo,
)

WORKFLOW_FILES = (
    "feature-development.yml",
    "development-workflow.yml",
    "staging-workflow.yml",
    "release-workflow.yml",
    "production-workflow.yml",
)


@pytest.fixture(scope="session")
def workflows() -> Dict[str, Workflow]:
    """Every workflow the issue asks for, parsed, by file name."""
    return {name: load_workflow(name) for name in WORKFLOW_FILES}


@pytest.fixture(scope="session")
def project_version() -> str:
    """The version in pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


@pytest.fixture(scope="session")
def hook_environments() -> None:
    """Install the hooks' environments once, from the registry if need be.

    The pipeline session has done this already; this makes a lone pytest run
    work too. Commits in scratch repositories then need no network.
    """
    subprocess.run(
        ["pre-commit", "install-hooks", "--config", ".pre-commit-config.yaml"],
        cwd=ROOT,
        env=offline_env(),
        capture_output=True,
        timeout=COMMAND_TIMEOUT * 5,
        check=True,
    )


@pytest.fixture
def scratch(
    tmp_path: Path, project_version: str, hook_environments: None
) -> ScratchRepo:
    """A fresh scratch repository for one test."""
    return released_scratch_repo(tmp_path / "repo", project_version)
