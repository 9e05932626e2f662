"""The system card of an LLM application: red-team results by category, failure modes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ombud.cards import SystemRecord, render_markdown, system_card


def test_system_card_golden(record: SystemRecord, check_golden: Callable[[str, str], None]) -> None:
    check_golden("system-card.md", render_markdown(system_card(record)))


def test_a_category_whose_upper_bound_reaches_5_percent_is_a_known_failure_mode(
    record: SystemRecord,
) -> None:
    modes = system_card(record).fields()["failure_modes.known"].value
    assert isinstance(modes, list)
    assert modes[0] == "prompt_injection: attack success rate 0.100 [0.030, 0.300]"
    assert "fairness.sex.four_fifths: fail" in modes


def test_without_tests_failure_modes_are_missing_not_none(record: SystemRecord) -> None:
    bare = replace(record, evidence=(), fairness=(), findings=())
    field = system_card(bare).fields()["failure_modes.known"]
    assert not field.filled
    assert "red team" in field.how_to_fill
