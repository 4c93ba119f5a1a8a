"""The workflows, parsed: what triggers them, their jobs, stages and safeguards."""

from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List, Set, Tuple

import pytest

from ._support import PROTECTED_BRANCHES, ROOT, Workflow, noxfile_constant

# From /work/shared/github/ACTIONS.md: each tag's commit, read from the action's
# own repository. An action missing here must be verified before it is used.
VERIFIED_ACTIONS = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "akhileshns/heroku-deploy": (
        "e3eb99d45a8e2ec5dca08735e089607befa4bf28",
        "v3.14.15",
    ),
    "softprops/action-gh-release": (
        "b4309332981a82ec1c5618f44dd2e27cc8bfbfda",
        "v3.0.0",
    ),
}
FEATURE = "feature-development.yml"
DEVELOPMENT = "development-workflow.yml"
STAGING = "staging-workflow.yml"
RELEASE = "release-workflow.yml"
PRODUCTION = "production-workflow.yml"
CHECK_WORKFLOWS = (FEATURE, DEVELOPMENT, STAGING, PRODUCTION)
CHECK_JOBS = ("tests", "lint", "typecheck", "e2e", "pipeline")
# Workflow, the stage (Heroku app suffix and APP_ENV), the GitHub environment.
DEPLOYS = ((STAGING, "staging", "Staging"), (PRODUCTION, "production", "Production"))
HEROKU_SETTINGS = {
    "HD_SECRET_KEY": "${{ secrets.SECRET_KEY }}",
    "HD_CLIENT_ID": "${{ secrets.CLIENT_ID }}",
    "HD_CLIENT_SECRET": "${{ secrets.CLIENT_SECRET }}",
    "HD_BASE_URL": "${{ secrets.BASE_URL }}",
}
# Which workflows an event starts: (event, ref, workflows).
TRIGGERS = [
    ("push", "refs/heads/feat/sign-in", {FEATURE}),
    ("push", "refs/heads/fix-typo", {FEATURE}),
    ("push", "refs/heads/release-notes", {FEATURE}),
    ("workflow_dispatch", "refs/heads/feat/sign-in", {FEATURE}),
    ("pull_request", "refs/heads/development", {DEVELOPMENT}),
    ("push", "refs/heads/development", {DEVELOPMENT}),
    ("push", "refs/heads/staging", {STAGING}),
    ("push", "refs/heads/release", set()),
    ("push", "refs/heads/production", {PRODUCTION}),
    ("push", "refs/tags/v0.2.0", {RELEASE}),
    ("push", "refs/tags/v1.0.0rc1", {RELEASE}),
    ("push", "refs/tags/nightly", set()),
]


def filter_matches(pattern: str, name: str) -> bool:
    """Whether a branch or tag filter matches, as GitHub reads ``*`` and ``**``."""
    assert not set(pattern) & set("?+[]!"), f"pattern {pattern!r} is beyond this model"
    parts = re.split(r"(\*\*|\*)", pattern)
    regex = "".join(
        ".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part)
        for part in parts
    )
    return re.fullmatch(regex, name) is not None


def starts(workflow: Workflow, event: str, ref: str) -> bool:
    """Whether ``event`` on ``ref`` (for a pull request: its base) starts it."""
    if event not in workflow["on"]:
        return False
    filters: Dict[str, List[str]] = workflow["on"][event] or {}
    if ref.startswith("refs/tags/"):
        kind, other, name = "tags", "branches", ref.removeprefix("refs/tags/")
    else:
        kind, other, name = "branches", "tags", ref.removeprefix("refs/heads/")
    if kind not in filters and f"{kind}-ignore" not in filters:
        # Filters on the other kind of ref only: this kind never starts it.
        return other not in filters and f"{other}-ignore" not in filters
    if kind in filters:
        return any(filter_matches(pattern, name) for pattern in filters[kind])
    return not any(filter_matches(p, name) for p in filters[f"{kind}-ignore"])


