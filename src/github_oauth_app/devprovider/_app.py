"""The Quart app that answers like github.com and api.github.com (Enterprise paths)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import json
import logging
import os
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import urlencode, urlsplit

from decouple import AutoConfig
from quart import Blueprint, Quart, Response, current_app, render_template, request

from ._accounts import (
    ACCOUNTS,
    ORGS,
    TEAMS,
    avatar_svg,
    emails_json,
    org_json,
    repo_json,
    simple_user_json,
    team_json,
    user_json,
)
from ._oauth import (
    AccessToken,
    OAuthServer,
    PageError,
    Redirect,
    Registration,
    TokenError,
    new_browser_id,
)

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v3"
DEFAULT_CLIENT_ID = "dev-client-id"
DEFAULT_CLIENT_SECRET = "dev-client-secret"  # noqa: S105 - a public development value
DEFAULT_CALLBACK_URL = "http://localhost:5000/github/callback"
DEFAULT_APP_NAME = "github-oauth-app (development)"

_EXTENSION = "github_oauth_app.devprovider"
_REFUSED_ENVIRONMENTS = frozenset({"production", "staging"})
_BROWSER_COOKIE = "devprovider_browser"
_JSON = "application/json; charset=utf-8"
_FORM = "application/x-www-form-urlencoded; charset=utf-8"
_REST_DOCS = "https://docs.github.com/rest"
_ORG_SCOPES = ("admin:org", "read:org", "repo", "user", "write:org")
_EMAIL_SCOPES = ("user", "user:email")
_USER_AGENT_REFUSAL = (
    "Request forbidden by administrative rules. Please make sure your request has "
    "a User-Agent header (https://docs.github.com/en/rest/overview/"
    "resources-in-the-rest-api#user-agent-required). Check "
    "https://developer.github.com for other possible causes.\n"
)
_OAUTH_RESTRICTION = (
    "Although you appear to have the correct authorization credentials, the "
    "organization has enabled OAuth App access restrictions, meaning that data "
    "access to third-parties is limited. For more information on these "
    "restrictions, including how to enable this app, visit "
    "https://docs.github.com/articles/restricting-access-to-your-organization-s-data/"
)
_SCOPE_DESCRIPTIONS = {
    "read:user": "Read your profile data",
    "user:email": "Read your email addresses, private ones included",
    "user": "Read and change your profile, email addresses and follows",
    "read:org": "Read your organisation and team memberships",
    "repo": "Full control of your repositories, private ones included",
    "public_repo": "Change your public repositories",
}
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_HTML_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)

web = Blueprint("devprovider_web", __name__)
api = Blueprint("devprovider_api", __name__)


class DeployedEnvironmentError(RuntimeError):
    """APP_ENV names a deployed environment, where a fake GitHub must never run."""


def refuse_deployed(
    environ: Mapping[str, str], search_path: Optional[str] = None
) -> None:
    """Raise :class:`DeployedEnvironmentError` when APP_ENV is staging or production.

    APP_ENV is read as the app reads it: the environment first, then ``.env``.
    """
    app_env = environ.get("APP_ENV") or str(
        AutoConfig(search_path=search_path or os.getcwd())("APP_ENV", default="")
    )
    app_env = app_env.strip().lower()
    if app_env in _REFUSED_ENVIRONMENTS:
        raise DeployedEnvironmentError(
            f"refusing to run with APP_ENV={app_env}: the development provider "
            "signs anyone in as a demo account and belongs on a developer's machine"
        )


def create_provider(
    *,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
    callback_url: str = DEFAULT_CALLBACK_URL,
    app_name: str = DEFAULT_APP_NAME,
    expiring_tokens: bool = False,
    clock: Callable[[], float] = time.time,
) -> Quart:
    """Build the development stand-in for GitHub, registered for one OAuth App."""
    refuse_deployed(os.environ)
    parts = urlsplit(callback_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"callback_url must be an absolute http(s) URL: {callback_url!r}"
        )
    if not client_id or not client_secret:
        raise ValueError("client_id and client_secret must not be empty")

    app = Quart(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.extensions[_EXTENSION] = OAuthServer(
        Registration(client_id, client_secret, callback_url, app_name, expiring_tokens),
        clock,
    )
    app.before_request(_loopback_host_only)
    app.register_blueprint(web)
    app.register_blueprint(api, url_prefix=API_PREFIX)
    app.after_request(_security_headers)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(405, _not_allowed)
    return app


async def _loopback_host_only() -> Optional[Response]:
    # A page on another site could reach this server through DNS rebinding;
    # such requests name that site's host, never a loopback one.
    hostname = urlsplit("//" + request.host).hostname or ""
    if hostname == "localhost" or _is_loopback_address(hostname):
        return None
    return Response(
        "This development provider answers only to loopback host names.\n",
        status=421,
        content_type="text/plain; charset=utf-8",
    )


def _is_loopback_address(hostname: str) -> bool:
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


# -- the web side: pages and the token endpoint ------------------------------


@web.route("/")
async def index() -> Response:
    """Say what this is, and list the demo accounts."""
    server = _server()
    html = await render_template(
        "index.html",
        registration=server.registration,
        accounts=_account_rows(),
        api_url=_api_url(),
    )
    return _html(html)


@web.route("/healthz")
async def healthz() -> Response:
    """Answer 200 while the process serves."""
    return Response("ok\n", status=200, content_type="text/plain; charset=utf-8")


@web.route("/login/oauth/authorize", methods=["GET"])
async def authorize_page() -> Response:
    """Check the app's request, then show the account picker."""
    server = _server()
    checked = server.check_authorize(request.args)
    if isinstance(checked, PageError):
        return await _error_page(checked)
    if isinstance(checked, Redirect):
        return _redirect(checked)

    browser = new_browser_id(request.cookies.get(_BROWSER_COOKIE))
    form_token = server.open_form(checked, browser)
    accounts = _account_rows()
    logins = [row["login"] for row in accounts]
    selected = checked.login_hint if checked.login_hint in logins else logins[0]
    html = await render_template(
        "authorize.html",
        app_name=server.registration.app_name,
        client_id=server.registration.client_id,
        redirect_origin=_origin(checked.redirect_uri),
        scopes=[
            {
                "name": scope,
                "description": _SCOPE_DESCRIPTIONS.get(
                    scope, "A scope this stand-in does not describe"
                ),
            }
            for scope in checked.scopes
        ],
        accounts=accounts,
        selected=selected,
        login_hint=checked.login_hint,
        form_token=form_token,
    )
    response = _html(html)
    response.set_cookie(
        _BROWSER_COOKIE, browser, path="/login/oauth", httponly=True, samesite="Lax"
    )
    return response


