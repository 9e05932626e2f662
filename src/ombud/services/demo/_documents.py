"""Demo step 5: documents generated from the record, never hand-copied.

Model cards and EU AI Act Annex IV drafts for the high-risk systems, a system card for
the LLM assistant; each is written to the workspace's ``documents/`` folder as HTML and
recorded as documentation evidence with its completeness score.
"""

from __future__ import annotations

from collections.abc import Callable

from ombud.cards import render
from ombud.services import cards
from ombud.services.context import AppContext
from ombud.services.demo._portfolio import DemoReport

__all__ = ["write_documents"]

# (system, documents) in the order that fills Annex IV point 1 from the model card.
DOCUMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("recidivism-risk", ("model", "annex-iv")),
    ("mortgage-underwriting", ("model", "annex-iv")),
    ("resume-screening", ("model",)),
    ("benefit-eligibility", ("model", "annex-iv")),
    ("support-assistant", ("system",)),
)


def write_documents(
    context: AppContext, report: DemoReport, progress: Callable[[str], None]
) -> None:
    folder = context.workspace.root / "documents"
    folder.mkdir(exist_ok=True)
    lena = context.actor("lena")
    for system_id, kinds in DOCUMENTS:
        for kind in kinds:
            progress(f"writing the {kind} document of {system_id}")
            document = cards.generate(context, kind, system_id)
            evidence = cards.record_document(context, lena, document, "md")
            path = folder / f"{system_id}.{kind}.html"
            path.write_bytes(render(document, "html"))
            report.documents.append(
                {
                    "system_id": system_id,
                    "document": kind,
                    "path": str(path),
                    "evidence_id": evidence["id"],
                    "completeness": document.completeness.score,
                    "missing": list(document.completeness.missing),
                }
            )
