"""Who may use Ombud, and with what: passwords, API tokens, web sessions, throttling.

The use cases an interface needs to let someone in, apart from the governance use cases
beside this package: ``credentials`` (passwords and API tokens, for the web app, the
JSON API and ``ombud user``), ``web_sessions`` (the server-side record of each signed-in
browser) and ``login_throttle`` (back-off after failed logins, shared by every web
worker). The credentials API is re-exported here, so ``from ombud.services import auth``
then ``auth.set_password(...)`` reads as before.
"""

from ombud.services.auth.credentials import (
    DEFAULT_HASHER,
    MIN_PASSWORD_LENGTH,
    SCOPES,
    TOKEN_PREFIX,
    ApiToken,
    AuthenticationFailed,
    LoginThrottle,
    LoginThrottled,
    TokenIdentity,
    authenticate_password,
    authenticate_token,
    issue_token,
    list_tokens,
    prime_dummy_hash,
    revoke_token,
    set_password,
)

__all__ = [
    "DEFAULT_HASHER",
    "MIN_PASSWORD_LENGTH",
    "SCOPES",
    "TOKEN_PREFIX",
    "ApiToken",
    "AuthenticationFailed",
    "LoginThrottle",
    "LoginThrottled",
    "TokenIdentity",
    "authenticate_password",
    "authenticate_token",
    "issue_token",
    "list_tokens",
    "prime_dummy_hash",
    "revoke_token",
    "set_password",
]
