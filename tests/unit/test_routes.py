"""The pages and redirects, through Quart's test client and a fake GitHub."""

from __future__ import annotations

import logging
import time
from typing import Any, Dict
from urllib.parse import parse_qs, urlsplit

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client

from github_oauth_app.adapters.web.session import EncryptedCookieSessionInterface
from github_oauth_app.app import create_app
from github_oauth_app.domain.errors import (
    AccessRefused,
    BadCredentials,
    GitHubTimeout,
    GitHubUnavailable,
    RateLimited,
    TokenExchangeFailed,
)
from github_oauth_app.domain.models import AccessToken, GitHubUser
from tests.unit.conftest import SECRET_KEY, make_settings, sign_in, start_sign_in
from tests.unit.fakes import SCOPES, TOKEN, FakeGitHub


def session_cookie(response: Any, name: str = "session") -> str:
    """The value of the session cookie a response sets."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return str(header.split(";", 1)[0].split("=", 1)[1])
    raise AssertionError(f"no {name} cookie in {response.headers}")


def seal(data: Dict[str, Any], *keys: str) -> str:
    return EncryptedCookieSessionInterface(keys or (SECRET_KEY,), 3600).seal(data)


async def page(response: Any) -> str:
    return str(await response.get_data(as_text=True))


async def form_token(client: Client) -> str:
    """The sign-out form's token, as the dashboard renders it."""
    body = await page(await client.get("/dashboard"))
    marker = 'name="csrf_token" value="'
    start = body.index(marker) + len(marker)
    return body[start : body.index('"', start)]


async def test_root_redirects_to_home(client: Client) -> None:
    response = await client.get("/")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")


async def test_home_offers_the_sign_in_button(client: Client) -> None:
    response = await client.get("/home")

    assert response.status_code == 200
    assert "Sign in with GitHub" in await page(response)


async def test_home_links_a_signed_in_person_to_the_dashboard(
    client: Client,
) -> None:
    await sign_in(client)

    body = await page(await client.get("/home"))

    assert 'href="/dashboard"' in body
    assert 'id="sign-in"' not in body


async def test_healthz_answers_without_calling_github(
    client: Client, github: FakeGitHub
) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert await response.get_json() == {"status": "ok"}
    assert github.calls == []


async def test_login_redirects_to_github_with_state_and_pkce(
    client: Client,
) -> None:
    state, params = await start_sign_in(client)

    assert params["client_id"] == "client-123"
    assert params["redirect_uri"] == "http://localhost/github/callback"
    assert params["scope"] == "read:user user:email"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert len(state) >= 22


async def test_login_uses_base_url_for_the_callback() -> None:
    app = create_app(make_settings(base_url="https://app.example"), FakeGitHub())
    client = app.test_client()

    _, params = await start_sign_in(client)

    assert params["redirect_uri"] == "https://app.example/github/callback"


async def test_login_ignores_forwarded_headers_from_an_untrusted_client(
    client: Client,
) -> None:
    response = await client.get(
        "/login",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
    )

    assert "redirect_uri=http%3A%2F%2Flocalhost%2F" in response.headers["Location"]


async def test_login_honours_one_trusted_proxy_hop() -> None:
    app = create_app(make_settings(trusted_proxy_hops=1), FakeGitHub())
    client = app.test_client()

    response = await client.get(
        "/login",
        headers={
            "X-Forwarded-Proto": "http, https",
            "X-Forwarded-Host": "app.example",
        },
    )

    location = response.headers["Location"]
    assert "redirect_uri=https%3A%2F%2Fapp.example%2Fgithub%2Fcallback" in location


async def test_login_with_select_account_asks_github_for_the_picker(
    client: Client,
) -> None:
    _, params = await start_sign_in(client, {"select_account": "1"})

    assert params["prompt"] == "select_account"


async def test_login_adds_read_org_when_organisations_are_allowed() -> None:
    app = create_app(make_settings(allowed_orgs=("our-org",)), FakeGitHub())

    _, params = await start_sign_in(app.test_client())

    assert params["scope"] == "read:user user:email read:org"


async def test_callback_signs_in_and_redirects_to_the_dashboard(
    client: Client, github: FakeGitHub
) -> None:
    response = await sign_in(client)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    code, redirect_uri, verifier = github.called("exchange_code")[0]
    assert code == "code-1"
    assert redirect_uri == "http://localhost/github/callback"
    assert len(verifier) >= 43


