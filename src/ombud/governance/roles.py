"""Who may do what. Kept as data in the domain layer so every interface enforces the same rules."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from ombud.governance.errors import PermissionDenied

__all__ = ["Action", "Role", "allowed_roles", "require"]


class Role(StrEnum):
    ADMIN = "admin"
    RAI_LEAD = "rai_lead"
    REVIEWER = "reviewer"
    OWNER = "owner"
    AUDITOR = "auditor"


class Action(StrEnum):
    USER_MANAGE = "user.manage"
    SYSTEM_REGISTER = "system.register"
    SYSTEM_UPDATE = "system.update"
    SYSTEM_VERSION_ADD = "system.version.add"
    SYSTEM_CLASSIFY = "system.classify"
    READ = "read"


_WRITERS = frozenset({Role.ADMIN, Role.RAI_LEAD, Role.OWNER})

_ALLOWED: dict[Action, frozenset[Role]] = {
    Action.USER_MANAGE: frozenset({Role.ADMIN}),
    Action.SYSTEM_REGISTER: _WRITERS,
    Action.SYSTEM_UPDATE: _WRITERS,
    Action.SYSTEM_VERSION_ADD: _WRITERS,
    Action.SYSTEM_CLASSIFY: _WRITERS,
    Action.READ: frozenset(Role),
}


def allowed_roles(action: Action) -> frozenset[Role]:
    return _ALLOWED[action]


def require(action: Action, actor: str, roles: Iterable[Role]) -> None:
    """Raise PermissionDenied unless one of ``roles`` may perform ``action``."""
    held = set(roles)
    if held & _ALLOWED[action]:
        return
    needed = ", ".join(sorted(r.value for r in _ALLOWED[action]))
    have = ", ".join(sorted(r.value for r in held)) or "none"
    raise PermissionDenied(
        f"user '{actor}' (roles: {have}) may not {action.value}; it needs one of: {needed}"
    )
