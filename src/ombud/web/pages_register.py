"""The two forms that start a system's record: register it, then answer the questionnaire.

They live apart from pages_forms so each module stays small. Both follow the same rule
as the other forms: a field the web can judge alone is checked here and shown next to
the field; everything else is the service's to refuse, and its message comes back at
the top of the form with 422 and nothing saved.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ombud.compliance import ClassificationInputError, applicable_questions
from ombud.compliance.questionnaire import Question, QuestionType
from ombud.governance import Action, ConflictError, InvalidInput
from ombud.governance.inventory import (
    SLUG_PATTERN,
    AffectedGroup,
    Automation,
    DataCategory,
    Domain,
    OperatorRole,
    SystemKind,
    SystemProfile,
)
from ombud.services import classification, systems
from ombud.services.context import Actor
from ombud.web._render import render
from ombud.web._security import checked_form, page_actor, permit
from ombud.web._state import context_of

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

# Each route asks the authorization policy (governance/authorization.py) first, so a
# refused user gets 403 before any field is read: registering needs a role that may
# register (the service then checks the owner named in the form), classifying needs
# the right to classify THIS system (its owner, a rai_lead, an admin).

_LIST_FIELDS = ("affected_people", "data_categories")
_LINE_FIELDS = ("out_of_scope_uses", "deployment_regions")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _choices() -> dict[str, list[str]]:
    return {
        "domain": [d.value for d in Domain],
        "kind": [k.value for k in SystemKind],
        "operator_role": [o.value for o in OperatorRole],
        "automation": [a.value for a in Automation],
        "affected_people": [g.value for g in AffectedGroup],
        "data_categories": [c.value for c in DataCategory],
    }


def _register_page(
    request: Request,
    actor: Actor,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "system_new.html",
        actor,
        status_code=status_code,
        choices=_choices(),
        required=SystemProfile.required_field_names(),
        values=values,
        errors=errors,
    )


@router.get("/systems/new")
async def register_form(request: Request) -> Response:
    actor = await run_in_threadpool(page_actor, request)
    await run_in_threadpool(permit, request, actor, Action.SYSTEM_REGISTER)
    return _register_page(request, actor, {"vendor": "in-house"}, {})


def _profile_fields(form: FormData, errors: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in SystemProfile.field_names():
        if name in _LIST_FIELDS:
            data[name] = [v for v in form.getlist(name) if isinstance(v, str) and v]
        elif name in _LINE_FIELDS:
            data[name] = [line.strip() for line in _text(form, name).splitlines() if line.strip()]
        elif _text(form, name):
            data[name] = _text(form, name)
    for name in SystemProfile.required_field_names():
        if name not in data:
            errors[name] = f"{name.replace('_', ' ')} is required"
    for name, allowed in _choices().items():
        picked = data.get(name)
        for value in picked if isinstance(picked, list) else [picked] if picked else []:
            if value not in allowed:
                errors[name] = f"'{value}' is not one of: {', '.join(allowed)}"
    return data


@router.post("/systems/new")
async def register(request: Request) -> Response:
    actor = await run_in_threadpool(page_actor, request)
    form = await checked_form(request)
    await run_in_threadpool(permit, request, actor, Action.SYSTEM_REGISTER)
    errors: dict[str, str] = {}
    system_id = _text(form, "id")
    if system_id == "new":  # /systems/new is this form, so no system may be called that
        errors["id"] = "'new' is reserved; pick another id"
    elif not SLUG_PATTERN.match(system_id):
        errors["id"] = (
            f"'{system_id}' is not a slug: 3-64 lower-case letters, digits and '-', "
            "starting and ending with a letter or digit (e.g. credit-scoring)"
        )
    data = _profile_fields(form, errors)
    shown = {**dict(form), **{n: data.get(n, []) for n in _LIST_FIELDS}}
    if errors:
        return _register_page(request, actor, shown, errors, 422)
    try:
        profile = SystemProfile.from_mapping(data)
        await run_in_threadpool(
            systems.register_system, context_of(request), actor, system_id, profile
        )
    except ConflictError as exc:
        return _register_page(request, actor, shown, {"id": str(exc)}, 422)
    except InvalidInput as exc:
        # The service's one field-level refusal is an owner who is not a workspace user.
        field = "owner" if str(exc).startswith("owner '") else "_form"
        return _register_page(request, actor, shown, {field: str(exc)}, 422)
    return RedirectResponse(f"/systems/{system_id}", status_code=303)


def _questionnaire_page(
    request: Request,
    actor: Actor,
    system_id: str,
    answers: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    system = systems.get_system(context_of(request), system_id)
    try:
        questions = applicable_questions(answers)
    except ClassificationInputError:  # a bad answer may hide which questions follow
        questions = applicable_questions({})
    return render(
        request,
        "classify.html",
        actor,
        status_code=status_code,
        system=system,
        questions=questions,
        answers=answers,
        errors=errors,
    )


@router.get("/systems/{system_id}/classify")
async def questionnaire(request: Request, system_id: str) -> Response:
    actor = await run_in_threadpool(page_actor, request)
    await run_in_threadpool(permit, request, actor, Action.SYSTEM_CLASSIFY, "system", system_id)

    def page() -> HTMLResponse:
        answers = classification.known_answers(context_of(request), system_id)
        return _questionnaire_page(request, actor, system_id, answers, {})

    return await run_in_threadpool(page)


def _answer(question: Question, form: FormData, errors: dict[str, str]) -> Any:
    """The form's value for one question in the questionnaire's own terms, or None if blank."""
    if question.type is QuestionType.MANY_OF:
        if question.options:
            picked = [v for v in form.getlist(question.id) if isinstance(v, str) and v]
        else:  # free items such as region codes: one text box, comma-separated
            picked = [v.strip() for v in _text(form, question.id).split(",") if v.strip()]
        return picked or None
    raw = _text(form, question.id)
    if not raw:
        return None
    if question.type is QuestionType.BOOL:
        if raw not in ("yes", "no"):
            errors[question.id] = "answer yes or no"
            return None
        return raw == "yes"
    if question.type is QuestionType.NUMBER:
        try:
            return float(raw) if "." in raw or "e" in raw.lower() else int(raw)
        except ValueError:
            errors[question.id] = f"'{raw}' is not a number"
            return None
    return raw


def _answers_from(form: FormData, errors: dict[str, str]) -> dict[str, Any]:
    # A question applies or not depending on earlier answers, so read in rounds until the
    # set of applicable questions stops growing (each round can only add questions).
    answers: dict[str, Any] = {}
    seen: set[str] = set()
    while True:
        try:
            questions = applicable_questions(answers)
        except ClassificationInputError:
            return answers  # the service reports the bad answer with its own words
        fresh = [q for q in questions if q.id not in seen]
        if not fresh:
            return answers
        for question in fresh:
            seen.add(question.id)
            value = _answer(question, form, errors)
            if value is not None:
                answers[question.id] = value


@router.post("/systems/{system_id}/classify")
async def classify(request: Request, system_id: str) -> Response:
    actor = await run_in_threadpool(page_actor, request)
    form = await checked_form(request)
    await run_in_threadpool(permit, request, actor, Action.SYSTEM_CLASSIFY, "system", system_id)
    errors: dict[str, str] = {}
    answers = _answers_from(form, errors)

    def run() -> HTMLResponse | str:
        if errors:
            return _questionnaire_page(request, actor, system_id, answers, errors, 422)
        try:
            outcome = classification.classify_system(
                context_of(request), actor, system_id, answers=answers
            )
        except (ClassificationInputError, InvalidInput) as exc:
            return _questionnaire_page(request, actor, system_id, answers, {"_form": str(exc)}, 422)
        if outcome.pending_request is not None:  # a downgrade: waits for a rai_lead
            return "/classifications"
        return f"/systems/{system_id}#classification"

    shown = await run_in_threadpool(run)
    if isinstance(shown, str):
        return RedirectResponse(shown, status_code=303)
    return shown
