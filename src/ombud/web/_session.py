"""The signed session cookie and the CSRF token it carries.

The cookie holds only the user name, a random CSRF token, the secret of the server-side
session record and when it was issued, signed with the app's key (itsdangerous): it
cannot be forged or extended without the key, it expires after
``session_max_age_seconds``, and it stops working as soon as its record is revoked.
Every HTML form posts the CSRF token back; a request from another site cannot read it,
so it cannot forge a form.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from ombud.web.settings import WebSettings

__all__ = ["COOKIE_NAME", "CSRF_FIELD", "SessionCodec", "SessionData"]

COOKIE_NAME = "ombud_session"
CSRF_FIELD = "csrf_token"


@dataclass
class SessionData:
    """``secret`` names the server-side session record (services.web_sessions)."""

    username: str | None
    csrf: str
    secret: str | None = None
    changed: bool = False

    @classmethod
    def fresh(cls) -> SessionData:
        return cls(username=None, csrf=secrets.token_urlsafe(32), changed=True)

    def login(self, username: str, secret: str) -> None:
        # A new CSRF token at login, so a token seen before login is worthless after it.
        self.username = username
        self.secret = secret
        self.csrf = secrets.token_urlsafe(32)
        self.changed = True

    def logout(self) -> None:
        self.username = None
        self.secret = None
        self.csrf = secrets.token_urlsafe(32)
        self.changed = True

    def csrf_matches(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf, str(sent))


class SessionCodec:
    def __init__(self, settings: WebSettings) -> None:
        self._settings = settings
        self._serializer = URLSafeTimedSerializer(settings.secret_key, salt="ombud-session")

    def load(self, request: Request) -> SessionData:
        raw = request.cookies.get(COOKIE_NAME)
        if not raw:
            return SessionData.fresh()
        try:
            data = self._serializer.loads(raw, max_age=self._settings.session_max_age_seconds)
        except BadSignature:
            return SessionData.fresh()
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return SessionData.fresh()
        user, secret = data.get("u"), data.get("s")
        if not isinstance(user, str) or not isinstance(secret, str):
            user = secret = None
        return SessionData(username=user, csrf=data["c"], secret=secret)

    def secure(self, request: Request) -> bool:
        if self._settings.secure_cookies is not None:
            return self._settings.secure_cookies
        return request.url.scheme == "https"

    def store(self, request: Request, response: Response, session: SessionData) -> None:
        value = self._serializer.dumps(
            {"u": session.username, "c": session.csrf, "s": session.secret}
        )
        response.set_cookie(
            COOKIE_NAME,
            value,
            max_age=self._settings.session_max_age_seconds,
            httponly=True,
            samesite="lax",
            secure=self.secure(request),
            path="/",
        )