@web.route("/login/oauth/authorize", methods=["POST"])
async def authorize_answer() -> Response:
    """Apply Authorize or Cancel from the picker, then send the browser back."""
    if _cross_site():
        logger.warning("Authorize refused: a cross-site form post")
        return await _error_page(
            PageError(
                403,
                "Cross-site request refused",
                "The authorization form can only be sent from this provider's page.",
            )
        )

    form = await request.form
    answer = _server().answer_form(
        token=form.get("authorization_token", ""),
        browser=request.cookies.get(_BROWSER_COOKIE, ""),
        action=form.get("action", ""),
        login=form.get("account", ""),
        scopes=form.getlist("scope"),
    )
    if isinstance(answer, PageError):
        return await _error_page(answer)
    return _redirect(answer)


@web.route("/login/oauth/access_token", methods=["POST"])
async def access_token() -> Response:
    """Exchange a code (or a refresh token) for a token; errors come with HTTP 200."""
    params: Dict[str, str] = dict(request.args.items())
    if request.mimetype == "application/json":
        body = await request.get_json(silent=True)
        if isinstance(body, dict):
            params.update(
                {
                    str(key): str(value)
                    for key, value in body.items()
                    if isinstance(value, (str, int))
                }
            )
    else:
        params.update((await request.form).items())

    result = _server().exchange(params)
    fields = result.fields() if isinstance(result, TokenError) else result
    if "application/json" in request.headers.get("Accept", "").lower():
        body_json: Dict[str, Any] = {
            key: int(value) if key.endswith("expires_in") else value
            for key, value in fields
        }
        return Response(json.dumps(body_json), content_type=_JSON, headers=_NO_STORE)
    return Response(urlencode(fields), content_type=_FORM, headers=_NO_STORE)