async def test_callback_sets_a_cookie_that_hides_the_token(
    client: Client,
) -> None:
    response = await sign_in(client)

    header = next(
        value
        for value in response.headers.getlist("Set-Cookie")
        if value.startswith("session=")
    )
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header
    assert TOKEN not in header
    assert "octo-person" not in header


async def test_callback_starts_a_fresh_session(app: Quart) -> None:
    client = app.test_client()
    state, _ = await start_sign_in(client)
    async with client.session_transaction() as before:
        before["left_over"] = "from before sign-in"

    await client.get("/github/callback", query_string={"code": "c", "state": state})

    async with client.session_transaction() as after:
        assert "left_over" not in after
        assert after["user"]["login"] == "octo-person"


async def test_callback_returns_to_a_safe_next_path(client: Client) -> None:
    response = await sign_in(client, {"next": "/home?tab=1"})

    assert response.headers["Location"].endswith("/home?tab=1")


@pytest.mark.parametrize(
    "target", ["//evil.example", "https://evil.example", "/\\evil.example"]
)
async def test_callback_ignores_an_unsafe_next_path(
    client: Client, target: str
) -> None:
    response = await sign_in(client, {"next": target})

    assert response.headers["Location"].endswith("/dashboard")


async def test_callback_shows_a_friendly_page_when_the_person_cancels(
    client: Client, github: FakeGitHub
) -> None:
    state, _ = await start_sign_in(client)

    response = await client.get(
        "/github/callback",
        query_string={"error": "access_denied", "state": state},
    )

    body = await page(response)
    assert response.status_code == 200
    assert "Sign-in cancelled" in body
    assert 'href="/login"' in body
    assert github.calls == []


@pytest.mark.parametrize(
    ("error", "status"),
    [
        ("application_suspended", 403),
        ("redirect_uri_mismatch", 400),
        ("something_new", 400),
    ],
)
async def test_callback_explains_other_authorization_errors(
    client: Client, github: FakeGitHub, error: str, status: int
) -> None:
    state, _ = await start_sign_in(client)

    response = await client.get(
        "/github/callback",
        query_string={"error": error, "error_description": "x", "state": state},
    )

    assert response.status_code == status
    assert "<h1>" in await page(response)
    assert github.calls == []


@pytest.mark.parametrize(
    "query",
    [{"code": "c"}, {"code": "c", "state": "forged"}],
    ids=["missing-state", "wrong-state"],
)
async def test_callback_with_a_bad_state_asks_to_start_again(
    client: Client, github: FakeGitHub, query: Dict[str, str]
) -> None:
    await start_sign_in(client)

    response = await client.get("/github/callback", query_string=query)

    assert response.status_code == 400
    assert "start the sign-in again" in await page(response)
    assert github.calls == []


async def test_callback_refuses_a_state_beyond_ascii(
    client: Client, github: FakeGitHub
) -> None:
    await start_sign_in(client)

    response = await client.get(
        "/github/callback", query_string={"code": "c", "state": "\u00e9t\u00e9"}
    )

    assert response.status_code == 400
    assert github.calls == []


