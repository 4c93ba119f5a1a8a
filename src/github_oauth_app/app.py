"""The composition root: reads the settings once and wires every part."""

from __future__ import annotations

import logging
from typing import Optional

from quart import Quart

from github_oauth_app import __version__
from github_oauth_app.adapters.github import GitHubClient, new_http_session
from github_oauth_app.adapters.web import build_web_app, install_service
from github_oauth_app.adapters.web.proxy import TrustedProxyMiddleware
from github_oauth_app.config import Settings, load_settings
from github_oauth_app.domain.access import AccessPolicy
from github_oauth_app.domain.ports import GitHubOAuth
from github_oauth_app.domain.service import SignInService

logger = logging.getLogger(__name__)

USER_AGENT = f"github-oauth-app/{__version__}"
HTTP_SESSION_KEY = "github_oauth_app.http_session"


def create_app(
    settings: Optional[Settings] = None, github: Optional[GitHubOAuth] = None
) -> Quart:
    """Build the app; tests pass their own settings and a fake ``github``.

    Without ``github``, one aiohttp session is opened when serving starts and
    closed when it stops.
    """
    settings = settings or load_settings()
    app = build_web_app(settings)
    if github is not None:
        install_service(app, _service(settings, github))
    else:
        _serve_with_aiohttp(app, settings)
    if settings.trusted_proxy_hops:
        app.asgi_app = TrustedProxyMiddleware(  # type: ignore[method-assign]
            app.asgi_app, settings.trusted_proxy_hops
        )
    logger.info("App ready in %s", settings.app_env)
    return app


def _service(settings: Settings, github: GitHubOAuth) -> SignInService:
    policy = AccessPolicy.of(
        settings.allowed_users, settings.allowed_orgs, settings.allowed_teams
    )
    return SignInService(
        github,
        client_id=settings.client_id,
        authorize_url=f"{settings.github_url}/login/oauth/authorize",
        scopes=settings.scopes,
        policy=policy,
    )


def _serve_with_aiohttp(app: Quart, settings: Settings) -> None:
    @app.before_serving
    async def open_http_session() -> None:
        session = new_http_session(settings.github_timeout_seconds)
        app.extensions[HTTP_SESSION_KEY] = session
        client = GitHubClient(
            session,
            github_url=settings.github_url,
            api_url=settings.github_api_url,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            user_agent=USER_AGENT,
        )
        install_service(app, _service(settings, client))

    @app.after_serving
    async def close_http_session() -> None:
        session = app.extensions.pop(HTTP_SESSION_KEY, None)
        if session is not None:
            await session.close()
