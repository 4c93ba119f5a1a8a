"""Who may sign in, decided from the provider's organisations and teams."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_sign_in import authorize_as


def test_a_member_of_the_allowed_team_gets_in(page: Page, team_only_url: str) -> None:
    authorize_as(page, team_only_url, "many-teams")

    expect(page).to_have_url(f"{team_only_url}/dashboard")
    expect(page.locator("#scopes")).to_contain_text("read:org")


def test_someone_outside_the_team_is_refused_by_name(
    page: Page, team_only_url: str
) -> None:
    authorize_as(page, team_only_url, "octo-demo")

    expect(page.get_by_role("heading", name="Access refused")).to_be_visible()
    expect(page.locator("#problem")).to_contain_text("octo-demo")
    expect(page.locator("#problem")).to_contain_text("ALLOWED_TEAMS")
    page.goto(f"{team_only_url}/dashboard")
    expect(page).to_have_url(f"{team_only_url}/home")