async def test_callback_refuses_an_error_that_is_not_an_oauth_code(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    await start_sign_in(client)

    response = await client.get(
        "/github/callback", query_string={"error": "x)\nINFO forged"}
    )

    assert response.status_code == 400
    assert "forged" not in caplog.text


async def test_callback_refuses_a_replayed_state(
    client: Client, github: FakeGitHub
) -> None:
    state, _ = await start_sign_in(client)
    query = {"code": "c", "state": state}
    await client.get("/github/callback", query_string=query)

    replay = await client.get("/github/callback", query_string=query)

    assert replay.status_code == 400
    assert len(github.called("exchange_code")) == 1


async def test_callback_refuses_a_state_from_another_browser(app: Quart) -> None:
    victim, attacker = app.test_client(), app.test_client()
    state, _ = await start_sign_in(attacker)
    await start_sign_in(victim)

    response = await victim.get(
        "/github/callback", query_string={"code": "c", "state": state}
    )

    assert response.status_code == 400


async def test_callback_refuses_an_expired_attempt(
    app: Quart, github: FakeGitHub
) -> None:
    client = app.test_client()
    state, _ = await start_sign_in(client)
    async with client.session_transaction() as saved:
        saved["pending"] = {**saved["pending"], "created_at": time.time() - 3600}

    response = await client.get(
        "/github/callback", query_string={"code": "c", "state": state}
    )

    assert response.status_code == 400
    assert github.calls == []


async def test_callback_refuses_repeated_parameters(client: Client) -> None:
    state, _ = await start_sign_in(client)

    response = await client.get(
        f"/github/callback?code=a&code=b&state={state}",
    )

    assert response.status_code == 400


async def test_callback_refuses_an_oversized_code(client: Client) -> None:
    state, _ = await start_sign_in(client)

    response = await client.get(
        "/github/callback", query_string={"code": "c" * 5000, "state": state}
    )

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("error", "status", "text"),
    [
        (TokenExchangeFailed("bad_verification_code"), 400, "This sign-in expired"),
        (TokenExchangeFailed("incorrect_client_credentials"), 502, "misconfigured"),
        (TokenExchangeFailed("redirect_uri_mismatch"), 400, "misconfigured"),
        (TokenExchangeFailed("unverified_user_email"), 403, "Verify your email"),
        (TokenExchangeFailed("bad_refresh_token"), 502, "GitHub could not"),
        (GitHubTimeout("slow"), 504, "too long"),
        (GitHubUnavailable("down"), 502, "GitHub could not"),
        (BadCredentials("401"), 401, "sign in again"),
        (RateLimited("limit", retry_after=120), 503, "rate limit"),
    ],
    ids=lambda value: getattr(value, "error", None) or type(value).__name__,
)
async def test_callback_turns_github_failures_into_clear_pages(
    client: Client,
    github: FakeGitHub,
    error: Exception,
    status: Any,
    text: Any,
) -> None:
    assert isinstance(error, Exception)
    github.fail("exchange_code", error)  # type: ignore[arg-type]

    response = await sign_in(client)

    body = await page(response)
    assert response.status_code == status
    assert text in body
    assert "Traceback" not in body


async def test_rate_limited_page_says_when_to_come_back(
    client: Client, github: FakeGitHub
) -> None:
    github.fail("fetch_profile", RateLimited("limit", retry_after=42))

    response = await sign_in(client)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "42"


async def test_callback_refuses_someone_no_rule_admits(github: FakeGitHub) -> None:
    app = create_app(make_settings(allowed_users=("someone-else",)), github)
    client = app.test_client()

    response = await sign_in(client)

    body = await page(response)
    assert response.status_code == 403
    assert "octo-person" in body
    assert "ALLOWED_USERS" in body
    assert (await client.get("/dashboard")).status_code == 302


async def test_dashboard_without_a_session_redirects_home(
    client: Client,
) -> None:
    response = await client.get("/dashboard")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")


