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


def test_every_name_a_document_records_is_accepted_by_policy_validation(
    record: SystemRecord,
) -> None:
    """Contract with the policy registry: what the cards record, a policy may name."""
    from ombud.cards import annex_iv, system_card
    from ombud.governance.policy import default_registry

    registry = default_registry()
    for make in (model_card, system_card, annex_iv):
        document = make(record)
        draft = evidence_draft(document, render(document, "md"), "md")
        assert draft.kind in registry.by_kind
        assert [n for n in draft.metrics if not registry.can_match(n, "metric", draft.kind)] == []