@web.route("/avatars/u/<int:number>")
async def avatar(number: int) -> Response:
    """Serve a generated avatar, so no page loads a third-party image."""
    svg = avatar_svg(number)
    if svg is None:
        return Response("", status=404)
    return Response(
        svg,
        content_type="image/svg+xml; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@web.route("/<login>")
async def profile(login: str) -> Response:
    """Show a demo account's profile, where ``html_url`` points."""
    account = ACCOUNTS.get(login)
    if account is None:
        return await _error_page(
            PageError(404, "Not found", "No demo account has this login.")
        )
    html = await render_template(
        "profile.html", account=account, avatar=_avatar_path(account.id)
    )
    return _html(html)


# -- the REST API under /api/v3 ----------------------------------------------


@api.before_request
async def require_user_agent() -> Optional[Response]:
    """Refuse requests without a User-Agent, as GitHub does."""
    if request.headers.get("User-Agent", "").strip():
        return None
    return Response(
        _USER_AGENT_REFUSAL, status=403, content_type="text/plain; charset=utf-8"
    )


@api.route("/user")
async def get_user() -> Response:
    """``GET /user``: the signed-in account."""
    token = _bearer_token()
    if isinstance(token, Response):
        return token
    body = user_json(token.account, _web_url(), _api_url())
    return _api_answer(token, body, accepted="")


@api.route("/user/emails")
async def get_emails() -> Response:
    """``GET /user/emails``: 404 without ``user:email`` or ``user``, as GitHub does."""
    token = _bearer_token()
    if isinstance(token, Response):
        return token
    accepted = ", ".join(_EMAIL_SCOPES)
    if not set(token.scopes) & set(_EMAIL_SCOPES):
        return _api_error(
            404,
            "Not Found",
            f"{_REST_DOCS}/users/emails#list-email-addresses-for-the-authenticated-user",
            token=token,
            accepted=accepted,
        )
    return _api_page(token, emails_json(token.account), accepted=accepted)


@api.route("/user/orgs")
async def get_orgs() -> Response:
    """``GET /user/orgs``: needs an org scope."""
    token = _org_reader()
    if isinstance(token, Response):
        return token
    web_url, api_url = _web_url(), _api_url()
    orgs = [org_json(ORGS[login], web_url, api_url) for login in token.account.orgs]
    return _api_page(token, orgs, accepted=", ".join(_ORG_SCOPES))


@api.route("/user/teams")
async def get_teams() -> Response:
    """``GET /user/teams``: needs an org scope; restricted orgs' teams are hidden."""
    token = _org_reader()
    if isinstance(token, Response):
        return token
    web_url, api_url = _web_url(), _api_url()
    teams = [
        team_json(TEAMS[slug], web_url, api_url)
        for slug in token.account.teams
        if not ORGS[TEAMS[slug].org].restricts_oauth_apps
    ]
    return _api_page(token, teams, accepted=", ".join(_ORG_SCOPES))


@api.route("/user/memberships/orgs/<org>")
async def get_org_membership(org: str) -> Response:
    """``GET /user/memberships/orgs/{org}``; 403 for an org restricting OAuth Apps."""
    token = _bearer_token()
    if isinstance(token, Response):
        return token
    refusal = _require_org_scope(token)
    if refusal is not None:
        return refusal
    known = ORGS.get(org)
    accepted = ", ".join(_ORG_SCOPES)
    if known is None or org not in token.account.orgs:
        return _api_error(
            404,
            "Not Found",
            f"{_REST_DOCS}/orgs/members",
            token=token,
            accepted=accepted,
        )
    if known.restricts_oauth_apps:
        return _api_error(
            403,
            _OAUTH_RESTRICTION,
            f"{_REST_DOCS}/orgs/members",
            token=token,
            accepted=accepted,
        )
    web_url, api_url = _web_url(), _api_url()
    body = {
        "url": f"{api_url}/orgs/{org}/memberships/{token.login}",
        "state": "active",
        "role": "member",
        "organization_url": f"{api_url}/orgs/{org}",
        "organization": org_json(known, web_url, api_url),
        "user": {"login": token.login, "id": token.account.id},
    }
    return _api_answer(token, body, accepted=accepted)


@api.route("/user/repos")
async def get_repos() -> Response:
    """``GET /user/repos``: the account's (public) repositories."""
    token = _bearer_token()
    if isinstance(token, Response):
        return token
    web_url, api_url = _web_url(), _api_url()
    repos = [
        repo_json(token.account, repo, web_url, api_url) for repo in token.account.repos
    ]
    return _api_page(token, repos, accepted="")


@api.route("/applications/<client_id>/grant", methods=["DELETE"])
async def delete_grant(client_id: str) -> Response:
    """Revoke the app's grant: every token of the token's user goes."""
    return await _revoke(client_id, _server().revoke_grant)


@api.route("/applications/<client_id>/token", methods=["DELETE"])
async def delete_token(client_id: str) -> Response:
    """Revoke one token."""
    return await _revoke(client_id, _server().revoke_token)


async def _revoke(client_id: str, revoke: Callable[[str], bool]) -> Response:
    """204 once ``revoke`` took the body's token; GitHub's 422 if it was not live."""
    refusal = _client_refusal(client_id)
    if refusal is not None:
        return refusal
    value = await _body_access_token()
    if value is None or not revoke(value):
        return _validation_failed()
    return Response("", status=204)


@api.route("/applications/<client_id>/token", methods=["POST"])
async def check_token(client_id: str) -> Response:
    """Describe a live token's authorisation; 404 when it is not live."""
    refusal = _client_refusal(client_id)
    if refusal is not None:
        return refusal
    value = await _body_access_token()
    server = _server()
    token = server.authenticate(value) if value else None
    if token is None:
        return _api_error(404, "Not Found", f"{_REST_DOCS}/apps/oauth-applications")
    return _json_response(_authorization_json(token, server.registration))


# -- helpers ------------------------------------------------------------------


def _server() -> OAuthServer:
    server: OAuthServer = current_app.extensions[_EXTENSION]
    return server


def _web_url() -> str:
    return request.host_url.rstrip("/")


def _api_url() -> str:
    return _web_url() + API_PREFIX


def _avatar_path(number: int) -> str:
    return f"/avatars/u/{number}?v=4"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _account_rows() -> List[Dict[str, str]]:
    return [
        {
            "login": account.login,
            "display_name": account.display_name,
            "summary": account.summary,
            "avatar": _avatar_path(account.id),
        }
        for account in ACCOUNTS.values()
    ]


def _cross_site() -> bool:
    # Referrer-Policy: no-referrer makes browsers send "Origin: null" on our own
    # form, so Sec-Fetch-Site is the reliable signal; the cookie binding backs it.
    site = request.headers.get("Sec-Fetch-Site", "").lower()
    if site and site not in ("same-origin", "none"):
        return True
    origin = request.headers.get("Origin", "")
    return bool(origin) and origin != "null" and origin != _web_url()


def _html(body: str, status: int = 200) -> Response:
    return Response(
        body, status=status, content_type="text/html; charset=utf-8", headers=_NO_STORE
    )


async def _error_page(error: PageError) -> Response:
    html = await render_template("error.html", title=error.title, detail=error.detail)
    return _html(html, error.status)


def _redirect(target: Redirect) -> Response:
    return Response("", status=302, headers={"Location": target.location, **_NO_STORE})


async def _not_found(_: Exception) -> Response:
    if request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX:
        return _api_error(404, "Not Found", _REST_DOCS)
    return await _error_page(
        PageError(404, "Not found", "This development provider has no such page.")
    )


async def _not_allowed(_: Exception) -> Response:
    if request.path.startswith(API_PREFIX + "/"):
        return _api_error(405, "Method Not Allowed", _REST_DOCS)
    return await _error_page(
        PageError(405, "Method not allowed", "This page does not take that method.")
    )


def _security_headers(response: Response) -> Response:
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = _HTML_POLICY
        response.headers["X-Frame-Options"] = "DENY"
    elif response.mimetype == "image/svg+xml":
        response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


def _bearer_token() -> Union[AccessToken, Response]:
    header = request.headers.get("Authorization", "").strip()
    scheme, _, value = header.partition(" ")
    if scheme.lower() not in ("bearer", "token") or not value.strip():
        return _api_error(
            401,
            "Requires authentication",
            f"{_REST_DOCS}/users/users#get-the-authenticated-user",
        )
    token = _server().authenticate(value.strip())
    if token is None:
        return _api_error(401, "Bad credentials", _REST_DOCS)
    return token


def _org_reader() -> Union[AccessToken, Response]:
    """The request's token if it may read organisations, else the refusal."""
    token = _bearer_token()
    if isinstance(token, Response):
        return token
    refusal = _require_org_scope(token)
    return token if refusal is None else refusal


def _require_org_scope(token: AccessToken) -> Optional[Response]:
    if set(token.scopes) & set(_ORG_SCOPES):
        return None
    accepted = ", ".join(_ORG_SCOPES)
    return _api_error(
        403,
        f"This token has none of the scopes this endpoint accepts: {accepted}.",
        f"{_REST_DOCS}/orgs/orgs",
        token=token,
        accepted=accepted,
    )


def _scope_headers(token: AccessToken, accepted: str) -> Dict[str, str]:
    return {
        "X-OAuth-Scopes": ", ".join(token.scopes),
        "X-Accepted-OAuth-Scopes": accepted,
        "X-GitHub-Media-Type": "github.v3; format=json",
        "X-GitHub-Api-Version-Selected": "2022-11-28",
    }


def _json_response(
    body: object, status: int = 200, headers: Optional[Dict[str, str]] = None
) -> Response:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Response(data, status=status, content_type=_JSON, headers=headers or {})


def _api_error(
    status: int,
    message: str,
    documentation_url: str,
    *,
    token: Optional[AccessToken] = None,
    accepted: str = "",
) -> Response:
    headers: Dict[str, str] = {}
    if token is not None:
        headers.update(_scope_headers(token, accepted))
        headers.update(_server().rate(token.login, count=True).headers())
    body = {
        "message": message,
        "documentation_url": documentation_url,
        "status": str(status),
    }
    return _json_response(body, status, headers)


def _api_answer(
    token: AccessToken,
    body: object,
    *,
    accepted: str,
    link: Optional[str] = None,
) -> Response:
    server = _server()
    if server.rate(token.login, count=False).remaining == 0:
        return _api_error(
            403,
            f"API rate limit exceeded for user ID {token.account.id}.",
            f"{_REST_DOCS}/overview/rate-limits-for-the-rest-api",
            token=token,
            accepted=accepted,
        )

    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    etag = f'W/"{hashlib.sha256(data).hexdigest()}"'
    headers = _scope_headers(token, accepted)
    headers.update({"ETag": etag, "Cache-Control": "private, max-age=60, s-maxage=60"})
    headers["Vary"] = "Accept, Authorization"
    if link:
        headers["Link"] = link

    # A conditional request answered 304 does not count against the limit.
    if _etag_matches(request.headers.get("If-None-Match", ""), etag):
        headers.update(server.rate(token.login, count=False).headers())
        return Response("", status=304, headers=headers)
    headers.update(server.rate(token.login, count=True).headers())
    return Response(data, status=200, content_type=_JSON, headers=headers)


def _api_page(
    token: AccessToken, items: Sequence[object], *, accepted: str
) -> Response:
    per_page = _int_arg("per_page", 30, 1, 100)
    page = _int_arg("page", 1, 1, 10**6)
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = list(items[(page - 1) * per_page : page * per_page])

    def link(number: int, rel: str) -> str:
        query: List[Tuple[str, str]] = []
        if "per_page" in request.args:
            query.append(("per_page", str(per_page)))
        query.append(("page", str(number)))
        path = request.path[len(API_PREFIX) :]
        return f'<{_api_url()}{path}?{urlencode(query)}>; rel="{rel}"'

    links: List[str] = []
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links.append(link(1, "first"))
    return _api_answer(token, chunk, accepted=accepted, link=", ".join(links))


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        return default
    return min(max(value, low), high)


def _etag_matches(header: str, etag: str) -> bool:
    def opaque(tag: str) -> str:
        tag = tag.strip()
        return tag[2:] if tag.startswith("W/") else tag

    candidates = [opaque(tag) for tag in header.split(",") if tag.strip()]
    return "*" in candidates or opaque(etag) in candidates


def _client_refusal(client_id: str) -> Optional[Response]:
    registration = _server().registration
    credentials = _basic_credentials(request.headers.get("Authorization", ""))
    if credentials is None:
        return _api_error(401, "Requires authentication", f"{_REST_DOCS}/apps")
    if credentials != (registration.client_id, registration.client_secret):
        return _api_error(401, "Bad credentials", _REST_DOCS)
    if client_id != registration.client_id:
        return _api_error(404, "Not Found", f"{_REST_DOCS}/apps/oauth-applications")
    return None


def _basic_credentials(header: str) -> Optional[Tuple[str, str]]:
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


async def _body_access_token() -> Optional[str]:
    body = await request.get_json(force=True, silent=True)
    if isinstance(body, dict) and isinstance(body.get("access_token"), str):
        value: str = body["access_token"]
        return value
    return None


def _validation_failed() -> Response:
    body = {
        "message": "Validation Failed",
        "errors": [
            {"resource": "OauthAccess", "field": "access_token", "code": "invalid"}
        ],
        "documentation_url": f"{_REST_DOCS}/apps/oauth-applications",
        "status": "422",
    }
    return _json_response(body, 422)


def _authorization_json(
    token: AccessToken, registration: Registration
) -> Dict[str, Any]:
    api_url = _api_url()
    account = token.account
    return {
        "id": token.number,
        "url": f"{api_url}/authorizations/{token.number}",
        "scopes": list(token.scopes),
        "token": token.value,
        "token_last_eight": token.value[-8:],
        "hashed_token": hashlib.sha256(token.value.encode("ascii")).hexdigest(),
        "app": {
            "client_id": registration.client_id,
            "name": registration.app_name,
            "url": _origin(registration.callback_url),
        },
        "note": None,
        "note_url": None,
        "created_at": _iso(token.created_at),
        "updated_at": _iso(token.created_at),
        "fingerprint": None,
        "expires_at": _iso(token.expires_at) if token.expires_at else None,
        "user": simple_user_json(account, _web_url(), api_url),
        "installation": None,
    }


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
