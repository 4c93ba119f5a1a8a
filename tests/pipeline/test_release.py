"""Cutting a release: cz bump in a scratch repository, then the release workflow's
own scripts run against what it made."""

from __future__ import annotations

import re
import subprocess
from typing import Dict

import pytest

from ._support import ScratchRepo, Workflow, released_scratch_repo

RELEASE = "release-workflow.yml"


def next_minor(version: str) -> str:
    """The version a ``feat:`` commit leads to while the major version is 0."""
    major, minor, _ = version.split(".", 2)
    return f"{major}.{int(minor) + 1}.0"


def release_step(workflows: Dict[str, Workflow], name: str) -> str:
    """The ``run:`` script of one step of the release job, by its name."""
    steps = workflows[RELEASE]["jobs"]["release"]["steps"]
    scripts = [step["run"] for step in steps if step.get("name") == name]
    assert len(scripts) == 1, f"{RELEASE} has no single step named {name!r}"
    return str(scripts[0])


def run_step(
    repo: ScratchRepo, script: str, tag: str
) -> subprocess.CompletedProcess[str]:
    """Run a step's script as GitHub runs `shell: bash` on a tag push."""
    return repo.run(
        "bash",
        "--noprofile",
        "--norc",
        "-eo",
        "pipefail",
        "-c",
        script,
        check=False,
        env={**repo.env, "GITHUB_REF_NAME": tag, "GITHUB_REF_TYPE": "tag"},
    )


@pytest.fixture(scope="module")
def bumped(
    tmp_path_factory: pytest.TempPathFactory,
    project_version: str,
    hook_environments: None,
) -> ScratchRepo:
    """A scratch repository after a feature, a fix and a real ``cz bump``.

    Shared by this module's tests, which only read it or write release-notes.md.
    """
    scratch = released_scratch_repo(
        tmp_path_factory.mktemp("bumped") / "repo", project_version
    )
    scratch.branch("feat/sign-in")
    for message in ("feat: sign in with GitHub", "fix: keep the session cookie"):
        result = scratch.commit(message)
        assert result.returncode == 0, result.stdout + result.stderr
    # The bump commit edits __init__.py, which wakes the mypy hook; that hook is
    # the developer's own mypy (language: system), absent from this session.
    scratch.run("cz", "bump", "--yes", env={**scratch.env, "SKIP": "mypy"})
    return scratch


def test_feat_commit_proposes_a_minor_bump_and_a_changelog_section(
    scratch: ScratchRepo, project_version: str
) -> None:
    """`cz bump --dry-run` after a feat: the next minor version and its notes."""
    scratch.branch("feat/sign-in")
    scratch.commit("feat: sign in with GitHub")
    head = scratch.head()

    result = scratch.run("cz", "bump", "--dry-run", "--yes")

    version = next_minor(project_version)
    assert f"bump: version {project_version} → {version}" in result.stdout
    assert "increment detected: MINOR" in result.stdout
    assert f"tag to create: v{version}" in result.stdout
    section = re.search(
        rf"^## v{re.escape(version)} \(\d{{4}}-\d\d-\d\d\)\n\n### Feat\n\n- (.+)$",
        result.stdout,
        re.MULTILINE,
    )
    assert section is not None, result.stdout
    assert section.group(1) == "sign in with GitHub"
    # A dry run changes nothing.
    assert scratch.head() == head
    assert scratch.git("tag", "--list", f"v{version}").stdout == ""


def test_bump_tags_the_version_and_writes_its_changelog_section(
    bumped: ScratchRepo, project_version: str
) -> None:
    """The tag the release workflow runs on, and the section it publishes."""
    version = next_minor(project_version)

    tags = bumped.git("tag", "--points-at", "HEAD").stdout.split()
    changelog = (bumped.path / "CHANGELOG.md").read_text()

    assert tags == [f"v{version}"]
    assert f'version = "{version}"' in (bumped.path / "pyproject.toml").read_text()
    assert changelog.startswith("# Changelog\n")
    assert "## Unreleased" not in changelog
    assert f"## v{version} (" in changelog


def test_release_notes_are_that_versions_changelog_section(
    bumped: ScratchRepo, workflows: Dict[str, Workflow], project_version: str
) -> None:
    """The workflow's notes step keeps the section's body and nothing else."""
    tag = f"v{next_minor(project_version)}"
    script = release_step(workflows, "Take the release notes from CHANGELOG.md")

    result = run_step(bumped, script, tag)

    assert result.returncode == 0, result.stdout + result.stderr
    notes = (bumped.path / "release-notes.md").read_text()
    assert notes.strip().splitlines() == [
        "### Feat",
        "",
        "- sign in with GitHub",
        "",
        "### Fix",
        "",
        "- keep the session cookie",
    ]


def test_release_notes_step_fails_for_a_version_the_changelog_lacks(
    bumped: ScratchRepo, workflows: Dict[str, Workflow]
) -> None:
    """A tag pushed without `cz bump` publishes nothing."""
    script = release_step(workflows, "Take the release notes from CHANGELOG.md")

    result = run_step(bumped, script, "v9.9.9")

    assert result.returncode == 1
    assert "CHANGELOG.md has no section for v9.9.9" in result.stdout


def test_release_refuses_a_tag_that_is_not_the_projects_version(
    bumped: ScratchRepo, workflows: Dict[str, Workflow], project_version: str
) -> None:
    """The version check step passes for cz bump's tag and fails for another."""
    script = release_step(workflows, "Check that the tag names the project's version")

    right = run_step(bumped, script, f"v{next_minor(project_version)}")
    wrong = run_step(bumped, script, f"v{project_version}")

    assert right.returncode == 0, right.stdout + right.stderr
    assert wrong.returncode == 1
    assert "::error::" in wrong.stdout


def test_bump_moves_the_packages_version_too(
    bumped: ScratchRepo, project_version: str
) -> None:
    """The version the app reports follows pyproject.toml's."""
    init = (bumped.path / "src" / "github_oauth_app" / "__init__.py").read_text()

    assert f'__version__ = "{next_minor(project_version)}"' in init
