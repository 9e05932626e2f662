"""Registered, versioned, classified systems for service tests: the set-up several test
modules share, written once so a change to the questionnaire is mended in one place.
"""

from __future__ import annotations

from typing import Any

from ombud.governance import SystemProfile
from ombud.services import classification, systems
from ombud.services.context import AppContext

# Every questionnaire answer that would add a prohibition, a transparency duty or another
# regime: all "no", so a test's classification follows from its Annex III use alone.
_NOTHING_ELSE: dict[str, Any] = {
    "interacts_with_people": False,
    "exclusive_purpose": "none",
    **dict.fromkeys(
        [
            "manipulative_techniques", "exploits_vulnerabilities", "social_scoring",
            "untargeted_face_scraping", "emotion_recognition", "biometric_categorisation",
            "remote_biometric_identification", "annex_i_safety_component",
            "crime_prediction_profiling", "generates_synthetic_content", "deep_fake",
            "public_interest_text", "deployer_public_body_or_service", "uses_consumer_reports",
        ],
        False,
    ),
}  # fmt: skip


def annex_iii_answers(area: str, use: str) -> dict[str, Any]:
    """Answers for a high-risk system of one Annex III area and use that profiles people."""
    return {
        "significant_decisions": True,
        "annex_iii_area": [area],
        f"annex_iii_{area}": [use],
        "art_6_3_conditions": ["none"],
        "profiles_natural_persons": True,
        **_NOTHING_ELSE,
    }


HIRING_ANSWERS = annex_iii_answers("employment", "recruitment_selection")
CREDIT_ANSWERS = annex_iii_answers("essential_services", "creditworthiness")


def register_classified(
    context: AppContext,
    owner: str,
    system_id: str,
    profile: SystemProfile,
    answers: dict[str, Any],
    version: str = "1.0",
    catalog_version: str | None = None,
) -> None:
    """Register ``system_id`` as ``owner``, add ``version`` and classify it."""
    actor = context.actor(owner)
    systems.register_system(context, actor, system_id, profile)
    systems.add_version(context, actor, system_id, version)
    classification.classify_system(
        context, actor, system_id, answers=answers, catalog_version=catalog_version
    )


def screening_profile(owner: str, **changes: Any) -> SystemProfile:
    """A résumé-screening system deployed in France: high risk under Annex III point 4(a)."""
    base = SystemProfile(
        name="Résumé screening",
        purpose="Ranks applicants for call-backs",
        owner=owner,
        owner_team="talent",
        domain="hiring",
        kind="decision_model",
        operator_role="deployer",
        automation="human_in_the_loop",
        affected_people=("job_applicants",),
        deployment_regions=("FR",),
        data_categories=("personal_data",),
    )
    return base.with_changes(changes) if changes else base
