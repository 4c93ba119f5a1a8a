"""The Quart web adapter: pages, session, security headers and error pages."""

from __future__ import annotations

import logging
import unicodedata
from datetime import timedelta
from typing import Optional
from urllib.parse import urlsplit

from quart import (
    Quart,
    Response,
    ResponseReturnValue,
    current_app,
    render_template,
    request,
)
from werkzeug.exceptions import HTTPException

from github_oauth_app.adapters.web import security
from github_oauth_app.adapters.web.routes import (
    SERVICE_KEY,
    SETTINGS_KEY,
    blueprint,
    render_problem,
)
from github_oauth_app.adapters.web.session import EncryptedCookieSessionInterface
from github_oauth_app.config import Settings
from github_oauth_app.domain.errors import SignInError
from github_oauth_app.domain.service import SignInService

__all__ = ["SERVICE_KEY", "build_web_app", "install_service"]

logger = logging.getLogger(__name__)


def build_web_app(settings: Settings) -> Quart:
    """Create the Quart app; the caller installs the sign-in service."""
    app = Quart(__name__, static_folder="static", static_url_path="/static")
    app.extensions[SETTINGS_KEY] = settings
    _configure_session(app, settings)
    app.register_blueprint(blueprint)
    app.jinja_env.filters["printable"] = printable
    app.jinja_env.filters["web_url"] = web_url

    policy = security.content_security_policy(
        settings.github_url,
        {
            security.origin(settings.github_url),
            security.origin(settings.github_api_url),
        },
    )
    hsts = settings.app_env == "production"

    @app.after_request
    async def add_security_headers(response: Response) -> Response:
        return security.apply_headers(response, policy, hsts)

    app.register_error_handler(SignInError, render_problem)
    app.register_error_handler(HTTPException, _http_problem)
    app.register_error_handler(Exception, _unexpected_problem)
    return app


def install_service(app: Quart, service: SignInService) -> None:
    """Give the routes the sign-in service they call."""
    app.extensions[SERVICE_KEY] = service


def printable(value: Optional[object]) -> str:
    """Text with control and bidirectional-format characters made visible."""
    if value is None:
        return ""
    return "".join(
        "\N{REPLACEMENT CHARACTER}"
        if unicodedata.category(char) in {"Cc", "Cf"} and char not in "\t\n"
        else char
        for char in str(value)
    )


def web_url(value: Optional[object]) -> str:
    """``value`` if it is an http(s) URL, else an inert ``#``."""
    text = str(value or "")
    return text if urlsplit(text).scheme in {"http", "https"} else "#"


def _configure_session(app: Quart, settings: Settings) -> None:
    secure = settings.secure_cookies
    app.secret_key = settings.secret_key
    app.config.update(
        # __Host- binds the cookie to this exact host over https, path /.
        SESSION_COOKIE_NAME="__Host-session" if secure else "session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=settings.session_lifetime_seconds),
        PREFERRED_URL_SCHEME="https" if secure else "http",
    )
    app.session_interface = EncryptedCookieSessionInterface(
        (settings.secret_key, *settings.secret_key_fallbacks),
        settings.session_lifetime_seconds,
    )


async def _http_problem(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    logger.info("%s %s answered %s", request.method, request.path, status)
    page = await render_template(
        "problem.html",
        title=exc.name,
        message=_HTTP_MESSAGES.get(status, "This request could not be served."),
    )
    response = await current_app.make_response((page, status))
    # Keep what the exception says of itself, such as the Allow header of a 405.
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


async def _unexpected_problem(exc: Exception) -> ResponseReturnValue:
    logger.error(
        "Unexpected failure on %s %s", request.method, request.path, exc_info=exc
    )
    page = await render_template(
        "problem.html",
        title="Something went wrong",
        message="This site hit an unexpected problem. Please try again.",
    )
    return page, 500


_HTTP_MESSAGES = {
    400: "This request was malformed.",
    404: "There is no page at this address.",
    405: "This page does not accept that kind of request.",
}