async def test_dashboard_shows_the_github_identity(client: Client) -> None:
    await sign_in(client)

    response = await client.get("/dashboard")

    body = await page(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    for expected in (
        "Octo Person",
        "octo-person",
        "octo@example.org",
        "https://github.com/octo-person",
        "https://avatars.githubusercontent.com/u/583231?v=4",
        "@example",
        "Builds things.",
        ">8<",
        "read:user, user:email",
    ):
        assert expected in body


async def test_dashboard_falls_back_to_the_login_when_name_is_null() -> None:
    nameless = GitHubUser(login="no-name", id=2, name=None)
    app = create_app(make_settings(), FakeGitHub(user=nameless, emails=[]))
    client = app.test_client()
    await sign_in(client)

    body = await page(await client.get("/dashboard"))

    assert '<h1 id="display-name">no-name</h1>' in body
    assert "not shared" in body


async def test_dashboard_escapes_everything_github_sends() -> None:
    hostile = GitHubUser(
        login="evil",
        id=3,
        name="<script>alert(1)</script>",
        company='"><img src=x onerror=alert(1)>',
        bio="\u202eevil\u0007 bell",
        html_url="javascript:alert(1)",
        avatar_url="javascript:alert(2)",
    )
    app = create_app(make_settings(), FakeGitHub(user=hostile))
    client = app.test_client()
    await sign_in(client)

    body = await page(await client.get("/dashboard"))

    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;" in body
    assert "<img src=x" not in body
    assert "\u202e" not in body
    assert "\u0007" not in body
    assert 'href="javascript:' not in body
    assert 'src="javascript:' not in body


async def test_every_page_carries_the_security_headers(
    client: Client,
) -> None:
    for path in ("/home", "/login", "/healthz", "/nowhere", "/static/app.css"):
        response = await client.get(path)

        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "form-action 'self' https://github.example" in policy
        assert "https://avatars.githubusercontent.com" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "Strict-Transport-Security" not in response.headers


async def test_production_adds_strict_transport_security() -> None:
    settings = make_settings(app_env="production", base_url="https://app.example")
    client = create_app(settings, FakeGitHub()).test_client()

    response = await client.get("/home")

    assert "max-age=" in response.headers["Strict-Transport-Security"]


async def test_https_base_url_makes_the_cookie_secure_and_host_bound() -> None:
    settings = make_settings(base_url="https://app.example")
    client = create_app(settings, FakeGitHub()).test_client()

    response = await client.get("/login")

    header = response.headers["Set-Cookie"]
    assert header.startswith("__Host-session=")
    assert "Secure" in header
    assert "Path=/" in header
    assert "Domain" not in header


async def test_logout_revokes_the_grant_and_clears_the_session(
    client: Client, github: FakeGitHub
) -> None:
    await sign_in(client)
    csrf = await form_token(client)

    response = await client.post("/logout", form={"csrf_token": csrf})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/home")
    assert github.called("revoke_grant") == [(TOKEN,)]
    assert (await client.get("/dashboard")).status_code == 302


async def test_logout_keeps_the_local_sign_out_when_revoking_fails(
    client: Client, github: FakeGitHub
) -> None:
    github.fail("revoke_grant", GitHubUnavailable("down"))
    await sign_in(client)
    csrf = await form_token(client)

    response = await client.post("/logout", form={"csrf_token": csrf})

    assert response.status_code == 303
    assert (await client.get("/dashboard")).status_code == 302


async def test_logout_without_revocation_does_not_call_github(
    github: FakeGitHub,
) -> None:
    client = create_app(make_settings(revoke_on_logout=False), github).test_client()
    await sign_in(client)
    csrf = await form_token(client)

    await client.post("/logout", form={"csrf_token": csrf})

    assert github.called("revoke_grant") == []


@pytest.mark.parametrize(
    "form",
    [{}, {"csrf_token": "forged"}, {"csrf_token": "\u00e9t\u00e9"}],
    ids=["none", "forged", "beyond-ascii"],
)
async def test_logout_without_a_valid_form_token_keeps_the_session(
    client: Client, github: FakeGitHub, form: Dict[str, str]
) -> None:
    await sign_in(client)
    await client.get("/dashboard")

    response = await client.post("/logout", form=form)

    assert response.status_code == 400
    assert github.called("revoke_grant") == []
    assert (await client.get("/dashboard")).status_code == 200


async def test_get_logout_signs_nobody_out(client: Client) -> None:
    await sign_in(client)

    response = await client.get("/logout")

    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "Sign in again" not in await page(response)
    assert (await client.get("/dashboard")).status_code == 200


@pytest.mark.parametrize(
    "cookie",
    ["garbage", "gAAAAA" + "A" * 100, "", "%00%ff"],
    ids=["garbage", "fernet-shaped", "empty", "binary"],
)
async def test_a_forged_cookie_is_no_session(app: Quart, cookie: str) -> None:
    response = await app.test_client().get(
        "/dashboard", headers={"Cookie": f"session={cookie}"}
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")


async def test_a_truncated_cookie_is_no_session(app: Quart) -> None:
    client = app.test_client()
    cookie = session_cookie(await sign_in(client))

    response = await app.test_client().get(
        "/dashboard", headers={"Cookie": f"session={cookie[:-5]}"}
    )

    assert response.status_code == 302


def signed_in_session(**changes: Any) -> Dict[str, Any]:
    now = time.time()
    data: Dict[str, Any] = {
        "user": {"login": "octo-person", "name": "Octo Person", "scopes": []},
        "token": {"value": TOKEN, "scopes": list(SCOPES)},
        "signed_in_at": now,
        "checked_at": now,
    }
    data.update(changes)
    return data


async def test_a_cookie_sealed_with_another_key_is_no_session(app: Quart) -> None:
    cookie = seal(signed_in_session(), "some-other-secret-key-some-other-secret")

    response = await app.test_client().get(
        "/dashboard", headers={"Cookie": f"session={cookie}"}
    )

    assert response.status_code == 302


async def test_a_cookie_sealed_with_a_rotated_key_still_opens(
    github: FakeGitHub,
) -> None:
    old_key = "the-previous-secret-key-the-previous-secret"
    settings = make_settings(secret_key_fallbacks=(old_key,))
    cookie = seal(signed_in_session(), old_key)

    response = (
        await create_app(settings, github)
        .test_client()
        .get("/dashboard", headers={"Cookie": f"session={cookie}"})
    )

    assert response.status_code == 200


async def test_a_session_past_its_lifetime_ends(app: Quart) -> None:
    cookie = seal(signed_in_session(signed_in_at=time.time() - 9 * 3600))
    headers = {"Cookie": f"session={cookie}"}

    dashboard = await app.test_client().get("/dashboard", headers=headers)
    home = await app.test_client().get("/home", headers=headers)

    assert dashboard.status_code == 302
    assert dashboard.headers["Location"].endswith("/home")
    assert 'id="sign-in"' in await page(home)


async def test_a_session_without_its_timestamps_ends_quietly(app: Quart) -> None:
    cookie = seal(signed_in_session(signed_in_at="yesterday", checked_at=None))

    response = await app.test_client().get(
        "/dashboard", headers={"Cookie": f"session={cookie}"}
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")


async def test_membership_is_rechecked_and_removal_ends_access() -> None:
    github = FakeGitHub(orgs=frozenset({"our-org"}))
    client = create_app(make_settings(allowed_orgs=("our-org",)), github).test_client()
    await sign_in(client)
    github.orgs = frozenset()
    async with client.session_transaction() as saved:
        saved["checked_at"] = time.time() - 901

    response = await client.get("/dashboard")

    assert response.status_code == 403
    assert "ALLOWED_ORGS" in await page(response)
    assert (await client.get("/dashboard")).status_code == 302


async def test_a_revoked_token_sends_the_person_to_sign_in(
    client: Client, github: FakeGitHub
) -> None:
    await sign_in(client)
    github.fail("fetch_profile", BadCredentials("401"))
    async with client.session_transaction() as saved:
        saved["checked_at"] = time.time() - 901

    response = await client.get("/dashboard")

    location = urlsplit(response.headers["Location"])
    assert response.status_code == 302
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": ["/dashboard"]}
    assert (await client.get("/dashboard")).status_code == 302


async def test_an_expiring_token_is_refreshed_before_it_expires() -> None:
    expiring = AccessToken(
        TOKEN, SCOPES, expires_at=time.time() + 60, refresh_token="ghr_1"
    )
    github = FakeGitHub(token=expiring)
    client = create_app(make_settings(), github).test_client()
    await sign_in(client)

    response = await client.get("/dashboard")

    assert response.status_code == 200
    assert github.called("refresh") == [("ghr_1",)]
    async with client.session_transaction() as saved:
        assert saved["token"]["value"] == github.refreshed.value


async def test_a_failed_refresh_signs_the_person_out() -> None:
    expiring = AccessToken(
        TOKEN, SCOPES, expires_at=time.time() + 60, refresh_token="ghr_1"
    )
    github = FakeGitHub(token=expiring)
    github.fail("refresh", TokenExchangeFailed("bad_refresh_token"))
    client = create_app(make_settings(), github).test_client()
    await sign_in(client)

    response = await client.get("/dashboard")

    assert response.status_code == 302
    assert (await client.get("/dashboard")).status_code == 302


async def test_recheck_refusal_page_names_the_login(github: FakeGitHub) -> None:
    client = create_app(make_settings(), github).test_client()
    await sign_in(client)
    github.fail("fetch_profile", AccessRefused("octo-person", "gone"))
    async with client.session_transaction() as saved:
        saved["checked_at"] = 0

    response = await client.get("/dashboard")

    assert response.status_code == 403


async def test_pages_name_our_own_favicon(client: Client) -> None:
    body = await page(await client.get("/home"))

    assert 'rel="icon" href="/static/favicon.svg"' in body
    assert (await client.get("/static/favicon.svg")).status_code == 200


async def test_unknown_pages_get_a_clear_404(client: Client) -> None:
    response = await client.get("/no/such/page")

    assert response.status_code == 404
    assert "There is no page at this address." in await page(response)


async def test_logs_never_carry_the_token_code_or_secret(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    await sign_in(client)
    await client.get("/dashboard")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "octo-person" in logged
    for secret in (TOKEN, "code-1", "client-secret-456", SECRET_KEY):
        assert secret not in logged


async def test_a_failure_logs_one_line(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    await client.get("/github/callback", query_string={"code": "c", "state": "s"})

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "StateMismatch" in warnings[0].getMessage()
