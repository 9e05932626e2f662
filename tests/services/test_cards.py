"""Documents from a real workspace, on SQLite and PostgreSQL; recorded documents meet the gate."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ombud.cards import render_markdown, validate_cyclonedx, validate_document
from ombud.fairness import audit
from ombud.governance import InvalidInput
from ombud.services import cards, evidence, gates
from ombud.services.context import AppContext

from ._systems import HIRING_ANSWERS, register_classified, screening_profile

GOLDEN = Path(__file__).parents[1] / "cards" / "golden"


def _masked(text: str) -> str:
    """The same card from SQLite and PostgreSQL, byte for byte once times and hashes are
    masked (compared with tests/cards/golden/ by the `golden` fixture of tests/conftest.py)."""
    text = re.sub(r"\d{4}-\d\d-\d\dT[0-9:.]+(\+00:00)?", "<time>", text)
    return re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", text)


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    group = rng.choice(["a", "b"], size=400)
    return pd.DataFrame(
        {
            "team": group,
            "label": (rng.random(400) < 0.5).astype(int),
            "pred": (rng.random(400) < np.where(group == "a", 0.5, 0.35)).astype(int),
        }
    )


@pytest.fixture
def screening(context: AppContext) -> AppContext:
    profile = screening_profile(
        "ada", name="CV screening", out_of_scope_uses=["final hiring decisions"]
    )
    register_classified(context, "ada", "screening", profile, HIRING_ANSWERS)
    return context


def test_model_card_reads_per_group_intervals_from_the_stored_audit(
    screening: AppContext, golden: Callable[[Mapping[Path, str]], None]
) -> None:
    """Oracle: pandas groupby selection rates on the audited frame."""
    frame = _frame()
    result = audit(frame, label="label", prediction="pred", sensitive="team", n_boot=100)
    evidence.record_evidence(
        screening, screening.actor("ada"), "screening", "1.0", result.to_evidence(report=False)
    )
    document = cards.generate(screening, "model", "screening")
    validate_document(document.to_dict())
    section = next(s for s in document.sections if s.id == "quantitative_analyses")
    rows = {row[0]: row for row in section.tables[0].rows}
    expected = frame.groupby("team")["pred"].mean()
    for group in ("a", "b"):
        estimate = float(re.match(r"[0-9.]+", rows[group][2]).group())  # type: ignore[union-attr]
        assert estimate == pytest.approx(expected[group], abs=5e-4)
    assert document.completeness.tier == 2
    golden({GOLDEN / "workspace-model-card.md": _masked(render_markdown(document))})


def test_a_recorded_card_meets_the_gate_document_requirement(screening: AppContext) -> None:
    ada = screening.actor("ada")

    def model_card_check() -> str:
        result = gates.check_gate(screening, ada, "screening")
        (check,) = [c for c in result.checks if c.category == "document" and "model_card" in c.id]
        return check.outcome

    assert model_card_check() == "insufficient"
    document = cards.generate(screening, "model", "screening")
    item = cards.record_document(screening, ada, document, "md")
    assert item.kind == "model_card"
    assert item.metrics["docs.model_card.completeness"] == pytest.approx(
        document.completeness.score
    )
    assert item.artifacts[0]["name"] == "model-card.md"
    stored = screening.artifacts.get(item.artifacts[0]["sha256"]).decode()
    assert stored.startswith("---\n")
    assert model_card_check() == "pass"
    again = cards.generate(screening, "model", "screening")
    assert again.fields()["governance.gate"].filled


def test_unknown_version_and_document_are_clear_errors(screening: AppContext) -> None:
    with pytest.raises(InvalidInput, match=r"no version '9\.9'; versions: 1\.0"):
        cards.system_record(screening, "screening", "9.9")
    with pytest.raises(InvalidInput, match="known: model, system, annex-iv"):
        cards.generate(screening, "poster", "screening")


def test_inventory_bom_is_valid_cyclonedx(screening: AppContext, tmp_path: Path) -> None:
    text = cards.inventory_bom(screening)
    validate_cyclonedx(text)
    assert [c["name"] for c in json.loads(text)["components"]] == ["screening"]


def test_datasheet_and_annex_iv_are_recorded_under_their_document_kinds(
    screening: AppContext, tmp_path: Path
) -> None:
    ada = screening.actor("ada")
    sheet = tmp_path / "datasheet.yaml"
    sheet.write_text("dataset: cv-2026\nmotivation:\n  purpose: screening\n", encoding="utf-8")
    data = tmp_path / "cv.csv"
    _frame().to_csv(data, index=False)
    document = cards.datasheet_document(
        screening, "screening", sheet, data=data, groups=["team"], label="label"
    )
    assert document.metadata["rows"] == 400
    assert cards.record_document(screening, ada, document, "json").kind == "datasheet"
    supplement = tmp_path / "annex.yaml"
    supplement.write_text("standards.applied: ISO/IEC 42001:2023\n", encoding="utf-8")
    annex = cards.annex_iv_document(screening, "screening", supplement=supplement)
    assert annex.fields()["standards.applied"].value == "ISO/IEC 42001:2023"
    training = annex.fields()["development.training_data"].value
    assert isinstance(training, list)
    assert training[-1].startswith(
        f"datasheet: evidence #1: Datasheet: cv-2026: {document.completeness.score:.0%} complete"
    )
    item = cards.record_document(screening, ada, annex, "html")
    assert (item.kind, item.artifacts[0]["name"]) == ("annex_iv", "annex-iv.html")
    kinds = [e.kind for e in evidence.list_evidence(screening, "screening")]
    assert kinds == ["datasheet", "annex_iv"]