def steps(workflow: Workflow) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """Every step of every job, with its job's id."""
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def step_using(job: Dict[str, Any], action: str) -> Tuple[int, Dict[str, Any]]:
    """The one step of ``job`` that uses ``action``, with its index."""
    found = [
        (index, step)
        for index, step in enumerate(job["steps"])
        if str(step.get("uses", "")).startswith(action + "@")
    ]
    assert len(found) == 1, f"expected one step using {action}"
    return found[0]


def nox_sessions(job: Dict[str, Any]) -> Set[str]:
    """The nox sessions a job's scripts run."""
    return {
        match.group(1)
        for step in job["steps"]
        for match in re.finditer(r'nox -s "?([a-z0-9]+)', step.get("run", ""))
    }


def without_environment(job: Dict[str, Any]) -> Dict[str, Any]:
    """A check job less its GitHub environment, which only feature branches use."""
    return {key: value for key, value in job.items() if key != "environment"}


class TestTriggers:
    """Which branch, pull request or tag starts which workflow."""

    @pytest.mark.parametrize(("event", "ref", "expected"), TRIGGERS)
    def test_event_starts_exactly_its_workflows(
        self, workflows: Dict[str, Workflow], event: str, ref: str, expected: Set[str]
    ) -> None:
        """The branch model: each stage's workflow, and nothing else."""
        started = {name for name, flow in workflows.items() if starts(flow, event, ref)}

        assert started == expected

    def test_feature_workflow_ignores_exactly_the_protected_branches(
        self, workflows: Dict[str, Workflow]
    ) -> None:
        """Every other branch is a feature branch."""
        ignored = workflows[FEATURE]["on"]["push"]["branches-ignore"]

        assert sorted(ignored) == sorted(PROTECTED_BRANCHES)


class TestChecks:
    """The check jobs: the nox sessions people run locally, the same everywhere."""

    @pytest.mark.parametrize("name", CHECK_WORKFLOWS)
    def test_check_jobs_run_every_default_nox_session(
        self, workflows: Dict[str, Workflow], name: str
    ) -> None:
        """`make test`'s sessions, one job each, calling nox and only nox."""
        jobs = workflows[name]["jobs"]
        default_sessions = noxfile_constant("nox.options.sessions")

        assert {job_id: nox_sessions(jobs[job_id]) for job_id in CHECK_JOBS} == {
            session: {session} for session in default_sessions
        }

    def test_tests_matrix_is_every_python_of_the_noxfile(
        self, workflows: Dict[str, Workflow]
    ) -> None:
        """CPython 3.7 to 3.13; 3.7 on ubuntu-22.04, the last image that has it."""
        matrix = workflows[FEATURE]["jobs"]["tests"]["strategy"]["matrix"]["include"]
        images = {entry["python"]: entry["os"] for entry in matrix}

        assert list(images) == noxfile_constant("PYTHONS")
        assert images.pop("3.7") == "ubuntu-22.04"
        assert set(images.values()) == {"ubuntu-24.04"}

    @pytest.mark.parametrize("name", [DEVELOPMENT, STAGING, PRODUCTION])
    def test_every_check_workflow_has_the_same_check_jobs(
        self, workflows: Dict[str, Workflow], name: str
    ) -> None:
        """A change to one check must reach all four workflows."""
        jobs, feature = workflows[name]["jobs"], workflows[FEATURE]["jobs"]

        for job_id in CHECK_JOBS:
            assert without_environment(jobs[job_id]) == without_environment(
                feature[job_id]
            ), job_id

    def test_feature_checks_run_in_the_development_environment(
        self, workflows: Dict[str, Workflow]
    ) -> None:
        """Feature branches run in the GitHub environment Development."""
        jobs = workflows[FEATURE]["jobs"]

        assert {jobs[job_id].get("environment") for job_id in jobs} == {"Development"}

    @pytest.mark.parametrize("name", CHECK_WORKFLOWS)
    def test_ci_skips_the_branch_guard(
        self, workflows: Dict[str, Workflow], name: str
    ) -> None:
        """The pipeline session runs the hooks, which on a protected branch would
        refuse the checkout under test; CI commits nothing, so it skips the guard."""
        env = workflows[name]["jobs"]["pipeline"]["env"]

        assert env["SKIP"] == "no-commit-to-branch"


