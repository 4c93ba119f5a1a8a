"""The git hooks of .pre-commit-config.yaml, in a scratch repository, offline."""

from __future__ import annotations

import re
from typing import Any, Dict, List

import pytest

from ._support import PROTECTED_BRANCHES, ROOT, ScratchRepo, read_yaml

CONFIG = ROOT / ".pre-commit-config.yaml"

EXACT_PIN = re.compile(r"^[A-Za-z0-9_.\-\[\]]+==[0-9][^,;\s]*$")


@pytest.fixture(scope="module")
def hooks() -> Dict[str, Dict[str, Any]]:
    """The hooks of .pre-commit-config.yaml, by id."""
    config = read_yaml(CONFIG)
    found: Dict[str, Dict[str, Any]] = {}
    for repo in config["repos"]:
        for hook in repo["hooks"]:
            found[hook["id"]] = {**hook, "repo": repo["repo"]}
    return found


class TestConfig:
    """What .pre-commit-config.yaml declares."""

    def test_every_hook_installs_from_the_registry_or_the_environment(
        self, hooks: Dict[str, Dict[str, Any]]
    ) -> None:
        """No hook clones a repository: each is local, python or system."""
        kinds = {
            hook_id: (hook["repo"], hook["language"]) for hook_id, hook in hooks.items()
        }

        assert all(repo == "local" for repo, _ in kinds.values()), kinds
        assert all(language in {"python", "system"} for _, language in kinds.values())

    def test_python_hooks_pin_their_packages(
        self, hooks: Dict[str, Dict[str, Any]]
    ) -> None:
        """A hook's environment is the same on every machine."""
        pins: List[str] = [
            requirement
            for hook in hooks.values()
            if hook["language"] == "python"
            for requirement in hook.get("additional_dependencies", [])
        ]

        assert pins
        assert all(EXACT_PIN.match(pin) for pin in pins), pins

    def test_the_hooks_the_issue_asks_for_are_there(
        self, hooks: Dict[str, Dict[str, Any]]
    ) -> None:
        """Branch guard, ruff check and format, mypy, and commitizen on the message."""
        guarded = sorted(
            argument.split("=", 1)[1]
            for argument in hooks["no-commit-to-branch"]["args"]
        )

        assert guarded == sorted(PROTECTED_BRANCHES)
        assert hooks["ruff-check"]["entry"].startswith("ruff check")
        assert hooks["ruff-format"]["entry"].startswith("ruff format")
        assert hooks["mypy"]["entry"] == "mypy"
        assert hooks["commitizen"]["entry"].startswith("cz check")
        assert hooks["commitizen"]["stages"] == ["commit-msg"]

    def test_install_sets_up_both_hook_types(self) -> None:
        """A plain `pre-commit install` also installs the commit-msg hook."""
        config = read_yaml(CONFIG)

        assert set(config["default_install_hook_types"]) == {"pre-commit", "commit-msg"}


class TestCommits:
    """Commits in a scratch repository with the hooks installed, no network."""

    @pytest.mark.parametrize("branch", PROTECTED_BRANCHES)
    def test_commit_on_a_protected_branch_is_refused(
        self, scratch: ScratchRepo, branch: str
    ) -> None:
        """Protected branches change only by merge."""
        scratch.branch(branch)
        before = scratch.head()

        result = scratch.commit("feat: straight onto the branch")

        assert result.returncode != 0
        assert "hook id: no-commit-to-branch" in result.stderr
        assert scratch.head() == before

    def test_commit_on_a_feature_branch_is_accepted(self, scratch: ScratchRepo) -> None:
        """Work happens on feature branches, message checked by commitizen."""
        scratch.branch("feat/sign-in")
        before = scratch.head()

        result = scratch.commit("feat: sign in with GitHub")

        assert result.returncode == 0, result.stdout + result.stderr
        assert scratch.head() != before
        assert re.search(r"no commit to a protected branch\.+Passed", result.stderr)
        assert re.search(r"Conventional Commits\.+Passed", result.stderr)

    def test_commit_message_outside_conventional_commits_is_refused(
        self, scratch: ScratchRepo
    ) -> None:
        """cz bump reads the history, so every message must follow the convention."""
        scratch.branch("fix/typo")
        before = scratch.head()

        result = scratch.commit("fixed a typo")

        assert result.returncode != 0
        assert "hook id: commitizen" in result.stderr
        assert scratch.head() == before

    def test_unformatted_python_is_refused_by_ruff_format(
        self, scratch: ScratchRepo
    ) -> None:
        """ruff runs from its pinned environment, with the project's settings."""
        scratch.branch("feat/tidy")
        scratch.env["SKIP"] = "mypy"  # it checks the project, not this scratch file
        before = scratch.head()

        refused = scratch.commit("feat: add a helper", "helper.py", "ANSWER=42\n")
        accepted = scratch.commit("feat: add a helper", "helper.py", "ANSWER = 42\n")

        assert refused.returncode != 0
        assert "hook id: ruff-format" in refused.stderr
        assert accepted.returncode == 0, accepted.stdout + accepted.stderr
        assert re.search(r"ruff check\.+Passed", accepted.stderr)
        assert re.search(r"ruff format\.+Passed", accepted.stderr)
        assert scratch.git("rev-list", "--count", f"{before}..HEAD").stdout == "1\n"

    def test_skip_lets_ci_run_the_hooks_on_a_protected_branch(
        self, scratch: ScratchRepo
    ) -> None:
        """CI's SKIP=no-commit-to-branch, as the workflows set it, skips the guard."""
        scratch.branch("staging")

        guarded = scratch.run("pre-commit", "run", "no-commit-to-branch", check=False)
        skipped = scratch.run(
            "pre-commit",
            "run",
            "no-commit-to-branch",
            env={**scratch.env, "SKIP": "no-commit-to-branch"},
        )

        assert guarded.returncode == 1
        assert re.search(r"no commit to a protected branch\.+Skipped", skipped.stdout)
