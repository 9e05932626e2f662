"""Run an engine from the system page: a fairness audit of an uploaded decisions file.

The form is the web's face of ``ombud audit fairness --system S --version V``: the same
run service checks the actor's right to record evidence on the system (403 here before a
field is read, and again inside the recording transaction), runs the engine and records
the evidence in one transaction. The upload is written under its own base name in a
temporary folder, so the engine reads it by extension exactly as the CLI reads a file;
the body limit has already refused a file that is too large (413). Files larger than
the limit belong to the CLI, which streams them through DuckDB.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path, PurePath

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ombud.fairness import AuditInputError
from ombud.governance import Action, InvalidInput
from ombud.services.context import Actor
from ombud.services.evidence import Evidence
from ombud.services.fairness_runs import FairnessAuditRequest, audit_fairness, label_value
from ombud.services.runs import RecordTarget
from ombud.web import _system_view
from ombud.web._render import render
from ombud.web._security import checked_form, page_actor, permit
from ombud.web._state import context_of

__all__ = ["AUDIT_SUFFIXES", "router"]

router = APIRouter(include_in_schema=False)

#: The file types the engine reads by extension.
AUDIT_SUFFIXES = (".csv", ".parquet")
#: Bootstrap replicates a web user may ask for: enough for stable intervals, bounded so
#: one form cannot occupy a worker for long.
MAX_WEB_BOOT = 2000


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _fields(form: FormData, errors: dict[str, str]) -> FairnessAuditRequest:
    """The form's fields as an audit request (its data set once the upload is saved); a
    field that cannot be used gets its error in ``errors``."""
    upload = form.get("data")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["data"] = "choose the CSV or Parquet file of decisions to audit"
    elif PurePath(upload.filename).suffix.lower() not in AUDIT_SUFFIXES:
        errors["data"] = "the file must be .csv or .parquet"
    for name, what in (("version", "the version audited"), ("label", "the outcome column")):
        if not _text(form, name):
            errors[name] = f"give {what}"
    sensitive = [s.strip() for s in _text(form, "sensitive").split(",") if s.strip()]
    if not sensitive:
        errors["sensitive"] = "give the sensitive column(s), comma-separated"
    prediction, score = _text(form, "prediction") or None, _text(form, "score") or None
    if (prediction is None) == (score is None):
        errors["prediction"] = "give the decision column or the score column, not both"
    threshold = None
    if score is not None:
        try:
            threshold = float(_text(form, "threshold"))
        except ValueError:
            errors["threshold"] = "a score needs its threshold, a number such as 0.5"
    n_boot = 1000
    try:
        n_boot = int(_text(form, "n_boot") or "1000")
        if not 0 <= n_boot <= MAX_WEB_BOOT:
            raise ValueError
    except ValueError:
        errors["n_boot"] = f"a whole number from 0 to {MAX_WEB_BOOT}"
    return FairnessAuditRequest(
        data=Path(),
        label=_text(form, "label"),
        sensitive=tuple(sensitive),
        prediction=prediction,
        score=score,
        threshold=threshold,
        pos_label=label_value(_text(form, "pos_label")),
        n_boot=n_boot,
    )


def _run(request: Request, actor: Actor, system_id: str, form: FormData) -> Evidence:
    upload = form.get("data")
    assert isinstance(upload, UploadFile)
    fields = _fields(form, {})
    name = PurePath(upload.filename or "").name
    with tempfile.TemporaryDirectory(prefix="ombud-audit-") as folder:
        path = Path(folder) / name
        upload.file.seek(0)
        with path.open("wb") as target:
            shutil.copyfileobj(upload.file, target)
        audit_request = replace(fields, data=path)
        where = RecordTarget(context_of(request), actor, system_id, _text(form, "version"))
        evidence = audit_fairness(audit_request, where).evidence
    assert evidence is not None  # a run with a target is recorded or raises
    return evidence


@router.post("/systems/{system_id}/audits/fairness")
async def run_fairness_audit(request: Request, system_id: str) -> Response:
    actor = await run_in_threadpool(page_actor, request)
    form = await checked_form(request)
    try:
        await run_in_threadpool(permit, request, actor, Action.EVIDENCE_RECORD, "system", system_id)
        errors: dict[str, str] = {}
        _fields(form, errors)

        def redisplay(found: dict[str, str]) -> HTMLResponse:
            values = _system_view.system_page(context_of(request), system_id, actor=actor)
            kept = {k: v for k, v in form.items() if isinstance(v, str)}
            values.update(errors=found, values=kept, form="audit")
            return render(request, "system.html", actor, status_code=422, **values)

        if errors:
            return await run_in_threadpool(redisplay, errors)
        try:
            evidence = await run_in_threadpool(_run, request, actor, system_id, form)
        except (InvalidInput, AuditInputError) as exc:
            return await run_in_threadpool(redisplay, {"_audit": str(exc)})
        return RedirectResponse(f"/systems/{system_id}#evidence-{evidence.id}", status_code=303)
    finally:
        await form.close()  # removes the spooled upload, whatever happened
