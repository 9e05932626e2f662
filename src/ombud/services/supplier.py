"""Recording evidence made outside Ombud: supplier questionnaires and attached files.

Both end as ordinary Evidence through ``record_evidence``, so a gate reads a supplier's
answers or a signed third-party audit report the same way it reads a fairness audit.
"""

from __future__ import annotations

import json
import mimetypes
from importlib import resources
from pathlib import Path

from sqlalchemy import select

from ombud.governance import InvalidInput, NotFoundError
from ombud.governance.supplier import (
    Questionnaire,
    SupplierAnswers,
    SupplierAssessment,
    assess_supplier,
    check_attachable_kind,
    parse_questionnaire,
)
from ombud.records import ArtifactDraft, EvidenceDraft, Verdict, sha256_bytes
from ombud.services.context import Actor, AppContext
from ombud.services.evidence import Evidence, evidence_of, record_evidence
from ombud.store.models import EvidenceRow, SystemVersionRow
from ombud.yamlsource import load_yaml_file, parse_yaml

__all__ = [
    "assess_and_record",
    "attach_evidence",
    "default_questionnaire",
    "get_evidence",
    "load_questionnaire",
]

QUESTIONNAIRE_FILE = "supplier-questionnaire.yaml"


def default_questionnaire() -> Questionnaire:
    """The questionnaire shipped with Ombud (governance/data/supplier-questionnaire.yaml)."""
    text = (resources.files("ombud.governance") / "data" / QUESTIONNAIRE_FILE).read_text(
        encoding="utf-8"
    )
    return parse_questionnaire(parse_yaml(text, QUESTIONNAIRE_FILE))


def load_questionnaire(path: Path | None) -> Questionnaire:
    """A questionnaire of your own (same format), or the default one."""
    return parse_questionnaire(load_yaml_file(path)) if path else default_questionnaire()


def assess_and_record(
    context: AppContext,
    actor: Actor,
    system_id: str,
    version_label: str,
    answers: SupplierAnswers,
    questionnaire: Questionnaire,
    *,
    valid_for_days: int = 365,
) -> tuple[SupplierAssessment, Evidence]:
    """Score the answers and record them as ``supplier_questionnaire`` evidence."""
    assessment = assess_supplier(questionnaire, answers)
    record = {
        "questionnaire": questionnaire.name,
        "questionnaire_version": questionnaire.version,
        "supplier": answers.supplier,
        "product": answers.product,
        "answered_by": answers.answered_by,
        "answers": dict(answers.answers),
        "comments": dict(answers.comments),
    }
    content = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False).encode()
    draft = EvidenceDraft(
        kind="supplier_questionnaire",
        summary=assessment.summary,
        engine="ombud.supplier",
        engine_version="",
        metrics=assessment.metrics,
        verdicts=assessment.verdicts,
        parameters={
            "questionnaire": questionnaire.name,
            "questionnaire_version": questionnaire.version,
            "supplier": answers.supplier,
            "product": answers.product,
            "pass_score": questionnaire.pass_score,
        },
        artifacts=(ArtifactDraft("supplier-answers.json", "application/json", content),),
    )
    evidence = record_evidence(
        context, actor, system_id, version_label, draft, valid_for_days=valid_for_days
    )
    return assessment, evidence


def attach_evidence(
    context: AppContext,
    actor: Actor,
    system_id: str,
    version_label: str,
    *,
    kind: str,
    file: Path,
    summary: str = "",
    metrics: dict[str, float] | None = None,
    verdicts: dict[str, Verdict] | None = None,
    valid_for_days: int | None = 365,
) -> Evidence:
    """Store a file made elsewhere (a signed audit report, an attestation) as evidence."""
    check_attachable_kind(kind)
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(
            f"{file}: cannot read the file ({exc.strerror or exc}); check the path"
        ) from None
    if not content:
        raise InvalidInput(f"{file}: the file is empty; attach the actual document")
    media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    draft = EvidenceDraft(
        kind=kind,
        summary=summary or f"{kind} attached from {file.name}",
        engine="ombud.attach",
        engine_version="",
        metrics=metrics or {},
        verdicts=verdicts or {},
        parameters={"file_name": file.name, "sha256": sha256_bytes(content)},
        artifacts=(ArtifactDraft(file.name, media_type, content),),
    )
    return record_evidence(
        context, actor, system_id, version_label, draft, valid_for_days=valid_for_days
    )


def get_evidence(context: AppContext, evidence_id: int) -> Evidence:
    with context.read() as session:
        found = session.execute(
            select(EvidenceRow, SystemVersionRow.label)
            .join(SystemVersionRow, EvidenceRow.version_id == SystemVersionRow.id)
            .where(EvidenceRow.id == evidence_id)
        ).first()
        if found is None:
            raise NotFoundError(f"no evidence {evidence_id}; see `ombud evidence list SYSTEM`")
        row, label = found
        return evidence_of(row, label)
