"""A person signs in with the development provider in headless Chromium."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS


def authorize_as(page: Page, app_url: str, login: str) -> None:
    """From the home page, through the provider's picker, back to the app."""
    page.goto(f"{app_url}/home")
    page.get_by_role("link", name="Sign in with GitHub").click()
    expect(page.get_by_test_id("devprovider-banner")).to_be_visible()
    page.get_by_label(login, exact=True).check()
    page.get_by_role("button", name="Authorize").click()


def test_sign_in_shows_the_dashboard_then_sign_out(page: Page, app_url: str) -> None:
    authorize_as(page, app_url, "octo-demo")

    expect(page).to_have_url(f"{app_url}/dashboard")
    expect(page.locator("#login")).to_have_text("octo-demo")
    expect(page.locator("#email")).to_contain_text("@")
    expect(page.locator("#scopes")).to_have_text("read:user, user:email")
    expect(page.locator("img.avatar")).to_have_js_property("complete", True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(f"{app_url}/home")
    expect(page.get_by_role("link", name="Sign in with GitHub")).to_be_visible()
    page.goto(f"{app_url}/dashboard")
    expect(page).to_have_url(f"{app_url}/home")


def test_cancel_on_github_explains_and_offers_a_retry(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/home")
    page.get_by_role("link", name="Sign in with GitHub").click()

    page.get_by_role("button", name="Cancel").click()

    expect(page.get_by_role("heading", name="Sign-in cancelled")).to_be_visible()
    page.get_by_role("link", name="Sign in again").click()
    expect(page.get_by_test_id("devprovider-banner")).to_be_visible()


def test_a_private_email_is_read_from_the_email_list(page: Page, app_url: str) -> None:
    authorize_as(page, app_url, "private-email")

    expect(page.locator("#email")).not_to_have_text("not shared")
    expect(page.locator("#display-name")).to_have_text('Zoë "Zed" O\'Brien <&>')


def test_a_person_without_a_name_is_greeted_by_login(page: Page, app_url: str) -> None:
    authorize_as(page, app_url, "nameless")

    expect(page.locator("#display-name")).to_have_text("nameless")


def test_unticked_scopes_are_shown_as_granted(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/login")
    page.get_by_label("octo-demo", exact=True).check()
    page.get_by_test_id("scope-user:email").uncheck()

    page.get_by_role("button", name="Authorize").click()

    expect(page.locator("#scopes")).to_have_text("read:user")
    expect(page.locator("#email")).not_to_have_text("not shared")


def test_replaying_the_callback_asks_to_start_again(page: Page, app_url: str) -> None:
    callbacks: list[str] = []
    page.on(
        "request",
        lambda request: (
            callbacks.append(request.url) if "/github/callback" in request.url else None
        ),
    )
    authorize_as(page, app_url, "octo-demo")
    expect(page).to_have_url(f"{app_url}/dashboard")

    response = page.goto(callbacks[0])

    assert response is not None
    assert response.status == 400
    expect(page.get_by_role("heading", name="Please start again")).to_be_visible()


def test_a_callback_with_a_forged_state_is_refused(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/login")

    response = page.goto(f"{app_url}/github/callback?code=0123&state=forged")

    assert response is not None
    assert response.status == 400
    expect(page.get_by_role("heading", name="Please start again")).to_be_visible()


def test_sign_out_with_a_forged_form_token_keeps_the_session(
    page: Page, app_url: str
) -> None:
    authorize_as(page, app_url, "octo-demo")

    answer = page.request.post(f"{app_url}/logout", form={"csrf_token": "forged"})

    assert answer.status == 400
    page.goto(f"{app_url}/dashboard")
    expect(page).to_have_url(f"{app_url}/dashboard")


def test_pages_send_the_security_headers(page: Page, app_url: str) -> None:
    response = page.goto(f"{app_url}/home")

    assert response is not None
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
