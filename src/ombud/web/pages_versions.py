"""Adding a version from the web: a label, and the model and training data pinned by sha256.

A system registered on the web had no version and the web could not add one, so its
page offered a gate that could only answer 422. This form calls the same service as
`ombud system version add`. The web only takes digests (it never sees the files): each
must be 64 hexadecimal digits, as `sha256sum FILE` prints them; a field that fails is
shown back beside itself with 422 and nothing saved, and a refused role gets 403 before
any field is read.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ombud.governance import Action, ConflictError, InvalidInput, VersionSpec
from ombud.services import systems
from ombud.services.context import Actor
from ombud.web import _system_view
from ombud.web._render import render
from ombud.web._security import checked_form, page_actor, permit
from ombud.web._state import context_of

__all__ = ["LABEL_MAX", "router"]

router = APIRouter(include_in_schema=False)

LABEL_MAX = systems.VERSION_LABEL_MAX
_HEX = re.compile(r"[0-9a-f]{64}")
_ARTIFACTS = (("model", "model", "the model"), ("data", "training data", "the training data"))


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _label(form: FormData, errors: dict[str, str]) -> str:
    label = _text(form, "label")
    if not label:
        errors["label"] = "give the version a label, e.g. 1.0.0"
    elif len(label) > LABEL_MAX:
        errors["label"] = f"a label has at most {LABEL_MAX} characters; this one has {len(label)}"
    elif any(not ch.isprintable() for ch in label):
        errors["label"] = "a label is one line of printable characters, e.g. 1.0.0"
    return label


def _digest(raw: str) -> str:
    """A sha256 as people paste it: a `sha256:` prefix and upper case are accepted."""
    return raw.lower().removeprefix("sha256:").strip()


def _specs(form: FormData, errors: dict[str, str]) -> dict[str, tuple[VersionSpec, ...]]:
    specs: dict[str, tuple[VersionSpec, ...]] = {}
    for prefix, default_name, what in _ARTIFACTS:
        name = _text(form, f"{prefix}_name") or default_name
        raw = _text(form, f"{prefix}_sha256")
        if not raw:
            specs[prefix] = ()
            continue
        digest = _digest(raw)
        if not _HEX.fullmatch(digest):
            got = (
                f"got {len(digest)} characters"
                if len(digest) != 64
                else "got a character other than 0-9 and a-f"
            )
            errors[f"{prefix}_sha256"] = (
                f"the sha256 of {what} must be 64 hexadecimal digits, as `sha256sum FILE` "
                f"prints it; {got}"
            )
            continue
        specs[prefix] = (VersionSpec(name=name, uri=_text(form, f"{prefix}_uri"), sha256=digest),)
    return specs


def _redisplay(
    request: Request, actor: Actor, system_id: str, form: FormData, errors: dict[str, str]
) -> HTMLResponse:
    values = _system_view.system_page(context_of(request), system_id, actor=actor)
    values.update(errors=errors, values=dict(form), form="version")
    return render(request, "system.html", actor, status_code=422, **values)


@router.post("/systems/{system_id}/versions")
async def add_version(request: Request, system_id: str) -> Response:
    actor = await run_in_threadpool(page_actor, request)
    form = await checked_form(request)
    await run_in_threadpool(permit, request, actor, Action.SYSTEM_VERSION_ADD, "system", system_id)
    errors: dict[str, str] = {}
    label = _label(form, errors)
    specs = _specs(form, errors)

    def run() -> HTMLResponse | None:
        if errors:
            return _redisplay(request, actor, system_id, form, errors)
        try:
            systems.add_version(
                context_of(request),
                actor,
                system_id,
                label,
                models=specs["model"],
                training_data=specs["data"],
                notes=_text(form, "notes"),
            )
        except ConflictError as exc:  # the label is taken: versions are immutable
            return _redisplay(request, actor, system_id, form, {"label": str(exc)})
        except InvalidInput as exc:
            return _redisplay(request, actor, system_id, form, {"_version": str(exc)})
        return None

    shown = await run_in_threadpool(run)
    return shown or RedirectResponse(f"/systems/{system_id}#gate", status_code=303)
