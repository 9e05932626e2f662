"""Run an explanation from the system page: SHAP, or a group gap, of an uploaded model.

The form is the web's face of ``ombud explain shap|gap MODEL DATA --system S --version V``:
the same run services (:mod:`ombud.services.explain_runs`) check the actor's right to
record evidence on the system (403 here before a field is read, and again inside the
recording transaction), load the model without running code from it, run the engine and
record the ``explainability_report`` evidence in one transaction. Both uploads are written
under their own base names in a temporary folder, so the engine recognises them exactly
as the CLI does. The web never trusts a pickle: a model must be a skops archive or an
XGBoost/LightGBM file in that library's own format (``--trust-model`` is the CLI's, where
the pinned digest is checked on a file the operator placed).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PurePath
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ombud.explain import ExplainInputError
from ombud.fairness import AuditInputError
from ombud.governance import Action, InvalidInput
from ombud.services.context import Actor
from ombud.services.evidence import Evidence
from ombud.services.explain_runs import (
    GapRequest,
    ModelSource,
    ShapRequest,
    explain_gap_run,
    explain_shap_run,
)
from ombud.services.runs import RecordTarget
from ombud.web import _system_view
from ombud.web._render import render
from ombud.web._security import checked_form, page_actor, permit
from ombud.web._state import context_of
from ombud.web.pages_runs import AUDIT_SUFFIXES

__all__ = ["MODEL_SUFFIXES", "router"]

router = APIRouter(include_in_schema=False)

#: Model files the web accepts: skops archives and the boosters' own formats (no pickle).
MODEL_SUFFIXES = (".skops", ".json", ".ubj", ".txt")
#: Rows a web user may have explained: SHAP's cost grows with rows x background rows,
#: bounded so one form cannot occupy a worker for long (the CLI has no such bound).
MAX_WEB_ROWS = 2000


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _upload(form: FormData, name: str, suffixes: tuple[str, ...], what: str) -> str | None:
    """The error for upload ``name``, or None when it is a file of an accepted type."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return f"choose the {what}"
    if PurePath(upload.filename).suffix.lower() not in suffixes:
        return f"the {what} must be {' or '.join(suffixes)}"
    return None


def _fields(form: FormData, errors: dict[str, str]) -> dict[str, Any]:
    """The form's fields, checked; a field that cannot be used gets its error."""
    for name, suffixes, what in (
        ("model", MODEL_SUFFIXES, "model file"),
        ("data", AUDIT_SUFFIXES, "CSV or Parquet file of rows to explain"),
    ):
        problem = _upload(form, name, suffixes, what)
        if problem:
            errors[name] = problem
    if not _text(form, "version"):
        errors["version"] = "give the version explained"
    max_rows = 500
    try:
        max_rows = int(_text(form, "max_rows") or "500")
        if not 1 <= max_rows <= MAX_WEB_ROWS:
            raise ValueError
    except ValueError:
        errors["max_rows"] = f"a whole number from 1 to {MAX_WEB_ROWS}"
    split = [s.strip() for s in _text(form, "trusted_types").split(",")]
    return {
        "sensitive": _text(form, "sensitive") or None,
        "max_rows": max_rows,
        "trusted": tuple(s for s in split if s),
        "ignore": tuple(s.strip() for s in _text(form, "ignore").split(",") if s.strip()),
    }


def _save(upload: UploadFile, folder: str) -> Path:
    path = Path(folder) / PurePath(upload.filename or "upload").name
    upload.file.seek(0)
    with path.open("wb") as target:
        shutil.copyfileobj(upload.file, target)
    return path


def _run(request: Request, actor: Actor, system_id: str, form: FormData) -> Evidence:
    fields = _fields(form, {})
    model_upload, data_upload = form.get("model"), form.get("data")
    assert isinstance(model_upload, UploadFile)
    assert isinstance(data_upload, UploadFile)
    with tempfile.TemporaryDirectory(prefix="ombud-explain-") as folder:
        # Separate folders: a model and a data file may share a base name.
        model_path = _save(model_upload, tempfile.mkdtemp(dir=folder))
        data_path = _save(data_upload, tempfile.mkdtemp(dir=folder))
        source = ModelSource(model_path, trusted_types=fields["trusted"])
        where = RecordTarget(context_of(request), actor, system_id, _text(form, "version"))
        if fields["sensitive"] is None:
            shap = ShapRequest(
                source, data_path, max_rows=fields["max_rows"], ignore=fields["ignore"]
            )
            evidence = explain_shap_run(shap, where).evidence
        else:
            gap = GapRequest(
                source,
                data_path,
                sensitive=fields["sensitive"],
                max_rows=fields["max_rows"],
                ignore=fields["ignore"],
            )
            evidence = explain_gap_run(gap, where).evidence
    assert evidence is not None  # a run with a target is recorded or raises
    return evidence


@router.post("/systems/{system_id}/explanations")
async def run_explanation(request: Request, system_id: str) -> Response:
    actor = await run_in_threadpool(page_actor, request)
    form = await checked_form(request)
    try:
        await run_in_threadpool(permit, request, actor, Action.EVIDENCE_RECORD, "system", system_id)
        errors: dict[str, str] = {}
        _fields(form, errors)

        def redisplay(found: dict[str, str]) -> HTMLResponse:
            values = _system_view.system_page(context_of(request), system_id, actor=actor)
            kept = {k: v for k, v in form.items() if isinstance(v, str)}
            values.update(errors=found, values=kept, form="explain")
            return render(request, "system.html", actor, status_code=422, **values)

        if errors:
            return await run_in_threadpool(redisplay, errors)
        try:
            evidence = await run_in_threadpool(_run, request, actor, system_id, form)
        except (InvalidInput, ExplainInputError, AuditInputError) as exc:
            return await run_in_threadpool(redisplay, {"_explain": str(exc)})
        return RedirectResponse(f"/systems/{system_id}#evidence-{evidence.id}", status_code=303)
    finally:
        await form.close()  # removes the spooled uploads, whatever happened
