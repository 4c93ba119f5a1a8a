"""The composition root with the real aiohttp adapter behind it."""

from __future__ import annotations

import socket

import aiohttp

from github_oauth_app.adapters.web.routes import SERVICE_KEY
from github_oauth_app.app import HTTP_SESSION_KEY, create_app
from tests.unit.conftest import make_settings, sign_in


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_serving_opens_one_http_session_and_closes_it() -> None:
    app = create_app(make_settings())

    async with app.test_app():
        session = app.extensions[HTTP_SESSION_KEY]
        open_while_serving = not session.closed
        assert SERVICE_KEY in app.extensions

    assert isinstance(session, aiohttp.ClientSession)
    assert open_while_serving
    assert session.closed
    assert HTTP_SESSION_KEY not in app.extensions


async def test_github_out_of_reach_gives_a_502_page_not_a_500() -> None:
    unreachable = f"http://127.0.0.1:{closed_port()}"
    settings = make_settings(github_url=unreachable, github_api_url=unreachable)
    app = create_app(settings)

    async with app.test_app():
        response = await sign_in(app.test_client())
        body = await response.get_data(as_text=True)

    assert response.status_code == 502
    assert "GitHub could not be reached" in body
    assert "Traceback" not in body
