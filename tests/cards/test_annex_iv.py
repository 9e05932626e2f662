"""Annex IV: all nine points, provenance on every filled field, every gap listed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from ombud.cards import (
    ANNEX_IV_FIELDS,
    CardError,
    EvidenceRecord,
    SystemRecord,
    annex_iv,
    render_markdown,
    required_fields,
)


def test_annex_iv_golden(record: SystemRecord, check_golden: Callable[[str, str], None]) -> None:
    check_golden("annex-iv.md", render_markdown(annex_iv(record)))


def test_nine_sections_cite_annex_iv_points_1_to_9(record: SystemRecord) -> None:
    document = annex_iv(record)
    assert [s.cite for s in document.sections] == [f"Annex IV point {i}" for i in range(1, 10)]


def test_every_filled_field_has_a_source_and_every_gap_is_listed(record: SystemRecord) -> None:
    document = annex_iv(record)
    for field in document.fields().values():
        assert field.source if field.filled else field.how_to_fill
    missing = set(document.completeness.missing)
    assert {"standards.applied", "declaration.conformity", "post_market.plan"} <= missing
    assert "performance.accuracy_by_group" not in missing


def test_supplement_fills_what_the_record_cannot_hold(record: SystemRecord) -> None:
    supplement = {"standards.applied": "ISO/IEC 42001:2023", "post_market.plan": "monthly"}
    document = annex_iv(record, supplement)
    fields = document.fields()
    assert fields["standards.applied"].value == "ISO/IEC 42001:2023"
    assert "supplement" in fields["standards.applied"].source
    before = annex_iv(record).completeness
    assert len(document.completeness.missing) == len(before.missing) - 2


def test_unknown_supplement_field_lists_the_known_ones(record: SystemRecord) -> None:
    with pytest.raises(CardError, match=r"unknown Annex IV field.*standards\.applied"):
        annex_iv(record, {"standard": "x"})
    assert len(ANNEX_IV_FIELDS) == len(set(ANNEX_IV_FIELDS))


def test_every_annex_iv_field_but_monitoring_records_is_required_at_every_tier() -> None:
    for tier in (1, 2, 3, 4):
        assert set(ANNEX_IV_FIELDS) - set(required_fields("annex_iv", tier)) == {
            "post_market.monitoring"
        }


def test_monitoring_runs_fill_the_monitoring_records(record: SystemRecord) -> None:
    """Annex IV point 9: a recorded `ombud monitor check` counts as a monitoring record."""
    run = EvidenceRecord(
        id=5,
        kind="monitoring_run",
        summary="monitor 'default': 516 windows, 3711 rows; no breach",
        engine="ombud.monitor",
        created_at="2027-02-01T00:00:00+00:00",
    )
    assert not annex_iv(record).fields()["post_market.monitoring"].filled
    monitored = replace(record, evidence=(*record.evidence, run))
    field = annex_iv(monitored).fields()["post_market.monitoring"]
    assert field.filled
    assert "#5: monitor 'default'" in str(field.value)
    assert "monitoring_run" in field.source
