"""The signed session cookie and the CSRF token it carries.

The cookie holds only the user name, a random CSRF token, the secret of the server-side
session record and when it was issued, signed with the app's key (itsdangerous): it
cannot be forged or extended without the key, it expires after
``session_max_age_seconds``, and it stops working as soon as its record is revoked.
Every HTML form posts the CSRF token back; a request from another site cannot read it,
so it cannot forge a form.

The cookie is written only when the session changes (sign-in, sign-out, a session found
dead) and, for a browser that has none yet, by the login page. A request without the
cookie is never answered with one otherwise: a form that another site posts here
arrives without it (``SameSite=Lax`` withholds it), and a fresh anonymous cookie in the
answer would overwrite the signed-in one, logging the user out (issue #19).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from ombud.web.settings import WebSettings

__all__ = ["COOKIE_NAME", "CSRF_FIELD", "DEVICE_COOKIE", "SessionCodec", "SessionData"]

COOKIE_NAME = "ombud_session"
CSRF_FIELD = "csrf_token"
# "This browser has signed in as NAME before": lets its owner past the back-off that an
# attacker's failures put on the name (services.auth.login_throttle). Sent to /login only.
DEVICE_COOKIE = "ombud_device"
DEVICE_MAX_AGE = 180 * 24 * 3600


@dataclass
class SessionData:
    """``secret`` names the server-side session record (services.auth.web_sessions)."""

    username: str | None
    csrf: str
    secret: str | None = None
    changed: bool = False
    # False when the request carried no valid cookie: this session exists only in memory
    # and is stored only if something changes it (``start`` on the login page).
    stored: bool = True

    @classmethod
    def fresh(cls) -> SessionData:
        return cls(username=None, csrf=secrets.token_urlsafe(32), stored=False)

    def start(self) -> None:
        """Keep this anonymous session in a cookie, so that the login form's CSRF token
        can be checked when the form comes back. Only the login page calls it."""
        if not self.stored:
            self.changed = True

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
        self._devices = URLSafeTimedSerializer(settings.secret_key, salt="ombud-device")

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

    def trusted_device(self, request: Request, username: str) -> bool:
        """Whether this browser holds a device cookie for ``username`` (see DEVICE_COOKIE)."""
        raw = request.cookies.get(DEVICE_COOKIE)
        if not raw:
            return False
        try:
            data = self._devices.loads(raw, max_age=DEVICE_MAX_AGE)
        except BadSignature:
            return False
        return isinstance(data, dict) and data.get("u") == username

    def remember_device(self, request: Request, response: Response, username: str) -> None:
        response.set_cookie(
            DEVICE_COOKIE,
            self._devices.dumps({"u": username}),
            max_age=DEVICE_MAX_AGE,
            httponly=True,
            samesite="strict",
            secure=self.secure(request),
            path="/login",
        )