class TestDeploys:
    """Staging and production: checks first, then one deploy at a time."""

    @pytest.mark.parametrize(("name", "stage", "environment"), DEPLOYS)
    def test_deploy_needs_every_check(
        self, workflows: Dict[str, Workflow], name: str, stage: str, environment: str
    ) -> None:
        """Nothing reaches Heroku that has not passed every check."""
        jobs = workflows[name]["jobs"]

        assert set(jobs) == {*CHECK_JOBS, "deploy"}
        assert sorted(jobs["deploy"]["needs"]) == sorted(CHECK_JOBS)

    @pytest.mark.parametrize(("name", "stage", "environment"), DEPLOYS)
    def test_deploy_goes_to_its_stage_s_app_and_environment(
        self, workflows: Dict[str, Workflow], name: str, stage: str, environment: str
    ) -> None:
        """<APP_NAME>-<stage>, in the GitHub environment that holds its secrets."""
        deploy = workflows[name]["jobs"]["deploy"]
        _, step = step_using(deploy, "akhileshns/heroku-deploy")

        assert deploy["environment"] == environment
        assert step["with"] == {
            "heroku_api_key": "${{ secrets.HEROKU_API_KEY }}",
            "heroku_email": "${{ secrets.HEROKU_EMAIL }}",
            "heroku_app_name": f"${{{{ vars.APP_NAME }}}}-{stage}",
            "dontautocreate": True,
        }
        assert step["env"] == {**HEROKU_SETTINGS, "HD_APP_ENV": stage}

    @pytest.mark.parametrize(("name", "stage", "environment"), DEPLOYS)
    def test_deploys_never_overlap(
        self, workflows: Dict[str, Workflow], name: str, stage: str, environment: str
    ) -> None:
        """One deploy per app at a time, runs queued in order, none cancelled."""
        workflow = workflows[name]
        job = workflow["jobs"]["deploy"]["concurrency"]

        assert job == {"group": f"deploy-{stage}", "cancel-in-progress": False}
        assert workflow["concurrency"]["cancel-in-progress"] is False

    @pytest.mark.parametrize(("name", "stage", "environment"), DEPLOYS)
    def test_cli_comes_before_the_deploy_and_healthz_after_it(
        self, workflows: Dict[str, Workflow], name: str, stage: str, environment: str
    ) -> None:
        """heroku-deploy needs the Heroku CLI; /healthz proves the release is up."""
        deploy = workflows[name]["jobs"]["deploy"]
        index, _ = step_using(deploy, "akhileshns/heroku-deploy")
        scripts = [step.get("run", "") for step in deploy["steps"]]
        cli = [
            i
            for i, script in enumerate(scripts)
            if "npm install --global heroku" in script
        ]
        health = [
            i for i, script in enumerate(scripts) if '"$BASE_URL/healthz"' in script
        ]

        assert cli
        assert cli[0] < index
        assert health
        assert health[0] > index
        assert "--fail" in scripts[health[0]]


class TestRelease:
    """The release workflow: built files and the changelog's section."""

    def test_release_checks_out_the_whole_history(
        self, workflows: Dict[str, Workflow]
    ) -> None:
        """commitizen reads the tags; the release is cut from the pushed tag."""
        job = workflows[RELEASE]["jobs"]["release"]
        _, checkout = step_using(job, "actions/checkout")

        assert checkout["with"]["fetch-depth"] == 0

    def test_release_builds_and_attaches_the_sdist_and_the_wheel(
        self, workflows: Dict[str, Workflow]
    ) -> None:
        """The built files go up with the notes taken from CHANGELOG.md."""
        job = workflows[RELEASE]["jobs"]["release"]
        index, publish = step_using(job, "softprops/action-gh-release")
        scripts = [step.get("run", "") for step in job["steps"][:index]]

        assert any("python -m build" in script for script in scripts)
        assert any("release-notes.md" in script for script in scripts)
        assert publish["with"]["body_path"] == "release-notes.md"
        assert publish["with"]["files"].split() == ["dist/*.tar.gz", "dist/*.whl"]
        assert publish["with"]["fail_on_unmatched_files"] is True


