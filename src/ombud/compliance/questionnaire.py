"""The risk questionnaire: questions as data, answers checked against them.

Questions and their legal help text change with the law and with what reviewers find
unclear, so they live in ``data/questionnaire.yaml`` and the code only knows the five
answer types. Each question may carry a ``when`` condition over earlier answers, so a
person is asked about Annex III employment uses only after saying the system is used
in employment. The inventory pre-fills the first questions (same ids as its fields).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ombud.compliance._conditions import (
    Condition,
    Facts,
    answer_tests,
    evaluate,
    parse_condition,
)
from ombud.compliance._errors import ClassificationInputError, load_yaml
from ombud.compliance.regions import region_problem
from ombud.text import MAX_TEXT_CHARS, first_forbidden, forbidden_characters
from ombud.yamlsource import KeyPath, LocatedYaml

__all__ = [
    "Answers",
    "Option",
    "Question",
    "QuestionType",
    "Questionnaire",
    "applicable_questions",
    "check_answers",
    "effective_answers",
    "load_answers_yaml",
    "load_questionnaire",
    "pending_questions",
    "validate_answers",
]

Answers = dict[str, Any]

#: The question whose codes must be ISO 3166-1 regions (the inventory field of that name).
REGION_QUESTION = "deployment_regions"
#: The largest answers file read (a full questionnaire's answers take a few KiB).
MAX_ANSWERS_BYTES = 1 << 20


class QuestionType(StrEnum):
    BOOL = "bool"
    ONE_OF = "one-of"
    MANY_OF = "many-of"
    NUMBER = "number"
    TEXT = "text"


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    exclusive: bool = False


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    type: QuestionType
    help: str
    options: tuple[Option, ...] = ()
    when: Condition | None = None
    required: bool = False
    pattern: str | None = None
    minimum: float | None = None
    #: The catalog version that first asks this question (None: every version).
    since: str | None = None
    #: A condition the other answers must meet when this one is answered "yes".
    requires: Condition | None = None

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(option.id for option in self.options)


@dataclass(frozen=True)
class Questionnaire:
    version: str
    questions: tuple[Question, ...]

    def get(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def for_catalog(self, catalog_version: str) -> Questionnaire:
        """The questions a catalog version asks: questions come with the law that needs them."""
        kept = tuple(
            q for q in self.questions if q.since is None or _key(q.since) <= _key(catalog_version)
        )
        return Questionnaire(self.version, kept)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _parse_options(raw: Any, qid: str, path: KeyPath, doc: LocatedYaml) -> tuple[Option, ...]:
    if not isinstance(raw, list):
        raise ClassificationInputError(f"{doc.where(path)}: options of '{qid}' must be a list")
    options = []
    for i, item in enumerate(raw):
        extra = set(item) - {"id", "text", "exclusive"} if isinstance(item, Mapping) else {"?"}
        if extra or not isinstance(item.get("id"), str):
            raise ClassificationInputError(
                f"{doc.where((*path, i))}: option of '{qid}' must be {{id, text, exclusive}}; "
                "quote a text that contains commas"
            )
        options.append(
            Option(item["id"], str(item.get("text", item["id"])), bool(item.get("exclusive")))
        )
    return tuple(options)


def _parse_question(raw: Any, index: int, doc: LocatedYaml, seen: set[str]) -> Question:
    path: KeyPath = ("questions", index)
    if not isinstance(raw, Mapping):
        raise ClassificationInputError(f"{doc.where(path)}: each question must be a mapping")
    for key in ("id", "text", "type", "help"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ClassificationInputError(f"{doc.where(path)}: question needs text field '{key}'")
    qid = raw["id"]
    if qid in seen:
        raise ClassificationInputError(f"{doc.where((*path, 'id'))}: question id '{qid}' repeats")
    try:
        qtype = QuestionType(raw["type"])
    except ValueError:
        allowed = ", ".join(t.value for t in QuestionType)
        raise ClassificationInputError(
            f"{doc.where((*path, 'type'))}: question '{qid}' has unknown type; use one of {allowed}"
        ) from None
    options = _parse_options(raw.get("options", []), qid, (*path, "options"), doc)
    needs_options = qtype is QuestionType.ONE_OF or (
        qtype is QuestionType.MANY_OF and "pattern" not in raw
    )
    if needs_options and not options:
        raise ClassificationInputError(
            f"{doc.where(path)}: question '{qid}' of type {qtype} needs options (or a pattern)"
        )
    when = None
    if "when" in raw:
        when = parse_condition(raw["when"], (*path, "when"), doc.where)
        for test in answer_tests(when):
            if test.question not in seen:
                raise ClassificationInputError(
                    f"{doc.where((*path, 'when'))}: question '{qid}' depends on '{test.question}', "
                    "which is not an earlier question; move it below the one it depends on"
                )
    requires = None
    if "requires" in raw:
        requires = parse_condition(raw["requires"], (*path, "requires"), doc.where)
        for test in answer_tests(requires):
            if test.question not in seen:
                raise ClassificationInputError(
                    f"{doc.where((*path, 'requires'))}: question '{qid}' requires "
                    f"'{test.question}', which is not an earlier question"
                )
    since = raw.get("since")
    if since is not None and not (isinstance(since, str) and re.fullmatch(r"\d{4}\.\d+", since)):
        raise ClassificationInputError(
            f"{doc.where((*path, 'since'))}: 'since' must be a quoted catalog version, "
            'like "2026.1"'
        )
    seen.add(qid)
    return Question(
        id=qid,
        text=" ".join(raw["text"].split()),
        type=qtype,
        help=" ".join(raw["help"].split()),
        options=options,
        when=when,
        required=bool(raw.get("required", False)),
        pattern=raw.get("pattern"),
        minimum=raw.get("minimum"),
        since=since,
        requires=requires,
    )


def _default_questionnaire_text() -> tuple[str, str]:
    resource = resources.files("ombud.compliance").joinpath("data", "questionnaire.yaml")
    return str(resource), resource.read_text(encoding="utf-8")


def _load(path: str | None) -> Questionnaire:
    doc = load_yaml(*_default_questionnaire_text()) if path is None else load_yaml(path)
    data = doc.data
    if not isinstance(data, Mapping) or not isinstance(data.get("questions"), list):
        raise ClassificationInputError(f"{doc.where(())}: expected 'version' and 'questions' keys")
    seen: set[str] = set()
    questions = tuple(_parse_question(raw, i, doc, seen) for i, raw in enumerate(data["questions"]))
    return Questionnaire(version=str(data.get("version", "1")), questions=questions)


def load_questionnaire(path: str | Path | None = None) -> Questionnaire:
    """The shipped questionnaire, or one from ``path``."""
    return _load_shipped() if path is None else _load(str(path))


@lru_cache(maxsize=1)
def _load_shipped() -> Questionnaire:
    # Shipped package data is immutable, so it is parsed once; user files are re-read.
    return _load(None)


def _check_one(question: Question, value: Any) -> tuple[Any, str | None]:
    """Normalised value and a problem (without location), or ``(None, problem)``."""
    qid = question.id
    if question.type is QuestionType.BOOL:
        if isinstance(value, bool):
            return value, None
        return None, f"question '{qid}' expects true or false, got {value!r}"
    if question.type is QuestionType.NUMBER:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            return None, f"question '{qid}' expects a number (e.g. 3.0e25), got {value!r}"
        if question.minimum is not None and value < question.minimum:
            return None, f"question '{qid}' expects a number >= {question.minimum}, got {value!r}"
        return float(value), None
    if question.type is QuestionType.TEXT:
        if isinstance(value, str) and value.strip():
            if len(value) > MAX_TEXT_CHARS:
                return None, f"question '{qid}': the answer is over {MAX_TEXT_CHARS:,} characters"
            if (found := first_forbidden(value)) is not None:
                return None, (
                    f"question '{qid}': the answer holds U+{ord(found[1]):04X}; "
                    f"{forbidden_characters()}"
                )
            return value.strip(), None
        return None, f"question '{qid}' expects non-empty text, got {value!r}"
    allowed = ", ".join(question.option_ids)
    if question.type is QuestionType.ONE_OF:
        if isinstance(value, str) and value in question.option_ids:
            return value, None
        return None, f"question '{qid}': {value!r} is not an option; use one of: {allowed}"
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        return None, f"question '{qid}' expects a list of options, got {value!r}"
    items: list[str] = []
    for item in value:
        if question.pattern is not None:
            item = item.strip().upper()
            if not re.fullmatch(question.pattern, item):
                return None, f"question '{qid}': {item!r} is not a valid code (e.g. EU, DE, US-CO)"
            if qid == REGION_QUESTION and (problem := region_problem(item)) is not None:
                return None, f"question '{qid}': {problem}"
        elif item not in question.option_ids:
            return None, f"question '{qid}': {item!r} is not an option; use any of: {allowed}"
        if item not in items:
            items.append(item)
    exclusive = [o.id for o in question.options if o.exclusive and o.id in items]
    if exclusive and len(items) > 1:
        return None, f"question '{qid}': '{exclusive[0]}' cannot be combined with other options"
    return tuple(items), None


def _validate(
    answers: Any, questionnaire: Questionnaire, where: Callable[[KeyPath], str]
) -> tuple[Answers, list[str]]:
    normalised: Answers = {}
    problems: list[str] = []
    if not isinstance(answers, Mapping):
        return normalised, [f"{where(())}: answers must be a mapping of question id to answer"]
    for key, value in answers.items():
        question = questionnaire.get(str(key))
        if question is None:
            problems.append(
                f"{where((str(key),))}: unknown question id '{key}'; "
                "see load_questionnaire().ids for the known ids"
            )
            continue
        if value is None:
            continue
        clean, problem = _check_one(question, value)
        if problem is not None:
            problems.append(f"{where((str(key),))}: {problem}")
        else:
            normalised[question.id] = clean
    problems += [
        f"{where((qid,))}: {text}" for qid, text in _contradictions(normalised, questionnaire)
    ]
    return normalised, problems


def _said(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return ", ".join(value) if isinstance(value, tuple) else str(value)


def _contradictions(answers: Answers, questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """Answers that cannot all be true, as (question id, problem) pairs.

    Only answers actually given are compared: an unanswered question never contradicts.
    """
    found = []
    for question in questionnaire.questions:
        value = answers.get(question.id)
        if question.requires is None or value in (None, False, ()):
            continue
        others = sorted({t.question for t in answer_tests(question.requires)})
        if not all(other in answers for other in others):
            continue
        if not evaluate(question.requires, Facts(answers)):
            given = ", ".join(f"'{o}: {_said(answers[o])}'" for o in others)
            found.append(
                (
                    question.id,
                    f"'{question.id}: {_said(value)}' contradicts {given}; "
                    "change one of these answers",
                )
            )
    return found


def _plain_where(path: KeyPath) -> str:
    return "answers" if not path else f"answers[{path[0]!r}]"


def check_answers(
    answers: Mapping[str, Any], questionnaire: Questionnaire | None = None
) -> tuple[str, ...]:
    """Every problem in ``answers`` (empty when they are valid)."""
    return tuple(_validate(answers, questionnaire or load_questionnaire(), _plain_where)[1])


def validate_answers(
    answers: Mapping[str, Any], questionnaire: Questionnaire | None = None
) -> Answers:
    """Answers normalised (many-of as tuples, region codes upper-case) or an error."""
    normalised, problems = _validate(answers, questionnaire or load_questionnaire(), _plain_where)
    if problems:
        raise ClassificationInputError(problems)
    return normalised


def load_answers_yaml(path: str | Path, questionnaire: Questionnaire | None = None) -> Answers:
    """Read and validate an answers file; problems read ``file:line: message``."""
    doc = load_yaml(path, max_bytes=MAX_ANSWERS_BYTES)
    data = {} if doc.data is None else doc.data
    normalised, problems = _validate(data, questionnaire or load_questionnaire(), doc.where)
    if problems:
        raise ClassificationInputError(problems)
    return normalised


def effective_answers(
    answers: Mapping[str, Any], questionnaire: Questionnaire | None = None
) -> tuple[Answers, tuple[Question, ...], tuple[str, ...]]:
    """Answers to applicable questions, the applicable questions, and ignored answer ids.

    Walks the questions in order; a question whose ``when`` fails is not applicable and
    its answer (if any) is ignored, so it cannot switch on later questions either.
    """
    questionnaire = questionnaire or load_questionnaire()
    kept: Answers = {}
    applicable: list[Question] = []
    for question in questionnaire.questions:
        if question.when is None or evaluate(question.when, Facts(kept)):
            applicable.append(question)
            if answers.get(question.id) is not None:
                kept[question.id] = answers[question.id]
    ignored = tuple(k for k in answers if k not in kept and answers[k] is not None)
    return kept, tuple(applicable), ignored


def applicable_questions(
    answers: Mapping[str, Any], questionnaire: Questionnaire | None = None
) -> tuple[Question, ...]:
    """Questions that apply given the (possibly partial) answers so far, in order."""
    return effective_answers(answers, questionnaire)[1]


def pending_questions(
    answers: Mapping[str, Any], questionnaire: Questionnaire | None = None
) -> tuple[Question, ...]:
    """Applicable questions not answered yet; ask the first, then call again."""
    return tuple(q for q in applicable_questions(answers, questionnaire) if q.id not in answers)
