"""The roles a workspace user may hold. What each may do is governance/authorization.py."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Role"]


class Role(StrEnum):
    ADMIN = "admin"
    RAI_LEAD = "rai_lead"
    REVIEWER = "reviewer"
    OWNER = "owner"
    AUDITOR = "auditor"
