"""The pages and redirects of the sign-in, as one Quart blueprint."""

from __future__ import annotations

import logging
import time
from typing import Dict, Optional

from quart import (
    Blueprint,
    ResponseReturnValue,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from github_oauth_app.adapters.web import problems, security
from github_oauth_app.adapters.web.state import (
    forget_sign_in,
    load_token,
    remember_profile,
    remember_sign_in,
    remember_token,
    signed_in_user,
)
from github_oauth_app.config import Settings
from github_oauth_app.domain.errors import (
    AccessRefused,
    BadCredentials,
    SignInError,
    TokenExchangeFailed,
)
from github_oauth_app.domain.models import PendingAuthorization
from github_oauth_app.domain.redirects import safe_next_path
from github_oauth_app.domain.service import SignInService, parse_callback

logger = logging.getLogger(__name__)

blueprint = Blueprint("web", __name__, template_folder="templates")

SERVICE_KEY = "github_oauth_app.service"
SETTINGS_KEY = "github_oauth_app.settings"
CALLBACK_PATH = "/github/callback"


def _service() -> SignInService:
    service: SignInService = current_app.extensions[SERVICE_KEY]
    return service


def _settings() -> Settings:
    settings: Settings = current_app.extensions[SETTINGS_KEY]
    return settings


@blueprint.before_app_request
async def end_sessions_past_their_lifetime() -> None:
    """Forget a sign-in older than SESSION_LIFETIME_SECONDS, on any page."""
    if "user" not in session:
        return
    age = time.time() - _stored_time("signed_in_at")
    if age > _settings().session_lifetime_seconds:
        logger.info("Session reached its lifetime; signing out")
        forget_sign_in()


@blueprint.get("/")
async def index() -> ResponseReturnValue:
    """Send visitors to the landing page."""
    return redirect(url_for("web.home"))


@blueprint.get("/home")
async def home() -> ResponseReturnValue:
    """The landing page, with the sign-in button or a way to the dashboard."""
    return await render_template("home.html", user=signed_in_user())


@blueprint.get("/healthz")
async def healthz() -> ResponseReturnValue:
    """Liveness for the platform; never calls GitHub."""
    return {"status": "ok"}


@blueprint.get("/login")
async def login() -> ResponseReturnValue:
    """Start the OAuth web flow: remember a fresh state, then go to GitHub."""
    next_path = safe_next_path(request.args.get("next"))
    select_account = request.args.get("select_account") == "1"

    authorization = _service().begin(_callback_url(), next_path, select_account)
    session["pending"] = authorization.pending.to_record()

    response = redirect(authorization.url)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get(CALLBACK_PATH)
async def callback() -> ResponseReturnValue:
    """Finish the flow: check the state, exchange the code, start a session."""
    # Popped whatever happens next: a state is good for one attempt only.
    pending = PendingAuthorization.from_record(session.pop("pending", None))
    params = parse_callback(request.args.to_dict(flat=False))

    signed_in = await _service().complete(pending, params)

    # A fresh session: nothing from before the sign-in survives it.
    session.clear()
    remember_sign_in(signed_in, now=time.time())
    session.permanent = True
    logger.info("Session started for %r", signed_in.user.login)
    return redirect(signed_in.next_path or url_for("web.dashboard"))


@blueprint.get("/dashboard")
async def dashboard() -> ResponseReturnValue:
    """The signed-in person's GitHub identity."""
    if signed_in_user() is None:
        return redirect(url_for("web.home"))

    ended = await _keep_session_valid()
    if ended is not None:
        return ended

    response = await current_app.make_response(
        await render_template(
            "dashboard.html",
            user=signed_in_user(),
            csrf_token=security.csrf_token(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/logout")
async def logout() -> ResponseReturnValue:
    """Sign out: revoke the grant if configured, then forget the session."""
    form = await request.form
    if not security.csrf_valid(form.get("csrf_token")):
        logger.warning("Refused a sign-out without a valid form token")
        page = await render_template(
            "problem.html",
            title="Please try again",
            message="This sign-out form has expired. Reload the page and try again.",
            retry=False,
        )
        return page, 400

    revoked = await _service().sign_out(load_token(), _settings().revoke_on_logout)
    # TODO(a store shared by every worker exists): remember ended sessions until
    # they expire, so that a copy of this cookie dies now rather than at the
    # next re-check (README, "Known limit of cookie sessions").
    forget_sign_in()
    logger.info("Signed out (grant revoked: %s)", revoked)
    return redirect(url_for("web.home"), 303)


async def _keep_session_valid() -> Optional[ResponseReturnValue]:
    """Refresh the session's token and, when due, re-check its owner.

    Returns a response that ends the visit, or ``None`` to carry on.
    """
    settings, now = _settings(), time.time()
    token = load_token()
    if token is None:
        forget_sign_in()
        return redirect(url_for("web.home"))
    try:
        fresh = await _service().keep_fresh(token)
        if fresh is not token:
            remember_token(fresh)
        if now - _stored_time("checked_at") >= settings.session_recheck_seconds:
            email = (signed_in_user() or {}).get("email")
            remember_profile(await _service().recheck(fresh), email, now)
    except (BadCredentials, TokenExchangeFailed) as exc:
        logger.info("GitHub no longer accepts this session (%s)", type(exc).__name__)
        forget_sign_in()
        return redirect(url_for("web.login", next=request.path))
    except AccessRefused:
        forget_sign_in()
        raise
    return None


def _stored_time(key: str) -> float:
    # A session from an older release may lack the key: treat it as long ago.
    value = session.get(key)
    return float(value) if isinstance(value, (int, float)) else 0.0


def _callback_url() -> str:
    base_url = _settings().base_url
    if base_url:
        return base_url + CALLBACK_PATH
    return url_for("web.callback", _external=True)


async def render_problem(exc: SignInError) -> ResponseReturnValue:
    """Render a failure as a page with its status, and log it on one line."""
    if isinstance(exc, AccessRefused):
        logger.warning("Refused sign-in for %r: %s", exc.login, exc.reason)
        page = await render_template("refused.html", login=exc.login, reason=exc.reason)
        return page, 403

    problem = problems.problem_for(exc)
    logger.warning(
        "%s %s failed with %s: %s",
        request.method,
        request.path,
        problem.status,
        _describe(exc),
    )
    page = await render_template(
        "problem.html", title=problem.title, message=problem.message, retry=True
    )
    headers: Dict[str, str] = {"Cache-Control": "no-store"}
    if problem.retry_after:
        headers["Retry-After"] = str(problem.retry_after)
    return page, problem.status, headers


def _describe(exc: SignInError) -> str:
    # Error codes are GitHub's fixed vocabulary, safe to log; messages may not be.
    code = getattr(exc, "error", None)
    return f"{type(exc).__name__}({code})" if code else type(exc).__name__
