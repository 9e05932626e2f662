"""The inventory's vocabulary and the classifier's questionnaire must agree.

The inventory pre-fills questionnaire answers by id; if an option were renamed on one
side only, a registered system would fail to classify. Contract test over both.
"""

from __future__ import annotations

from enum import StrEnum

import pytest

from ombud.compliance import load_questionnaire
from ombud.governance import (
    AffectedGroup,
    Automation,
    DataCategory,
    Domain,
    InvalidInput,
    OperatorRole,
    SystemKind,
    SystemProfile,
    answers_from_profile,
)

PAIRS: list[tuple[str, type[StrEnum]]] = [
    ("domain", Domain),
    ("system_kind", SystemKind),
    ("automation", Automation),
    ("data_categories", DataCategory),
    ("affected_people", AffectedGroup),
]


@pytest.mark.parametrize(("question_id", "enum"), PAIRS)
def test_inventory_values_are_questionnaire_options(question_id: str, enum: type[StrEnum]) -> None:
    question = load_questionnaire().get(question_id)
    assert question is not None
    assert {member.value for member in enum} == set(question.option_ids)


def test_operator_roles_are_a_subset_of_the_questionnaires() -> None:
    question = load_questionnaire().get("operator_role")
    assert question is not None
    assert {r.value for r in OperatorRole} <= set(question.option_ids)


def test_every_prefilled_answer_is_valid() -> None:
    from ombud.compliance import check_answers

    profile = SystemProfile(
        name="x",
        purpose="y",
        owner="o",
        owner_team="t",
        domain="hiring",
        kind="agent",
        operator_role="deployer",
        automation="fully_automated",
        deployment_regions=("DE", "US-NY"),
        affected_people=("job_applicants",),
        data_categories=("personal_data", "biometric_data"),
    )
    assert check_answers(answers_from_profile(profile)) == ()


def test_unknown_affected_group_is_refused() -> None:
    with pytest.raises(InvalidInput, match="affected_people item 'aliens'"):
        SystemProfile(
            name="x",
            purpose="y",
            owner="o",
            owner_team="t",
            domain="hiring",
            kind="agent",
            operator_role="deployer",
            automation="fully_automated",
            affected_people=("aliens",),
        )


def test_reserved_system_ids_are_refused_with_the_reason() -> None:
    """'new' is a slug but names the register page (/systems/new), so no system may take it;
    the refusal happens in governance, so the CLI, manifests and the web all share it."""
    from ombud.governance import check_system_id
    from ombud.governance.inventory import RESERVED_SYSTEM_IDS

    assert "new" in RESERVED_SYSTEM_IDS
    with pytest.raises(InvalidInput, match="system id 'new' is reserved"):
        check_system_id("new")
    with pytest.raises(InvalidInput, match="is not a slug"):
        check_system_id("New Model")
    assert check_system_id("new-model") == "new-model"
