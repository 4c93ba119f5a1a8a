"""Who may sign in: the allow-list policy."""

from __future__ import annotations

import pytest

from github_oauth_app.domain.access import AccessPolicy
from github_oauth_app.domain.errors import AccessRefused, OrganizationRestricted
from tests.unit.fakes import TOKEN, FakeGitHub


async def test_policy_without_lists_admits_anyone_without_reading_membership() -> None:
    github = FakeGitHub()

    await AccessPolicy.of().check(github, TOKEN, "anyone")

    assert github.calls == []


async def test_policy_admits_a_listed_user_whatever_the_case() -> None:
    github = FakeGitHub()
    policy = AccessPolicy.of(users=["Octo-Person"], orgs=["our-org"])

    await policy.check(github, TOKEN, "octo-person")

    assert github.calls == []


async def test_policy_admits_a_member_of_an_allowed_organisation() -> None:
    github = FakeGitHub(orgs=frozenset({"our-org", "other"}))

    await AccessPolicy.of(orgs=["Our-Org"]).check(github, TOKEN, "octo-person")

    assert github.called("fetch_org_logins") == [(TOKEN,)]


async def test_policy_admits_a_member_of_an_allowed_team() -> None:
    github = FakeGitHub(teams=frozenset({"our-org/maintainers"}))
    policy = AccessPolicy.of(teams=["our-org/Maintainers"])

    await policy.check(github, TOKEN, "octo-person")

    assert github.called("fetch_team_slugs") == [(TOKEN,)]


async def test_policy_refusal_names_every_rule_that_refused() -> None:
    github = FakeGitHub(orgs=frozenset({"x"}), teams=frozenset({"x/y"}))
    policy = AccessPolicy.of(users=["a"], orgs=["b"], teams=["b/c"])

    with pytest.raises(AccessRefused) as caught:
        await policy.check(github, TOKEN, "octo-person")

    reason = caught.value.reason
    assert "ALLOWED_USERS" in reason
    assert "ALLOWED_ORGS" in reason
    assert "ALLOWED_TEAMS" in reason


async def test_policy_treats_a_restricted_organisation_as_no_membership() -> None:
    github = FakeGitHub()
    github.fail("fetch_org_logins", OrganizationRestricted("restricted"))

    with pytest.raises(AccessRefused) as caught:
        await AccessPolicy.of(orgs=["our-org"]).check(github, TOKEN, "octo-person")

    assert "access restrictions" in caught.value.reason


def test_policy_knows_when_it_needs_membership() -> None:
    assert not AccessPolicy.of(users=["a"]).needs_membership
    assert AccessPolicy.of(teams=["o/t"]).needs_membership
    assert AccessPolicy.of().open
