"""A document as documentation evidence: kind, completeness metric, the file as artifact."""

from __future__ import annotations

from ombud.cards import SystemRecord, evidence_draft, model_card, render


def test_evidence_carries_the_score_and_the_generated_file(record: SystemRecord) -> None:
    document = model_card(record)
    content = render(document, "md")
    draft = evidence_draft(document, content, "md")
    assert draft.kind == "model_card"
    assert draft.metrics["docs.model_card.completeness"] == document.completeness.score
    assert draft.metrics["docs.model_card.missing_fields"] == len(document.completeness.missing)
    (artifact,) = draft.artifacts
    assert (artifact.name, artifact.media_type, artifact.content) == (
        "model-card.md",
        "text/markdown",
        content,
    )
