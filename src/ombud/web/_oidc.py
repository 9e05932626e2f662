"""OpenID Connect sign-in: the protocol (Authlib); its settings are web/_oidc_settings.py.

Why: an organisation that runs an identity provider should not need a second password
per person. The provider only vouches for *who* someone is; what they may do stays in
Ombud, where an admin grants roles. So a name the provider vouches for signs in only
when an active Ombud user of that name exists: nothing is provisioned from a login.

The flow is the authorization-code flow with state, nonce and PKCE (S256). What must
survive between the redirect to the provider and its answer (state, nonce, PKCE
verifier, where to go next) travels in a short-lived signed cookie, so any worker can
finish a login that another began. The ID token is checked against the provider's keys
(JWKS, from its discovery document), its issuer, audience, times and the nonce, with
Authlib's client and claims classes and joserfc (Authlib's JOSE successor): no
hand-written JWT code.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oidc.core import CodeIDToken
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from starlette.requests import Request
from starlette.responses import Response

from ombud.web._oidc_settings import (
    DEFAULT_SECRET_ENV,
    OIDC_TABLE,
    OidcConfigError,
    OidcSettings,
    load_oidc_settings,
    url_problem,
)

__all__ = [
    "DEFAULT_SECRET_ENV",
    "OIDC_TABLE",
    "PENDING_COOKIE",
    "CallbackRefused",
    "OidcClient",
    "OidcConfigError",
    "OidcFailure",
    "OidcSettings",
    "PendingCodec",
    "PendingLogin",
    "ProviderFailed",
    "load_oidc_settings",
]

_log = logging.getLogger("ombud.web.oidc")

# Asymmetric algorithms only: an HMAC-signed ID token would be keyed by the client
# secret, and "none" is never acceptable.
_SIGNING_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


# ---- failures -------------------------------------------------------------------------


class OidcFailure(Exception):
    """A sign-in that cannot finish: ``message`` is shown, ``detail`` goes to the log."""

    status = 400
    code = "sign_in_refused"

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or message


class CallbackRefused(OidcFailure):
    """The answer that came back to the callback is not one this browser asked for."""


class ProviderFailed(OidcFailure):
    """The provider cannot be reached, or answered something that cannot be trusted."""

    status = 502
    code = "identity_provider_failed"


# ---- what travels between the two requests -------------------------------------------

PENDING_COOKIE = "ombud_oidc"
PENDING_PATH = "/login/oidc"  # sent to the start and the callback only
PENDING_MAX_AGE_SECONDS = 600


@dataclass(frozen=True)
class PendingLogin:
    state: str
    nonce: str
    code_verifier: str
    next: str

    @classmethod
    def fresh(cls, next_path: str) -> PendingLogin:
        return cls(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(48),  # 64 characters: within RFC 7636's 43-128
            next=next_path,
        )


class PendingCodec:
    """The signed, 10-minute cookie holding one browser's login in progress."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="ombud-oidc-pending")

    def store(self, response: Response, pending: PendingLogin, *, secure: bool) -> None:
        value = self._serializer.dumps(
            {"s": pending.state, "n": pending.nonce, "v": pending.code_verifier, "x": pending.next}
        )
        response.set_cookie(
            PENDING_COOKIE,
            value,
            max_age=PENDING_MAX_AGE_SECONDS,
            httponly=True,
            samesite="lax",  # the provider's redirect back is a top-level GET: Lax sends it
            secure=secure,
            path=PENDING_PATH,
        )

    def load(self, request: Request) -> PendingLogin | None:
        raw = request.cookies.get(PENDING_COOKIE)
        if not raw:
            return None
        try:
            data = self._serializer.loads(raw, max_age=PENDING_MAX_AGE_SECONDS)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not all(
            isinstance(data.get(k), str) for k in ("s", "n", "v", "x")
        ):
            return None
        return PendingLogin(data["s"], data["n"], data["v"], data["x"])

    def clear(self, response: Response, *, secure: bool) -> None:
        response.delete_cookie(
            PENDING_COOKIE, path=PENDING_PATH, secure=secure, httponly=True, samesite="lax"
        )


