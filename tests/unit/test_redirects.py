"""The ``next`` page after sign-in is always a path on this site."""

from __future__ import annotations

from typing import Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from github_oauth_app.domain.redirects import MAX_NEXT_LENGTH, safe_next_path

OPEN_REDIRECTS = [
    "//evil.example",
    "//evil.example/path",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/ /evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "/javascript:alert(1)//%0a",
    "https://evil.example",
    "http:/evil.example",
    "evil.example",
    "data:text/html,hi",
    "/" + "a" * MAX_NEXT_LENGTH,
    "",
    "/dashboard\x00",
    "/\u2215\u2215evil.example",
]


@pytest.mark.parametrize("payload", OPEN_REDIRECTS, ids=repr)
def test_safe_next_path_refuses_open_redirect_payloads(payload: str) -> None:
    assert safe_next_path(payload) is None


@pytest.mark.parametrize(
    "path", ["/dashboard", "/home", "/dashboard?tab=repos", "/a/b-c_d.e~f%20g"]
)
def test_safe_next_path_keeps_paths_on_this_site(path: str) -> None:
    assert safe_next_path(path) == path


def test_safe_next_path_of_nothing_is_nothing() -> None:
    assert safe_next_path(None) is None


@given(st.text(max_size=600))
def test_safe_next_path_returns_only_paths_on_this_site(raw: str) -> None:
    result: Optional[str] = safe_next_path(raw)

    if result is not None:
        assert result == raw
        assert result.startswith("/")
        assert not result.startswith("//")
        assert "\\" not in result
        assert all(0x21 <= ord(char) <= 0x7E for char in result)


@given(st.from_regex(r"/[a-z0-9/._-]{0,40}", fullmatch=True))
def test_safe_next_path_accepts_plain_paths(path: str) -> None:
    expected = None if path.startswith("//") else path

    assert safe_next_path(path) == expected
