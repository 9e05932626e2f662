"""OpenID Connect sign-in, its settings: the ``[oidc]`` table of the workspace file.

Split from the protocol (web/_oidc.py) because reading and checking a settings file is a
different job from running the authorization-code flow: ``ombud serve`` reads these at
start-up and refuses to start on a table that cannot work, before any request arrives.
The client secret never sits in the workspace file: the file names the environment
variable that holds it.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ombud.store import SETTINGS_FILE

__all__ = [
    "DEFAULT_SECRET_ENV",
    "OIDC_TABLE",
    "OidcConfigError",
    "OidcSettings",
    "load_oidc_settings",
    "url_problem",
]

OIDC_TABLE = "oidc"
DEFAULT_SECRET_ENV = "OMBUD_OIDC_CLIENT_SECRET"
DEFAULT_SCOPES = ("openid", "email", "profile")
DEFAULT_CLAIM = "preferred_username"
DEFAULT_DISPLAY_NAME = "single sign-on"
_KEYS = (
    "issuer",
    "client_id",
    "client_secret_env",
    "scopes",
    "username_claim",
    "display_name",
    "redirect_uri",
)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class OidcConfigError(ValueError):
    """The ``[oidc]`` table of the workspace settings cannot work; the message says the fix."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url: str) -> str | None:
    """Why ``url`` may not be used to talk to a provider, or None when it may."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host:
        return f"'{url}' is not an absolute URL"
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host)):
        return None
    return f"'{url}' must be an https URL (plain http only for a loopback host, for tests)"


@dataclass(frozen=True)
class OidcSettings:
    """One OpenID provider that may vouch for Ombud users.

    ``username_claim`` names the ID-token claim whose value is the Ombud user name; when
    it is ``email``, the value is matched against the users' email addresses instead
    (Ombud user names cannot hold an ``@``).
    """

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    username_claim: str = DEFAULT_CLAIM
    display_name: str = DEFAULT_DISPLAY_NAME
    redirect_uri: str | None = None
    timeout_seconds: float = 10.0
    clock_leeway_seconds: int = 60

    def __post_init__(self) -> None:
        problem = url_problem(self.issuer) or (
            url_problem(self.redirect_uri) if self.redirect_uri else None
        )
        if problem:
            raise OidcConfigError(f"OpenID Connect settings: {problem}")
        if "openid" not in self.scopes:
            raise OidcConfigError("OpenID Connect settings: the scopes must include 'openid'")
        if not (self.client_id and self.client_secret and self.username_claim):
            raise OidcConfigError(
                "OpenID Connect settings: client_id, the client secret and username_claim "
                "must not be empty"
            )

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @property
    def matches_email(self) -> bool:
        return self.username_claim == "email"


def load_oidc_settings(workspace_root: Path, env: Mapping[str, str]) -> OidcSettings | None:
    """The ``[oidc]`` table of ``<workspace>/ombud-workspace.toml``; None when it has none.

    ``env`` supplies the client secret (from the variable named by ``client_secret_env``).
    Any problem is an OidcConfigError naming the file, the key and the fix.
    """
    path = workspace_root / SETTINGS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None  # not a workspace: opening it reports that
    except tomllib.TOMLDecodeError as exc:
        raise OidcConfigError(f"{path}: {exc}; fix the TOML syntax") from None
    table = data.get(OIDC_TABLE)
    if table is None:
        return None
    if not isinstance(table, dict):
        raise OidcConfigError(f"{path}: '{OIDC_TABLE}' must be a table; write it as [oidc]")
    return _parse(_Where(path), table, env)


@dataclass(frozen=True)
class _Where:
    path: Path

    def error(self, key: str, problem: str) -> OidcConfigError:
        return OidcConfigError(f"{self.path}: [{OIDC_TABLE}] {key}: {problem}")


def _text(where: _Where, table: Mapping[str, Any], key: str, default: str | None) -> str:
    value = table.get(key, default)
    if value is None:
        raise where.error(key, f'missing; add {key} = "..." to the [{OIDC_TABLE}] table')
    if not isinstance(value, str) or not value.strip():
        raise where.error(key, "must be a non-empty string in quotes")
    return value.strip()


def _scopes(where: _Where, table: Mapping[str, Any]) -> tuple[str, ...]:
    raw = table.get("scopes", " ".join(DEFAULT_SCOPES))
    if isinstance(raw, str):
        scopes = tuple(raw.split())
    elif isinstance(raw, list) and all(isinstance(s, str) for s in raw):
        scopes = tuple(s.strip() for s in raw if s.strip())
    else:
        raise where.error("scopes", 'give a string such as "openid email profile"')
    if "openid" not in scopes:
        raise where.error("scopes", "must include 'openid' (e.g. \"openid email profile\")")
    return scopes


def _parse(where: _Where, table: Mapping[str, Any], env: Mapping[str, str]) -> OidcSettings:
    if "client_secret" in table:
        raise where.error(
            "client_secret",
            "the secret does not belong in the file; remove it and put it in the environment "
            f"variable named by client_secret_env (default {DEFAULT_SECRET_ENV})",
        )
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise where.error(unknown[0], f"unknown key; the keys are {', '.join(_KEYS)}")
    issuer = _text(where, table, "issuer", None)
    problem = url_problem(issuer)
    if problem is None and (urlsplit(issuer).query or urlsplit(issuer).fragment):
        problem = f"'{issuer}' must not carry a query or fragment"
    if problem:
        raise where.error("issuer", problem)
    redirect_uri = table.get("redirect_uri")
    if redirect_uri is not None:
        redirect_uri = _text(where, table, "redirect_uri", None)
        if problem := url_problem(redirect_uri):
            raise where.error("redirect_uri", problem)
    secret_env = _text(where, table, "client_secret_env", DEFAULT_SECRET_ENV)
    if not _ENV_NAME.match(secret_env):
        raise where.error(
            "client_secret_env", f"'{secret_env}' is not an environment variable name"
        )
    secret = env.get(secret_env, "").strip()
    if not secret:
        raise where.error(
            "client_secret_env",
            f"the environment variable {secret_env} is empty or not set; export the client "
            "secret there before starting `ombud serve`",
        )
    return OidcSettings(
        issuer=issuer,
        client_id=_text(where, table, "client_id", None),
        client_secret=secret,
        scopes=_scopes(where, table),
        username_claim=_text(where, table, "username_claim", DEFAULT_CLAIM),
        display_name=_text(where, table, "display_name", DEFAULT_DISPLAY_NAME),
        redirect_uri=redirect_uri,
    )
