"""The sign-in service, against a hand-written fake of the GitHub port."""

from __future__ import annotations

from typing import List, Optional
from urllib.parse import parse_qs, urlsplit

import pytest

from github_oauth_app.domain import pkce
from github_oauth_app.domain.access import AccessPolicy
from github_oauth_app.domain.errors import (
    AccessRefused,
    AuthorizationDenied,
    GitHubUnavailable,
    InvalidCallback,
    StateMismatch,
)
from github_oauth_app.domain.models import (
    AccessToken,
    CallbackParams,
    EmailAddress,
    PendingAuthorization,
)
from github_oauth_app.domain.service import (
    PENDING_TTL_SECONDS,
    SignInService,
    choose_email,
    parse_callback,
)
from tests.unit.fakes import OCTOCAT, TOKEN, FakeGitHub

REDIRECT_URI = "https://app.example/github/callback"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_service(
    github: FakeGitHub,
    clock: Optional[Clock] = None,
    policy: Optional[AccessPolicy] = None,
) -> SignInService:
    return SignInService(
        github,
        client_id="client-123",
        authorize_url="https://github.example/login/oauth/authorize",
        scopes=["read:user", "user:email"],
        policy=policy,
        clock=clock or Clock(),
    )


def test_begin_builds_the_authorization_url() -> None:
    service = make_service(FakeGitHub())

    request = service.begin(REDIRECT_URI)

    url = urlsplit(request.url)
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    assert url.netloc == "github.example"
    assert url.path == "/login/oauth/authorize"
    assert query["client_id"] == "client-123"
    assert query["redirect_uri"] == REDIRECT_URI
    assert query["scope"] == "read:user user:email"
    assert query["state"] == request.pending.state
    assert query["code_challenge"] == pkce.challenge(request.pending.code_verifier)
    assert query["code_challenge_method"] == "S256"
    assert "prompt" not in query


def test_begin_makes_a_fresh_state_of_at_least_128_bits_each_time() -> None:
    service = make_service(FakeGitHub())

    states = {service.begin(REDIRECT_URI).pending.state for _ in range(50)}

    assert len(states) == 50
    # base64url carries 6 bits a character.
    assert all(len(state) * 6 >= 128 for state in states)


def test_begin_with_select_account_asks_for_the_account_picker() -> None:
    service = make_service(FakeGitHub())

    request = service.begin(REDIRECT_URI, select_account=True)

    assert parse_qs(urlsplit(request.url).query)["prompt"] == ["select_account"]


def test_pkce_challenge_matches_the_rfc_7636_example() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    assert pkce.challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_pkce_verifier_has_a_length_rfc_7636_allows() -> None:
    verifier = pkce.new_verifier()

    assert 43 <= len(verifier) <= 128


async def test_complete_exchanges_the_code_and_reads_the_person() -> None:
    github = FakeGitHub()
    service = make_service(github)
    pending = service.begin(REDIRECT_URI, next_path="/dashboard").pending

    signed_in = await service.complete(
        pending, CallbackParams(code="code-1", state=pending.state)
    )

    assert github.called("exchange_code") == [
        ("code-1", REDIRECT_URI, pending.code_verifier)
    ]
    assert github.called("fetch_profile") == [(TOKEN,)]
    assert github.called("fetch_emails") == [(TOKEN,)]
    assert signed_in.user == OCTOCAT
    assert signed_in.email == "octo@example.org"
    assert signed_in.scopes == ("read:user", "user:email")
    assert signed_in.next_path == "/dashboard"


async def test_complete_skips_emails_when_the_email_scope_was_not_granted() -> None:
    github = FakeGitHub(token=AccessToken(TOKEN, ("read:user",)))
    service = make_service(github)
    pending = service.begin(REDIRECT_URI).pending

    signed_in = await service.complete(
        pending, CallbackParams(code="code-1", state=pending.state)
    )

    assert github.called("fetch_emails") == []
    assert signed_in.email is None


async def test_complete_reports_a_cancel_without_calling_github() -> None:
    github = FakeGitHub()
    service = make_service(github)
    pending = service.begin(REDIRECT_URI).pending
    params = CallbackParams(state=pending.state, error="access_denied")

    with pytest.raises(AuthorizationDenied) as caught:
        await service.complete(pending, params)

    assert caught.value.cancelled
    assert github.calls == []


@pytest.mark.parametrize(
    ("state", "has_pending"),
    [(None, True), ("not-the-state", True), ("any", False)],
    ids=["missing", "wrong", "nothing-pending"],
)
async def test_complete_with_a_bad_state_never_calls_github(
    state: Optional[str], has_pending: bool
) -> None:
    github = FakeGitHub()
    service = make_service(github)
    pending = service.begin(REDIRECT_URI).pending if has_pending else None

    with pytest.raises(StateMismatch):
        await service.complete(pending, CallbackParams(code="code-1", state=state))

    assert github.calls == []


async def test_complete_refuses_an_attempt_older_than_ten_minutes() -> None:
    github, clock = FakeGitHub(), Clock()
    service = make_service(github, clock)
    pending = service.begin(REDIRECT_URI).pending
    clock.now += PENDING_TTL_SECONDS + 1

    with pytest.raises(StateMismatch):
        await service.complete(pending, CallbackParams(code="c", state=pending.state))

    assert github.calls == []


async def test_complete_without_code_or_error_is_invalid() -> None:
    service = make_service(FakeGitHub())
    pending = service.begin(REDIRECT_URI).pending

    with pytest.raises(InvalidCallback):
        await service.complete(pending, CallbackParams(state=pending.state))