# ---- the protocol ---------------------------------------------------------------------


class OidcClient:
    """Talks to one provider; caches its discovery document and keys for the app's life."""

    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings
        self._metadata: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None

    def _http(self, redirect_uri: str | None = None, auth_method: str | None = None) -> Any:
        return AsyncOAuth2Client(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            token_endpoint_auth_method=auth_method,
            scope=self.settings.scope,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=self.settings.timeout_seconds,
        )

    async def _get_json(self, http: Any, url: str, what: str) -> dict[str, Any]:
        try:
            response = await http.request("GET", url, withhold_token=True)
        except httpx2.HTTPError as exc:
            raise ProviderFailed(
                f"{self.settings.display_name} cannot be reached (its {what}); try again later "
                "or log in with your Ombud password",
                f"GET {url}: {type(exc).__name__}: {exc}",
            ) from None
        if response.status_code != 200:
            raise self._misbehaved(what, f"GET {url} answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise self._misbehaved(what, f"GET {url} did not answer a JSON object")
        return data

    def _misbehaved(self, what: str, detail: str) -> ProviderFailed:
        return ProviderFailed(
            f"{self.settings.display_name} answered something unusable ({what}); the sign-in "
            "cannot be trusted. An admin can find the detail in the server log",
            detail,
        )

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (fetched once, then cached)."""
        if self._metadata is not None:
            return self._metadata
        url = self.settings.discovery_url
        async with self._http() as http:
            data = await self._get_json(http, url, "discovery document")
        if data.get("issuer") != self.settings.issuer:
            # OpenID Connect Discovery 1.0 §4.3: the issuer must be exactly the one configured.
            raise self._misbehaved(
                "discovery document",
                f"{url} names issuer {data.get('issuer')!r}, not {self.settings.issuer!r}",
            )
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = data.get(key)
            problem = url_problem(value) if isinstance(value, str) else f"{key} is missing"
            if problem:
                raise self._misbehaved("discovery document", f"{url}: {key}: {problem}")
        self._metadata = data
        return data

    async def _key_set(self, http: Any, *, refresh: bool = False) -> KeySet:
        if self._jwks is None or refresh:
            uri = (await self.metadata())["jwks_uri"]
            self._jwks = await self._get_json(http, uri, "signing keys")
        try:
            return KeySet.import_key_set(self._jwks)  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise self._misbehaved("signing keys", f"JWKS cannot be read: {exc!r}") from None

    async def start(self, redirect_uri: str, next_path: str) -> tuple[str, PendingLogin]:
        """Where to send the browser, and what to keep until it comes back."""
        metadata = await self.metadata()
        pending = PendingLogin.fresh(next_path)
        async with self._http(redirect_uri) as http:
            url, _ = http.create_authorization_url(
                metadata["authorization_endpoint"],
                state=pending.state,
                code_verifier=pending.code_verifier,
                nonce=pending.nonce,
            )
        return str(url), pending

    async def finish(
        self, params: Mapping[str, str], pending: PendingLogin | None, redirect_uri: str
    ) -> dict[str, Any]:
        """The validated claims of the person the provider vouches for."""
        name = self.settings.display_name
        if pending is None:
            raise CallbackRefused(
                "this browser has no sign-in in progress (it expired after 10 minutes, or "
                "began in another browser); start again from the login page",
                "callback without a valid pending-login cookie",
            )
        error = params.get("error")
        if error:
            description = params.get("error_description", "")
            raise CallbackRefused(
                f"{name} did not sign you in ({error}{': ' + description if description else ''})",
                f"provider error in the callback: {error} {description}",
            )
        sent_state = params.get("state", "")
        if not hmac.compare_digest(sent_state.encode(), pending.state.encode()):
            raise CallbackRefused(
                "this sign-in answer does not belong to the sign-in this browser started "
                "(state mismatch); start again from the login page",
                "state in the callback differs from the pending login's",
            )
        code = params.get("code")
        if not code:
            raise CallbackRefused(
                f"{name} sent no authorization code; start again",
                "callback without code",
            )
        metadata = await self.metadata()
        supported = metadata.get("token_endpoint_auth_methods_supported") or []
        method = "client_secret_post" if supported == ["client_secret_post"] else None
        async with self._http(redirect_uri, method) as http:
            token = await self._exchange(http, metadata["token_endpoint"], code, pending)
            claims = await self._validated(http, token, pending)
            if self.settings.username_claim not in claims:
                claims = {**await self._userinfo(http, metadata, claims), **claims}
        return claims

    async def _exchange(
        self, http: Any, endpoint: str, code: str, pending: PendingLogin
    ) -> dict[str, Any]:
        try:
            token = await http.fetch_token(
                endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=pending.code_verifier,
            )
        except OAuthError as exc:
            detail = f"token endpoint: {exc.error}: {exc.description}"
            if exc.error == "invalid_grant":  # expired, used, or issued to another login
                raise CallbackRefused(
                    f"{self.settings.display_name} did not accept this sign-in's code (it is "
                    "expired, used, or belongs to another sign-in); start again",
                    detail,
                ) from None
            raise self._misbehaved("token endpoint", detail) from None
        except httpx2.HTTPError as exc:
            raise ProviderFailed(
                f"{self.settings.display_name} did not complete the sign-in (its token "
                "endpoint failed); try again later or log in with your Ombud password",
                f"POST {endpoint}: {type(exc).__name__}: {exc}",
            ) from None
        except ValueError as exc:  # not a JSON object
            raise self._misbehaved("token endpoint", f"POST {endpoint}: {exc}") from None
        if not isinstance(token.get("id_token"), str):
            raise self._misbehaved("token endpoint", "the token response has no id_token")
        return dict(token)

    async def _validated(
        self, http: Any, token: Mapping[str, Any], pending: PendingLogin
    ) -> dict[str, Any]:
        settings = self.settings
        metadata = await self.metadata()
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in offered if a in _SIGNING_ALGORITHMS]
        try:
            try:
                decoded = jwt.decode(token["id_token"], await self._key_set(http), algorithms)
            except InvalidKeyIdError:  # the provider may have rotated its keys since
                keys = await self._key_set(http, refresh=True)
                decoded = jwt.decode(token["id_token"], keys, algorithms)
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {
                    "iss": {"essential": True, "value": settings.issuer},
                    "aud": {"essential": True, "value": settings.client_id},
                    "sub": {"essential": True},
                    "exp": {"essential": True},
                    "iat": {"essential": True},
                    "nonce": {"essential": True, "value": pending.nonce},
                },
                {
                    "nonce": pending.nonce,
                    "client_id": settings.client_id,
                    "access_token": token.get("access_token"),
                },
            )
            claims.validate(leeway=settings.clock_leeway_seconds)
        except (JoseError, ValueError) as exc:  # ValueError: a token that is not a JWT at all
            raise ProviderFailed(
                f"the ID token from {settings.display_name} was refused ({exc}); nobody was "
                "signed in",
                f"ID token refused: {exc!r}",
            ) from None
        return dict(claims)

    async def _userinfo(
        self, http: Any, metadata: Mapping[str, Any], claims: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Claims from the UserInfo endpoint, when the ID token lacks the configured one."""
        endpoint = metadata.get("userinfo_endpoint")
        if not isinstance(endpoint, str) or url_problem(endpoint):
            return {}
        try:
            response = await http.get(endpoint)
            data = response.json() if response.status_code == 200 else None
        except (httpx2.HTTPError, OAuthError, ValueError) as exc:
            _log.warning("OpenID Connect userinfo %s failed: %r", endpoint, exc)
            return {}
        # OpenID Connect Core §5.3.2: the answer is about the ID token's subject, or ignored.
        if not isinstance(data, dict) or data.get("sub") != claims.get("sub"):
            _log.warning("OpenID Connect userinfo %s: not about the ID token's subject", endpoint)
            return {}
        return data
