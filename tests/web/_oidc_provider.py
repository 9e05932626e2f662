"""A test double for an OpenID Connect identity provider, served over real HTTP on loopback.

Ombud signs people in through their organisation's identity provider (Keycloak, Entra ID,
Okta, ...). No such provider can exist on this offline machine, so the tests run this one
instead: a small Starlette app under uvicorn on 127.0.0.1 that speaks the parts of the
protocol Ombud uses — discovery, JWKS, an authorization endpoint that approves a
configured user at once (no login form), a token endpoint that checks the client's
credentials and the PKCE verifier and returns an RS256-signed ID token carrying the nonce,
and UserInfo. It is not a provider to trust with anything; its knobs make it misbehave on
purpose (wrong audience or issuer, an expired token, a foreign signing key, a failing
token endpoint) so that the tests can check Ombud refuses each.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ._serving import free_port, served

CLIENT_ID = "ombud-web"
CLIENT_SECRET = "a-client-secret-for-tests-only"


@dataclass
class _Grant:
    redirect_uri: str
    challenge: str
    nonce: str
    claims: dict[str, Any]


@dataclass
class ProviderDouble:
    """The provider's state and knobs; ``reset()`` restores good behaviour between tests."""

    issuer: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, auto_kid=True))
    foreign_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048))
    user: dict[str, Any] = field(default_factory=dict)
    # knobs
    id_token_changes: dict[str, Any] = field(default_factory=dict)  # None deletes a claim
    sign_with_foreign_key: bool = False
    token_status: int | None = None  # answer the token endpoint with this error status
    authorize_error: str | None = None
    userinfo_claims: dict[str, Any] = field(default_factory=dict)
    # what it saw
    grants: dict[str, _Grant] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    pkce_results: list[bool] = field(default_factory=list)
    discovery_hits: int = 0

    def reset(self) -> None:
        self.user = {
            "sub": "248289761001",
            "preferred_username": "lena",
            "email": "lena@example.org",
            "email_verified": True,
        }
        self.id_token_changes = {}
        self.sign_with_foreign_key = False
        self.token_status = None
        self.authorize_error = None
        self.userinfo_claims = {}
        self.grants.clear()
        self.authorize_requests.clear()
        self.token_requests.clear()
        self.pkce_results.clear()
        self.discovery_hits = 0

    # ---- endpoints -------------------------------------------------------------------

    async def discovery(self, request: Request) -> Response:
        self.discovery_hits += 1
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(KeySet([self.key]).as_dict(private=False))

    async def authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        self.authorize_requests.append(params)
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != CLIENT_ID or not redirect_uri:
            return PlainTextResponse("unknown client or no redirect_uri", status_code=400)
        back: dict[str, str] = {"state": params.get("state", "")}
        problem = self.authorize_error
        if params.get("response_type") != "code" or "openid" not in params.get("scope", ""):
            problem = "invalid_request"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            problem = "invalid_request"
        if problem:
            back["error"] = problem
        else:
            code = secrets.token_urlsafe(24)
            self.grants[code] = _Grant(
                redirect_uri, params["code_challenge"], params.get("nonce", ""), dict(self.user)
            )
            back["code"] = code
        return RedirectResponse(f"{redirect_uri}?{urlencode(back)}", status_code=302)

    def _client_ok(self, request: Request, form: dict[str, str]) -> bool:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            pair = base64.b64decode(header[6:]).decode()
            return pair == f"{CLIENT_ID}:{CLIENT_SECRET}"
        return form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.token_requests.append(form)
        if self.token_status is not None:
            return JSONResponse({"error": "server_error"}, status_code=self.token_status)
        if not self._client_ok(request, form):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.grants.pop(form.get("code", ""), None)  # a code works once
        if form.get("grant_type") != "authorization_code" or grant is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if form.get("redirect_uri") != grant.redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        self.pkce_results.append(computed == grant.challenge)
        if computed != grant.challenge:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "PKCE verifier mismatch"},
                status_code=400,
            )
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            **grant.claims,
        }
        for name, value in self.id_token_changes.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        signer = self.foreign_key if self.sign_with_foreign_key else self.key
        # The foreign key signs under the real key's id: a forged signature, not a rotation.
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, signer)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            }
        )

    async def userinfo(self, request: Request) -> Response:
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse({"sub": self.user["sub"], **self.userinfo_claims})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/userinfo", self.userinfo),
            ]
        )


@contextmanager
def running_provider() -> Iterator[ProviderDouble]:
    """The provider double under uvicorn on 127.0.0.1 (a free port), stopped afterwards."""
    port = free_port()
    provider = ProviderDouble(issuer=f"http://127.0.0.1:{port}")
    provider.reset()
    with served(provider.app(), port):
        yield provider
