"""A GitHub-compatible OAuth provider for development and offline end-to-end tests.

It stands in for github.com (``/login/oauth/...``) and for the REST API under
``/api/v3`` (Enterprise-style), so point the app at it with::

    GITHUB_URL=http://127.0.0.1:5556
    GITHUB_API_URL=http://127.0.0.1:5556/api/v3

and run ``python -m github_oauth_app.devprovider`` (or ``github-oauth-devprovider``).
It listens on loopback only, keeps its state in memory, and refuses to start when
``APP_ENV`` is ``production`` or ``staging``. It imports nothing of the app.

Demo accounts (the picker lists them in this order, the first preselected):

``octo-demo``
    Full profile: name, public email, company, blog, bio, four repositories;
    orgs ``demo-org`` and ``other-org``; teams ``demo-org/maintainers``,
    ``demo-org/reviewers``, ``other-org/developers``.
``private-email``
    ``email`` is null in ``/user``; ``/user/emails`` has a primary, verified,
    private address, an unverified one and a noreply one. The name,
    ``Zoë "Zed" O'Brien <&>``, checks the app's escaping. Org ``demo-org``, team
    ``demo-org/reviewers``.
``nameless``
    ``name`` is null, public email; no orgs (``/user/orgs`` is ``[]``), no teams.
``many-teams``
    Orgs ``demo-org``, ``other-org`` and ``restricted-org``; 36 listable teams, so
    ``/user/teams`` spans two pages (30 + 6) with ``Link`` headers.
    ``restricted-org`` has OAuth App access restrictions: its team is left out of
    ``/user/teams`` and ``/user/memberships/orgs/restricted-org`` answers 403.
``unverified``
    The primary email is unverified, so the token request answers
    ``error=unverified_user_email``.
``blank-strings``
    ``name`` and ``email`` are ``""`` rather than null.

Selectors for Playwright on the authorize page (``/login/oauth/authorize``):

- account radios: ``page.get_by_label("octo-demo", exact=True)``, or
  ``#account-<login>`` / ``get_by_test_id("account-<login>")``;
- scope checkboxes (all ticked; untick to grant fewer):
  ``get_by_test_id("scope-read:user")``;
- buttons: ``page.get_by_role("button", name="Authorize")`` and
  ``page.get_by_role("button", name="Cancel")``, also ``#authorize`` / ``#cancel``
  and test ids ``authorize`` / ``cancel``;
- ``get_by_test_id("app-name")``, ``"client-id"``, ``"redirect-origin"``;
- the banner on every page: ``get_by_test_id("devprovider-banner")``;
- error pages: ``get_by_test_id("error-title")`` and ``"error-detail"``.

``login=<login>`` preselects that account; ``prompt=select_account`` is accepted
(the picker is always shown). The form carries a one-time token bound to a
``SameSite=Lax`` cookie, so a cross-site post cannot authorise.
"""

from ._app import DeployedEnvironmentError, create_provider
from ._cli import main

__all__ = ["DeployedEnvironmentError", "create_provider", "main"]
