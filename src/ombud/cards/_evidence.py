"""A generated document as documentation Evidence, so a gate can require "card complete".

The default policy asks for documents of kind ``model_card``, ``datasheet`` and
``annex_iv``; recording a generated document under its own kind meets that requirement,
with the completeness score as a metric a policy rule can read
(``docs.model_card.completeness >= 0.9``) and the file itself as the artifact.
"""

from __future__ import annotations

from ombud import __version__
from ombud.cards._document import DOCUMENT_KINDS, Document
from ombud.records import ArtifactDraft, EvidenceDraft, EvidenceNames

__all__ = ["MEDIA_TYPES", "evidence_draft", "evidence_names"]

MEDIA_TYPES = {
    "md": "text/markdown",
    "html": "text/html",
    "json": "application/json",
    "pdf": "application/pdf",
}


_MEASURES = ("completeness", "required_fields", "missing_fields")


def evidence_names() -> tuple[EvidenceNames, ...]:
    """The metric names :func:`evidence_draft` records, one entry per document kind."""
    return tuple(
        EvidenceNames(kind, tuple(f"docs.{kind}.{m}" for m in _MEASURES)) for kind in DOCUMENT_KINDS
    )


def evidence_draft(document: Document, content: bytes, fmt: str) -> EvidenceDraft:
    score = document.completeness.score
    missing = document.completeness.missing
    base = f"docs.{document.kind}"
    return EvidenceDraft(
        kind=document.kind,
        summary=f"{document.title}: {score:.0%} complete"
        + (
            f"; missing {', '.join(missing[:5])}" + (" ..." if len(missing) > 5 else "")
            if missing
            else ""
        ),
        engine="ombud.cards",
        engine_version=__version__,
        metrics=dict(
            zip(
                (f"{base}.{m}" for m in _MEASURES),
                (score, float(len(document.completeness.required)), float(len(missing))),
                strict=True,
            )
        ),
        parameters={
            "tier": document.completeness.tier,
            "missing": list(missing),
            "format": fmt,
            "subject": dict(document.subject),
        },
        artifacts=[
            ArtifactDraft(f"{document.kind.replace('_', '-')}.{fmt}", MEDIA_TYPES[fmt], content)
        ],
    )