async def test_complete_passes_github_failures_on() -> None:
    github = FakeGitHub()
    github.fail("fetch_profile", GitHubUnavailable("down"))
    service = make_service(github)
    pending = service.begin(REDIRECT_URI).pending

    with pytest.raises(GitHubUnavailable):
        await service.complete(pending, CallbackParams(code="c", state=pending.state))


@pytest.mark.parametrize(
    "query",
    [
        {"code": ["a", "b"], "state": ["s"]},
        {"code": ["c"], "state": ["s", "s"]},
        {"code": ["c" * 257], "state": ["s"]},
        {"state": ["s" * 257]},
        {"error": ["e" * 65]},
        {"error_description": ["d" * 1025]},
        {"error": ["x)\nINFO forged line"]},
        {"error": ["Access_Denied"]},
    ],
    ids=[
        "two-codes",
        "two-states",
        "long-code",
        "long-state",
        "long-error",
        "long-text",
        "error-with-newline",
        "error-not-snake-case",
    ],
)
def test_parse_callback_refuses_repeated_or_oversized_parameters(
    query: dict[str, List[str]],
) -> None:
    with pytest.raises(InvalidCallback):
        parse_callback(query)


def test_parse_callback_reads_a_normal_answer() -> None:
    params = parse_callback({"code": ["0123456789abcdef0123"], "state": ["xyz"]})

    assert params == CallbackParams(code="0123456789abcdef0123", state="xyz")


@pytest.mark.parametrize(
    ("emails", "public", "expected"),
    [
        (
            [
                EmailAddress("old@example.org", primary=False, verified=True),
                EmailAddress("main@example.org", primary=True, verified=True),
            ],
            "public@example.org",
            "main@example.org",
        ),
        (
            [EmailAddress("main@example.org", primary=True, verified=False)],
            "public@example.org",
            "public@example.org",
        ),
        ([], None, None),
        ([], "", None),
    ],
    ids=["primary-verified", "unverified-falls-back", "none", "empty-string"],
)
def test_choose_email_prefers_the_primary_verified_address(
    emails: List[EmailAddress], public: Optional[str], expected: Optional[str]
) -> None:
    user = OCTOCAT.__class__(login="someone", id=1, email=public)

    assert choose_email(user, emails) == expected


def test_pending_authorization_survives_a_round_trip_through_a_record() -> None:
    pending = make_service(FakeGitHub()).begin(REDIRECT_URI, next_path="/x").pending

    assert PendingAuthorization.from_record(pending.to_record()) == pending


@pytest.mark.parametrize(
    "record", [None, "text", {}, {"state": 1, "code_verifier": "v"}], ids=repr
)
def test_pending_authorization_from_a_bad_record_is_none(record: object) -> None:
    assert PendingAuthorization.from_record(record) is None


async def test_keep_fresh_refreshes_a_token_about_to_expire() -> None:
    github, clock = FakeGitHub(), Clock()
    service = make_service(github, clock)
    token = AccessToken("gho_old", expires_at=clock.now + 60, refresh_token="ghr_1")

    fresh = await service.keep_fresh(token)

    assert github.called("refresh") == [("ghr_1",)]
    assert fresh == github.refreshed


async def test_keep_fresh_leaves_a_long_lived_token_alone() -> None:
    github, clock = FakeGitHub(), Clock()
    service = make_service(github, clock)
    lasting = AccessToken("gho_a", expires_at=clock.now + 8 * 3600, refresh_token="r")
    forever = AccessToken("gho_b")

    assert await service.keep_fresh(lasting) is lasting
    assert await service.keep_fresh(forever) is forever
    assert github.calls == []


async def test_sign_out_revokes_the_grant_when_asked() -> None:
    github = FakeGitHub()
    service = make_service(github)

    revoked = await service.sign_out(AccessToken(TOKEN), revoke=True)

    assert revoked
    assert github.called("revoke_grant") == [(TOKEN,)]


async def test_sign_out_survives_a_failure_to_revoke() -> None:
    github = FakeGitHub()
    github.fail("revoke_grant", GitHubUnavailable("down"))
    service = make_service(github)

    revoked = await service.sign_out(AccessToken(TOKEN), revoke=True)

    assert not revoked


async def test_sign_out_without_revocation_calls_nobody() -> None:
    github = FakeGitHub()
    service = make_service(github)

    revoked = await service.sign_out(AccessToken(TOKEN), revoke=False)

    assert not revoked
    assert github.calls == []


async def test_complete_refuses_a_person_no_rule_admits() -> None:
    github = FakeGitHub(orgs=frozenset({"elsewhere"}))
    service = make_service(github, policy=AccessPolicy.of(orgs=["our-org"]))
    pending = service.begin(REDIRECT_URI).pending

    with pytest.raises(AccessRefused) as caught:
        await service.complete(pending, CallbackParams(code="c", state=pending.state))

    assert caught.value.login == OCTOCAT.login
    assert "ALLOWED_ORGS" in caught.value.reason


async def test_recheck_refuses_a_person_removed_from_the_organisation() -> None:
    github = FakeGitHub(orgs=frozenset({"our-org"}))
    service = make_service(github, policy=AccessPolicy.of(orgs=["Our-Org"]))
    await service.recheck(AccessToken(TOKEN))
    github.orgs = frozenset()

    with pytest.raises(AccessRefused):
        await service.recheck(AccessToken(TOKEN))
