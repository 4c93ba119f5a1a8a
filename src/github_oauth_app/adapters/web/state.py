"""What a signed-in session keeps, and how it is written and read back."""

from __future__ import annotations

from typing import Any, Dict, Optional

from quart import session

from github_oauth_app.domain.models import AccessToken, Profile, SignedIn


def remember_sign_in(signed_in: SignedIn, now: float) -> None:
    """Store what the pages show and what later GitHub calls need."""
    session["signed_in_at"] = now
    remember_profile(Profile(signed_in.user, signed_in.scopes), signed_in.email, now)
    remember_token(signed_in.token)


def remember_profile(profile: Profile, email: Optional[str], now: float) -> None:
    """Store the person as GitHub last described them, and when.

    ``email`` is the address chosen at sign-in: ``/user`` alone only knows the
    public one.
    """
    user = profile.user
    session["user"] = {
        "login": user.login,
        "id": user.id,
        "name": user.display_name,
        "email": email,
        "avatar_url": user.avatar_url,
        "html_url": user.html_url,
        "company": user.company,
        "bio": user.bio,
        "public_repos": user.public_repos,
        "scopes": list(profile.scopes),
    }
    session["checked_at"] = now


def remember_token(token: AccessToken) -> None:
    """Store the token; the session cookie is encrypted, so it stays unreadable."""
    session["token"] = {
        "value": token.value,
        "scopes": list(token.scopes),
        "expires_at": token.expires_at,
        "refresh_token": token.refresh_token,
        "refresh_expires_at": token.refresh_expires_at,
    }


def load_token() -> Optional[AccessToken]:
    """The session's token, or ``None`` if there is none or it is malformed."""
    stored = session.get("token")
    if not isinstance(stored, dict) or not isinstance(stored.get("value"), str):
        return None
    return AccessToken(
        value=stored["value"],
        scopes=tuple(stored.get("scopes") or ()),
        expires_at=stored.get("expires_at"),
        refresh_token=stored.get("refresh_token"),
        refresh_expires_at=stored.get("refresh_expires_at"),
    )


def signed_in_user() -> Optional[Dict[str, Any]]:
    """The person this session belongs to, or ``None``."""
    user = session.get("user")
    if isinstance(user, dict) and isinstance(user.get("login"), str):
        return user
    return None


def forget_sign_in() -> None:
    """End the signed-in session, form token and pending sign-in included."""
    session.clear()