class TestSafeguards:
    """Least privilege, pinned actions, and secrets kept out of scripts and logs."""

    @pytest.mark.parametrize("name", [*CHECK_WORKFLOWS, RELEASE])
    def test_permissions_are_least_privilege(
        self, workflows: Dict[str, Workflow], name: str
    ) -> None:
        """None by default; each job reads, and only the release job writes."""
        workflow = workflows[name]

        assert workflow["permissions"] == {}
        for job_id, job in workflow["jobs"].items():
            wanted = {"contents": "write" if job_id == "release" else "read"}
            assert job["permissions"] == wanted, (name, job_id)

    @pytest.mark.parametrize("name", [*CHECK_WORKFLOWS, RELEASE])
    def test_checkouts_keep_no_credentials(
        self, workflows: Dict[str, Workflow], name: str
    ) -> None:
        """No workflow pushes to GitHub, so no checkout leaves a token in .git."""
        checkouts = [
            step
            for _, step in steps(workflows[name])
            if str(step.get("uses", "")).startswith("actions/checkout@")
        ]

        assert checkouts
        assert all(step["with"]["persist-credentials"] is False for step in checkouts)

    @pytest.mark.parametrize("name", [*CHECK_WORKFLOWS, RELEASE])
    def test_actions_are_pinned_to_verified_commits(self, name: str) -> None:
        """`uses: OWNER/NAME@<commit> # <tag>`, as ACTIONS.md lists them."""
        text = (ROOT / ".github" / "workflows" / name).read_text()
        uses = re.findall(r"uses:\s*(\S+)@(\S+)(?:\s+#\s*(\S+))?", text)

        assert uses
        for action, commit, tag in uses:
            assert VERIFIED_ACTIONS.get(action) == (commit, tag), action

    @pytest.mark.parametrize("name", [*CHECK_WORKFLOWS, RELEASE])
    def test_scripts_hold_no_expressions(
        self, workflows: Dict[str, Workflow], name: str
    ) -> None:
        """Values reach `run:` scripts through env, never `${{ }}` (injection)."""
        scripts = [step["run"] for _, step in steps(workflows[name]) if "run" in step]

        assert scripts
        assert not [script for script in scripts if "${{" in script]

    @pytest.mark.parametrize("name", [*CHECK_WORKFLOWS, RELEASE])
    def test_scripts_never_print_a_secret(
        self, workflows: Dict[str, Workflow], name: str
    ) -> None:
        """A variable holding a secret is not echoed, and no script traces itself."""
        for job_id, step in steps(workflows[name]):
            job = workflows[name]["jobs"][job_id]
            env = {**workflows[name].get("env", {}), **job.get("env", {})}
            env.update(step.get("env", {}))
            secret = [key for key, value in env.items() if "secrets." in str(value)]
            script = step.get("run", "")
            printing = [
                line
                for line in script.splitlines()
                if re.search(r"\b(echo|printf)\b", line)
            ]

            assert "set -x" not in script
            assert "xtrace" not in script
            for key in secret:
                leaks = [line for line in printing if re.search(rf"\${{?{key}\b", line)]
                assert not leaks, (job_id, key, leaks)

    def test_every_secret_and_variable_is_in_the_readme(self) -> None:
        """Whoever sets up the repository finds every name it must create."""
        text = "".join(
            (ROOT / ".github" / "workflows" / name).read_text()
            for name in [*CHECK_WORKFLOWS, RELEASE]
        )
        names = set(re.findall(r"\$\{\{\s*(?:secrets|vars)\.([A-Z0-9_]+)", text))
        environments = {"Development", "Staging", "Production"}
        readme = (ROOT / "README.md").read_text()

        assert names >= {"HEROKU_API_KEY", "HEROKU_EMAIL", "APP_NAME", "SECRET_KEY"}
        missing = sorted(
            name for name in names | environments if f"`{name}`" not in readme
        )
        assert not missing, f"README.md does not name {missing}"
