"""Evidence that comes from outside: supplier questionnaires and attached documents.

A system built on a third party's model can only be governed with what the supplier
tells us. The questionnaire turns that into evidence the gate can read: a weighted
score, and a verdict per required item, where "we don't know" is ``insufficient`` and
never a pass. Answers are written by people, so every error names ``file:line``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ombud.governance.errors import InvalidInput
from ombud.governance.text import check_name, check_text
from ombud.records import METRIC_NAME_PATTERN, EvidenceNames, Verdict
from ombud.yamlsource import KeyPath, LocatedYaml

__all__ = [
    "ATTACHABLE_KINDS",
    "MAX_ANSWERS_BYTES",
    "SUPPLIER_EVIDENCE_NAMES",
    "Questionnaire",
    "QuestionnaireItem",
    "SupplierAnswers",
    "SupplierAssessment",
    "assess_supplier",
    "check_answer",
    "check_attachable_kind",
    "parse_expiry",
    "parse_metric_option",
    "parse_questionnaire",
    "parse_supplier_answers",
    "parse_verdict_option",
]

#: The largest supplier answers file read (a full questionnaire's answers take a few KiB).
MAX_ANSWERS_BYTES = 1 << 20

#: Evidence kinds a person may attach as a file made elsewhere.
ATTACHABLE_KINDS = (
    "fairness_audit",
    "redteam_run",
    "drift_report",
    "monitoring_run",  # usually recorded by `ombud monitor check`; attachable from elsewhere
    "explainability_report",
    "documentation",
    "model_card",
    "datasheet",
    "annex_iv",
    "fria",
    "data_audit",
    "third_party_audit",
    "supplier_questionnaire",
    "manual_attestation",
)
#: What :func:`assess_supplier` records; ``{item}`` is a questionnaire item id.
SUPPLIER_EVIDENCE_NAMES = EvidenceNames(
    "supplier_questionnaire",
    metrics=(
        "supplier.item.{item}",
        "supplier.score",
        "supplier.pass_score",
        "supplier.unknown_items",
        "supplier.required_not_passed",
    ),
    verdicts=("supplier.{item}", "supplier.score"),
)
_ANSWER_TYPES = ("yes_no", "choice", "text")
_YES_NO = {"yes": 1.0, "no": 0.0}
UNKNOWN = "unknown"


@dataclass(frozen=True)
class QuestionnaireItem:
    id: str
    topic: str
    question: str
    answer: str
    weight: float
    required: bool
    minimum: float
    choices: Mapping[str, float]

    def options(self) -> tuple[str, ...]:
        if self.answer == "yes_no":
            return ("yes", "no", UNKNOWN)
        if self.answer == "choice":
            return (*self.choices, UNKNOWN)
        return ()


@dataclass(frozen=True)
class Questionnaire:
    name: str
    version: str
    pass_score: float
    items: tuple[QuestionnaireItem, ...]

    def item(self, item_id: str) -> QuestionnaireItem | None:
        return next((i for i in self.items if i.id == item_id), None)


def _number(doc: LocatedYaml, path: KeyPath, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise doc.error(path, f"'{path[-1]}' must be a number from {low:g} to {high:g}")
    return float(value)


def _text(doc: LocatedYaml, path: KeyPath, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise doc.error(path, f"'{path[-1]}' must be non-empty text")
    return value.strip()


def _checked(doc: LocatedYaml, path: KeyPath, value: str, what: str, *, name: bool = False) -> str:
    """``value`` if it passes the text rules, else an error at its line."""
    try:
        return check_name(value, what) if name else check_text(value, what)
    except InvalidInput as exc:
        raise doc.error(path, str(exc)) from None


def _parse_item(doc: LocatedYaml, index: int, raw: Any) -> QuestionnaireItem:
    path: KeyPath = ("items", index)
    if not isinstance(raw, dict):
        raise doc.error(path, "each item must be a mapping with id, question and answer")
    known = {"id", "topic", "question", "answer", "choices", "weight", "required", "minimum"}
    for key in raw:
        if key not in known:
            raise doc.error((*path, key), f"unknown key '{key}'; items take {sorted(known)}")
    item_id = _text(doc, (*path, "id"), raw.get("id"))
    if not METRIC_NAME_PATTERN.match(f"supplier.{item_id}"):
        raise doc.error((*path, "id"), f"item id '{item_id}' must be lower_snake_case")
    kind = raw.get("answer")
    if kind not in _ANSWER_TYPES:
        raise doc.error((*path, "answer"), f"'answer' must be one of {', '.join(_ANSWER_TYPES)}")
    choices: dict[str, float] = {}
    if kind == "choice":
        raw_choices = raw.get("choices")
        if not isinstance(raw_choices, dict) or len(raw_choices) < 2:
            raise doc.error((*path, "choices"), "a choice item needs at least two choices")
        for name, score in raw_choices.items():
            choices[str(name)] = _number(doc, (*path, "choices", name), score, 0, 1)
    elif "choices" in raw:
        raise doc.error((*path, "choices"), f"only choice items take choices, not {kind}")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise doc.error((*path, "required"), "'required' must be true or false")
    return QuestionnaireItem(
        id=item_id,
        topic=str(raw.get("topic", "")),
        question=_text(doc, (*path, "question"), raw.get("question")),
        answer=kind,
        weight=_number(
            doc, (*path, "weight"), raw.get("weight", 0 if kind == "text" else 1), 0, 100
        ),
        required=required,
        minimum=_number(doc, (*path, "minimum"), raw.get("minimum", 1.0), 0, 1),
        choices=choices,
    )


def parse_questionnaire(doc: LocatedYaml) -> Questionnaire:
    data = doc.data
    if not isinstance(data, dict):
        raise doc.error((), "a questionnaire is a mapping with questionnaire, version, items")
    items_raw = data.get("items")
    if not isinstance(items_raw, list) or not items_raw:
        raise doc.error(("items",), "'items' must be a non-empty list")
    items = tuple(_parse_item(doc, i, raw) for i, raw in enumerate(items_raw))
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.id in seen:
            raise doc.error(("items", index, "id"), f"duplicate item id '{item.id}'")
        seen.add(item.id)
    if not any(i.weight > 0 for i in items):
        raise doc.error(("items",), "at least one item needs a weight above 0")
    return Questionnaire(
        name=_text(doc, ("questionnaire",), data.get("questionnaire")),
        version=_text(doc, ("version",), str(data.get("version", ""))),
        pass_score=_number(doc, ("pass_score",), data.get("pass_score"), 0, 1),
        items=items,
    )


@dataclass(frozen=True)
class SupplierAnswers:
    supplier: str
    product: str
    answered_by: str
    answers: Mapping[str, str]
    comments: Mapping[str, str]


def _answer_text(value: Any) -> str | None:
    if isinstance(value, bool):  # YAML 1.1 reads yes/no as booleans
        return "yes" if value else "no"
    if isinstance(value, str | int | float):
        return str(value).strip()
    return None


def check_answer(item: QuestionnaireItem, answer: str) -> str | None:
    """None if ``answer`` is acceptable for ``item``, else why not."""
    if item.answer == "text":
        return None
    options = item.options()
    if answer.lower() not in options:
        return f"answer '{answer}' to '{item.id}' is not one of: {', '.join(options)}"
    return None


def parse_supplier_answers(doc: LocatedYaml, questionnaire: Questionnaire) -> SupplierAnswers:
    data = doc.data
    if not isinstance(data, dict):
        raise doc.error((), "an answers file is a mapping with supplier, product and answers")
    for key in data:
        if key not in {"supplier", "product", "answered_by", "answers"}:
            raise doc.error(
                (key,), f"unknown key '{key}'; use supplier, product, answered_by, answers"
            )
    raw = data.get("answers")
    if not isinstance(raw, dict):
        raise doc.error(("answers",), "'answers' must map item ids to answers")
    answers: dict[str, str] = {}
    comments: dict[str, str] = {}
    for item_id, value in raw.items():
        path: KeyPath = ("answers", item_id)
        item = questionnaire.item(item_id)
        if item is None:
            ids = ", ".join(i.id for i in questionnaire.items)
            raise doc.error(path, f"'{item_id}' is not a question of this questionnaire ({ids})")
        if isinstance(value, dict):
            extra = set(value) - {"answer", "comment"}
            if extra:
                raise doc.error(
                    path, f"an answer takes 'answer' and 'comment', not {sorted(extra)}"
                )
            comment = value.get("comment")
            if comment is not None:
                comments[item_id] = _checked(doc, path, str(comment), f"the comment on '{item_id}'")
            value = value.get("answer")
        text = _answer_text(value)
        if text is None or text == "":
            raise doc.error(path, f"'{item_id}' has no answer; answer it or write 'unknown'")
        problem = check_answer(item, text)
        if problem:
            raise doc.error(path, problem)
        _checked(doc, path, text, f"the answer to '{item_id}'")
        answers[item_id] = text if item.answer == "text" else text.lower()
    return SupplierAnswers(
        supplier=_checked(
            doc,
            ("supplier",),
            _text(doc, ("supplier",), data.get("supplier")),
            "'supplier'",
            name=True,
        ),
        product=_checked(
            doc, ("product",), _text(doc, ("product",), data.get("product")), "'product'", name=True
        ),
        answered_by=_checked(
            doc, ("answered_by",), str(data.get("answered_by", "")), "'answered_by'", name=True
        ),
        answers=answers,
        comments=comments,
    )


@dataclass(frozen=True)
class SupplierAssessment:
    score: float
    passed: bool
    metrics: Mapping[str, float]
    verdicts: Mapping[str, Verdict]
    summary: str


def _item_score(item: QuestionnaireItem, answer: str | None) -> float | None:
    """Score in [0, 1]; None when nothing is known (unanswered or 'unknown')."""
    if answer is None or answer == UNKNOWN:
        return None
    if item.answer == "yes_no":
        return _YES_NO[answer]
    if item.answer == "choice":
        return item.choices[answer]
    return 1.0 if answer.strip() else None


def assess_supplier(questionnaire: Questionnaire, answers: SupplierAnswers) -> SupplierAssessment:
    """Weighted score (unknowns count as 0) and a verdict per required item and overall."""
    total_weight = sum(i.weight for i in questionnaire.items)
    earned = 0.0
    metrics: dict[str, float] = {}
    verdicts: dict[str, Verdict] = {}
    unknown = 0
    for item in questionnaire.items:
        score = _item_score(item, answers.answers.get(item.id))
        if score is None:
            unknown += 1
        else:
            earned += item.weight * score
            if item.answer != "text":
                metrics[f"supplier.item.{item.id}"] = score
        if item.required:
            if score is None:
                verdicts[f"supplier.{item.id}"] = Verdict.INSUFFICIENT
            else:
                ok = score >= item.minimum - 1e-12
                verdicts[f"supplier.{item.id}"] = Verdict.PASS if ok else Verdict.FAIL
    overall = earned / total_weight
    failed_required = sum(v != Verdict.PASS for v in verdicts.values())
    passed = overall >= questionnaire.pass_score and failed_required == 0
    verdicts["supplier.score"] = (
        Verdict.PASS if overall >= questionnaire.pass_score else Verdict.FAIL
    )
    metrics["supplier.score"] = overall
    metrics["supplier.pass_score"] = questionnaire.pass_score
    metrics["supplier.unknown_items"] = float(unknown)
    metrics["supplier.required_not_passed"] = float(failed_required)
    summary = (
        f"{answers.supplier} / {answers.product}: score {overall:.2f} "
        f"(pass at {questionnaire.pass_score:.2f}), {failed_required} required item(s) not "
        f"passed, {unknown} unknown"
    )
    return SupplierAssessment(overall, passed, metrics, verdicts, summary)


# --- options of `ombud evidence attach` ------------------------------------------------


def check_attachable_kind(kind: str) -> str:
    if kind not in ATTACHABLE_KINDS:
        raise InvalidInput(
            f"evidence kind '{kind}' is unknown; use one of: {', '.join(ATTACHABLE_KINDS)}"
        )
    return kind


def parse_metric_option(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not METRIC_NAME_PATTERN.match(name):
        raise InvalidInput(
            f"--metric '{text}' must look like name=value with a dotted lower-case name, "
            "e.g. fairness.sex.selection_rate.ratio_min=0.86"
        )
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(f"--metric '{text}': '{value}' is not a number") from None
    if not math.isfinite(number):
        raise InvalidInput(f"--metric '{text}': give a finite number")
    return name, number


def parse_verdict_option(text: str) -> tuple[str, Verdict]:
    rule, sep, value = text.partition("=")
    rule = rule.strip()
    try:
        verdict = Verdict(value.strip().lower())
    except ValueError:
        verdict = None
    if not sep or not rule or verdict is None:
        allowed = "|".join(v.value for v in Verdict)
        raise InvalidInput(f"--verdict '{text}' must look like rule={allowed}")
    return rule, verdict


def parse_expiry(text: str, today: dt.date) -> int:
    """Days from ``today`` to an expiry date given as YYYY-MM-DD (at least 1)."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--expires '{text}' is not a date; write YYYY-MM-DD") from None
    if day <= today:
        raise InvalidInput(
            f"--expires {day.isoformat()} is not after today ({today.isoformat()}); evidence "
            "that has already expired cannot count"
        )
    return (day - today).days
