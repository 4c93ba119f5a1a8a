"""What the pipeline tests share: the repository's files, read, and scratch repos."""

from __future__ import annotations

import ast
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence

# PyYAML and its stubs come with the pipeline extra, which the typecheck session
# does not install: there mypy knows the module but not its types.
import yaml  # type: ignore[import-untyped, unused-ignore]

__all__ = [
    "COMMAND_TIMEOUT",
    "PROTECTED_BRANCHES",
    "ROOT",
    "ScratchRepo",
    "Workflow",
    "load_workflow",
    "noxfile_constant",
    "offline_env",
    "read_yaml",
    "released_scratch_repo",
]

ROOT = Path(__file__).resolve().parents[2]
PROTECTED_BRANCHES = ("development", "staging", "release", "production")
# Seconds any one command of a test may take before the test fails.
COMMAND_TIMEOUT = 60
# The files a scratch repository starts with: the hooks, the version, the changelog.
SCRATCH_FILES = (
    ".pre-commit-config.yaml",
    "pyproject.toml",
    "CHANGELOG.md",
    "src/github_oauth_app/__init__.py",
)

Workflow = Dict[str, Any]


def read_yaml(path: Path) -> Any:
    """A YAML file, parsed."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_workflow(name: str) -> Workflow:
    """One workflow of .github/workflows, parsed."""
    parsed: Dict[Any, Any] = read_yaml(ROOT / ".github" / "workflows" / name)
    # YAML 1.1 reads the bare key `on` as true; GitHub reads it as "on".
    return {"on" if key is True else str(key): value for key, value in parsed.items()}


def noxfile_constant(name: str) -> Any:
    """The literal value noxfile.py assigns to ``name`` (``PYTHONS``, say)."""
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            ast.unparse(target) == name for target in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"noxfile.py sets no {name}")


def offline_env(**extra: str) -> Dict[str, str]:
    """This process's environment without git's, pre-commit's or CI's overrides.

    Scratch repositories must not see the user's git configuration, a SKIP that
    CI sets on protected branches, or the git variables of a hook running us.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GIT_") and key not in {"SKIP", "PRE_COMMIT"}
    }
    env.update(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Pipeline Test",
        GIT_AUTHOR_EMAIL="pipeline-test@example.invalid",
        GIT_COMMITTER_NAME="Pipeline Test",
        GIT_COMMITTER_EMAIL="pipeline-test@example.invalid",
    )
    env.update(extra)
    return env


class ScratchRepo:
    """A git repository in a temporary folder with some of this project's files.

    Commands run with no package index, so a hook that would have to download
    its environment at commit time fails instead of reaching the network.
    """

    def __init__(self, path: Path, files: Sequence[str]) -> None:
        self.path = path
        self.env = offline_env(PIP_NO_INDEX="1", UV_OFFLINE="1")
        path.mkdir(parents=True, exist_ok=True)
        for name in files:
            target = path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                (ROOT / name).read_text(encoding="utf-8"), encoding="utf-8"
            )
        self.git("init", "--quiet", "--initial-branch=main")

    def run(
        self, *args: str, check: bool = True, env: Optional[Mapping[str, str]] = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a command in the repository; output is captured as text."""
        result = subprocess.run(
            args,
            cwd=self.path,
            env=dict(env if env is not None else self.env),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout}{result.stderr}"
            )
        return result

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run git in the repository."""
        return self.run("git", *args, check=check)

    def commit(
        self, message: str, path: str = "notes.txt", text: Optional[str] = None
    ) -> subprocess.CompletedProcess[str]:
        """Write ``text`` (by default, add the message to a notes file) to ``path``
        and commit it; git shows the hooks' output on stderr. Never raises."""
        target = self.path / path
        if text is None:
            with target.open("a", encoding="utf-8") as handle:
                handle.write(message + "\n")
        else:
            target.write_text(text, encoding="utf-8")
        self.git("add", path)
        return self.git("commit", "--message", message, check=False)

    def branch(self, name: str) -> None:
        """Create the branch ``name`` here and switch to it."""
        self.git("switch", "--quiet", "--create", name)

    def head(self) -> str:
        """The commit HEAD points at."""
        return self.git("rev-parse", "HEAD").stdout.strip()


def released_scratch_repo(path: Path, version: str) -> ScratchRepo:
    """A repository with this project's hooks installed, released as it stands.

    Its one commit, on ``main``, is tagged as ``version``, as if ``cz bump`` had
    made it.
    """
    repo = ScratchRepo(path, SCRATCH_FILES)
    repo.git("add", "--all")
    repo.git("commit", "--quiet", "--message", "chore: start the project")
    repo.git("tag", f"v{version}")
    repo.run("pre-commit", "install")
    return repo
