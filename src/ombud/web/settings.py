"""Settings of one web application instance, passed explicitly to ``create_app``.

No global configuration: two apps in one process (tests do this) never share state.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher

from ombud.services.auth import DEFAULT_HASHER, LoginThrottle
from ombud.web._oidc_settings import OidcSettings

__all__ = ["SECRET_FILE", "WebSettings", "WebSettingsError", "workspace_secret"]


class WebSettingsError(ValueError):
    """A web setting that cannot work (a short secret, a non-positive limit)."""


@dataclass(frozen=True)
class WebSettings:
    """``secret_key`` signs session cookies; every worker of one site must share it.

    ``secure_cookies``: True always marks cookies Secure, False never, None (the default)
    marks them Secure when the request arrived over https (directly, or through a proxy
    that uvicorn trusts with ``--proxy-headers``).
    """

    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    secure_cookies: bool | None = None
    session_max_age_seconds: int = 8 * 3600
    max_body_bytes: int = 10 * 1024 * 1024
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    audit_page_size: int = 200
    password_hasher: PasswordHasher = DEFAULT_HASHER
    oidc: OidcSettings | None = None  # OpenID Connect sign-in; None offers passwords only

    def __post_init__(self) -> None:
        if len(self.secret_key) < 16:
            raise WebSettingsError(
                "the web secret key is shorter than 16 characters; use a long random value "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        if self.max_body_bytes <= 0 or self.session_max_age_seconds <= 0:
            raise WebSettingsError(
                "max_body_bytes and session_max_age_seconds must be positive numbers"
            )


SECRET_FILE = "web-secret.key"


def workspace_secret(root: Path) -> str:
    """The workspace's session-signing key, created (mode 0600) on first use.

    Kept in a file beside the workspace so every worker and every restart signs and
    checks cookies with the same key; deleting the file logs everybody out.
    """
    path = root / SECRET_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()
