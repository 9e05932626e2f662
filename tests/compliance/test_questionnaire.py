"""Questionnaire: shipped content, answer validation with locations, applicability."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ombud.compliance import (
    ClassificationInputError,
    QuestionType,
    applicable_questions,
    check_answers,
    classify,
    load_answers_yaml,
    load_questionnaire,
    pending_questions,
    validate_answers,
)
from ombud.compliance.questionnaire import Question

PREFILLED_OPTIONS = {
    "domain": {
        "hiring",
        "lending",
        "insurance",
        "healthcare",
        "criminal_justice",
        "education",
        "public_benefits",
        "biometrics",
        "critical_infrastructure",
        "customer_service",
        "marketing",
        "internal_productivity",
        "other",
    },
    "system_kind": {"decision_model", "llm_application", "general_purpose_model", "agent"},
    "operator_role": {"provider", "deployer", "importer", "distributor"},
    "data_categories": {
        "personal_data",
        "special_categories",
        "biometric_data",
        "children_data",
        "none",
    },
    "automation": {"human_in_the_loop", "human_on_the_loop", "fully_automated"},
    "affected_people": {
        "employees",
        "job_applicants",
        "consumers",
        "patients",
        "students",
        "children",
        "citizens",
        "defendants",
    },
}


def test_inventory_ids_and_options_are_present() -> None:
    questionnaire = load_questionnaire()
    for qid, options in PREFILLED_OPTIONS.items():
        question = questionnaire.get(qid)
        assert question is not None, qid
        assert options <= set(question.option_ids), qid
    regions = questionnaire.get("deployment_regions")
    assert regions is not None
    assert regions.type is QuestionType.MANY_OF
    assert regions.pattern


def test_every_question_cites_its_source() -> None:
    for question in load_questionnaire().questions:
        assert any(mark in question.help for mark in ("Art.", "CFR", "U.S.C", "Law", "Act")), (
            question.id
        )


def test_validation_normalises() -> None:
    clean = validate_answers(
        {
            "deployment_regions": ["eu", "us-co", "EU"],
            "social_scoring": False,
            "gpai_training_flop": 3,
        }
    )
    assert clean == {
        "deployment_regions": ("EU", "US-CO"),
        "social_scoring": False,
        "gpai_training_flop": 3.0,
    }


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [
        ({"colour": "red"}, "unknown question id 'colour'"),
        ({"social_scoring": "yes"}, "'social_scoring' expects true or false"),
        ({"domain": "banking"}, "use one of: hiring, lending"),
        ({"affected_people": ["aliens"]}, "use any of: employees"),
        ({"affected_people": "children"}, "expects a list"),
        ({"data_categories": ["none", "personal_data"]}, "'none' cannot be combined"),
        ({"deployment_regions": ["Europe"]}, "not a valid code"),
        ({"gpai_training_flop": True}, "expects a number"),
        ({"gpai_training_flop": -1}, ">= 0"),
    ],
)
def test_bad_answers_name_question_and_allowed_values(
    answers: dict[str, Any], fragment: str
) -> None:
    problems = check_answers(answers)
    assert len(problems) == 1
    assert fragment in problems[0]
    with pytest.raises(ClassificationInputError) as caught:
        validate_answers(answers)
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_answers_yaml_errors_carry_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(
        "system_kind: decision_model\n"
        "operator_role: provider\n"
        "# a comment\n"
        "domain: banking\n"
        "affected_people:\n"
        "  - consumers\n"
        "deployment_regions: [EU]\n"
        "colour: red\n",
        encoding="utf-8",
    )
    with pytest.raises(ClassificationInputError) as caught:
        load_answers_yaml(path)
    assert caught.value.problems[0].startswith(f"{path}:4: question 'domain'")
    assert caught.value.problems[1].startswith(f"{path}:8: unknown question id 'colour'")
    assert "(and 1 more problem(s))" in str(caught.value)


def test_answers_yaml_round_trip_and_syntax_error(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("domain: lending\ndeployment_regions: [de]\n", encoding="utf-8")
    assert load_answers_yaml(good) == {"domain": "lending", "deployment_regions": ("DE",)}
    broken = tmp_path / "broken.yaml"
    broken.write_text("domain: lending\naffected_people: [consumers\n", encoding="utf-8")
    with pytest.raises(ClassificationInputError, match=r"broken\.yaml:\d+: not valid YAML"):
        load_answers_yaml(broken)
    with pytest.raises(ClassificationInputError, match="cannot read file"):
        load_answers_yaml(tmp_path / "missing.yaml")


def test_sub_questions_appear_only_when_relevant() -> None:
    ids = {q.id for q in applicable_questions({})}
    assert "annex_iii_area" in ids
    assert "annex_iii_employment" not in ids
    assert "emotion_recognition_setting" not in ids
    with_area = {q.id for q in applicable_questions({"annex_iii_area": ["employment"]})}
    assert "annex_iii_employment" in with_area
    assert "annex_iii_education" not in with_area
    assert "art_6_3_conditions" in with_area
    assert "output_used_in_eu" not in {
        q.id for q in applicable_questions({"deployment_regions": ["FR"]})
    }
    assert "nyc_candidates" in {
        q.id for q in applicable_questions({"domain": "hiring", "deployment_regions": ["US-NY"]})
    }


def test_pending_questions_start_with_the_inventory_fields() -> None:
    assert [q.id for q in pending_questions({})][:4] == [
        "system_kind",
        "operator_role",
        "domain",
        "deployment_regions",
    ]


def test_a_question_may_only_depend_on_earlier_ones(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(
        "version: '9'\nquestions:\n"
        "  - id: a\n    text: A?\n    type: bool\n    help: Art. 1.\n    when: {q: b, is: true}\n"
        "  - id: b\n    text: B?\n    type: bool\n    help: Art. 2.\n",
        encoding="utf-8",
    )
    with pytest.raises(ClassificationInputError, match=r"q\.yaml:7: question 'a' depends on 'b'"):
        load_questionnaire(path)


def _any_answer(question: Question) -> st.SearchStrategy[Any]:
    if question.type is QuestionType.BOOL:
        return st.booleans()
    if question.type is QuestionType.NUMBER:
        return st.sampled_from([0.0, 1e24, 1e25, 3e25])
    if question.type is QuestionType.TEXT:
        return st.just("free text")
    if question.type is QuestionType.ONE_OF:
        return st.sampled_from(question.option_ids)
    if question.pattern:
        return st.lists(
            st.sampled_from(["EU", "DE", "FR", "US", "US-CO", "US-NY", "GB"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    plain = [o.id for o in question.options if not o.exclusive]
    return st.lists(st.sampled_from(plain), min_size=1, max_size=3, unique=True)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_prompt_loop_terminates_and_yields_a_complete_classification(data: st.DataObject) -> None:
    """Simulates the CLI loop: ask the first pending question until none is left.

    Oracle: the loop must end within one step per question, every collected answer must
    validate, and classifying the result must leave nothing unanswered or ignored.
    """
    answers: dict[str, Any] = {}
    for _ in range(len(load_questionnaire().questions) + 1):
        pending = pending_questions(answers)
        if not pending:
            break
        value = data.draw(_any_answer(pending[0]), label=pending[0].id)
        if check_answers({**answers, pending[0].id: value}):
            value = False  # a 'yes' that contradicts an earlier answer is refused; say no
        answers[pending[0].id] = value
    else:
        pytest.fail("prompt loop did not terminate")
    assert check_answers(answers) == ()
    result = classify(answers)
    assert result.complete
    assert not result.ignored_answers
