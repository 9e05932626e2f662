"""The system page tells one story (issue #19): the decision state on top, a gate run that
predates evidence marked stale, coverage and gate that agree, covered rows missing nothing.

Oracles: the services themselves on the same workspace — ``check_gate`` (what a re-run
records), ``system_coverage`` (each row's status and missing kinds), ``get_system`` and
``list_reviews`` (the header's facts).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from ombud.services import gates, reviews, systems
from ombud.services.context import AppContext
from ombud.services.coverage import system_coverage
from ombud.services.evidence import EvidenceIndex
from ombud.services.supplier import attach_evidence
from ombud.web._system_view import gate_staleness

from ._seed import Seeded

Login = Callable[[str], tuple[TestClient, str]]
_ROW = re.compile(r'<tr class="coverage-(\w+)" id="cov-([^"]+)">(.*?)</tr>', re.S)
_CELLS = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def _decision(page: str) -> str:
    match = re.search(r'<dl class="decision" id="decision">(.*?)</dl>', page, re.S)
    assert match, "the page opens with the decision state"
    return match.group(1)


def _attach(context: AppContext, seeded: Seeded, folder: Path, kind: str) -> int:
    note = folder / f"{kind}.md"
    note.write_text(f"# {kind}\n", encoding="utf-8")
    record = attach_evidence(
        context, context.actor("omar"), seeded.blocked_system, "1.0.0", kind=kind, file=note
    )
    return record.id


def test_the_header_states_status_tier_gate_and_review(
    as_user: Login, seeded: Seeded, context: AppContext
) -> None:
    client, _ = as_user("audrey")
    system = systems.get_system(context, seeded.blocked_system)
    head = _decision(client.get(f"/systems/{seeded.blocked_system}").text)
    assert f"badge-{system.status.replace(' ', '-')}" in head
    tier = system.classification
    assert tier is not None
    assert f"tier {tier.tier} ({tier.tier_label})" in head
    latest = gates.latest_gate_evaluation(context, seeded.blocked_system)
    assert latest is not None  # opening the review ran the gate
    assert f'<a href="#gate"><span class="badge badge-{latest.outcome}">' in head
    (review,) = reviews.list_reviews(context, system_id=seeded.blocked_system)
    assert f'href="/reviews/{review.id}"' in head
    assert f"badge-{review.status}" in head
    # The other system: never gated, never reviewed.
    other = _decision(client.get(f"/systems/{seeded.other_system}").text)
    assert "not run" in other
    assert re.search(r"Latest review</dt><dd><span class=\"muted\">none", other)


def test_a_run_older_than_evidence_is_marked_stale_until_re_run(
    as_user: Login, seeded: Seeded, context: AppContext, tmp_path: Path
) -> None:
    lena = context.actor("lena")
    gates.check_gate(context, lena, seeded.blocked_system)
    lead, _ = as_user("lena")
    auditor, _ = as_user("audrey")
    fresh = lead.get(f"/systems/{seeded.blocked_system}").text
    assert 'id="gate-stale"' not in fresh
    assert "Run the gate now" in fresh

    annex = _attach(context, seeded, tmp_path, "annex_iv")
    card = _attach(context, seeded, tmp_path, "model_card")
    page = lead.get(f"/systems/{seeded.blocked_system}").text
    stale = re.search(r'<div class="notice notice-stale" id="gate-stale">(.*?)</div>', page, re.S)
    assert stale, "evidence recorded after the run marks it stale"
    assert "Stale: evidence recorded after this run." in stale.group(1)
    assert f'href="#evidence-{annex}"' in stale.group(1)
    assert f'href="#evidence-{card}"' in stale.group(1)
    assert "Re-run the gate now" in page
    assert "stale" in _decision(page)
    # The rule that read the model card says a newer one exists, linked.
    card_rule = re.search(r'id="rule-document:model_card">(.*?)</tr>', page, re.S)
    assert card_rule
    assert f'recorded since: <a href="#evidence-{card}">' in card_rule.group(1)
    would = re.search(r"the gate would answer <span class=\"badge badge-(\w+)\"", stale.group(1))
    assert would, "the stale notice says what a run now would answer"
    # The auditor reads the same warning but is offered no button.
    seen = auditor.get(f"/systems/{seeded.blocked_system}").text
    assert 'id="gate-stale"' in seen
    assert "Re-run the gate now" not in seen
    assert "Run the gate now" not in seen
    # Oracle: the run the button records answers what the page said it would.
    rerun = gates.check_gate(context, lena, seeded.blocked_system)
    assert rerun.outcome == would.group(1)
    after = lead.get(f"/systems/{seeded.blocked_system}").text
    assert 'id="gate-stale"' not in after
    assert f"#{rerun.evaluation_id}" in after


def test_coverage_and_gate_read_the_same_evidence(
    as_user: Login, seeded: Seeded, context: AppContext, tmp_path: Path
) -> None:
    """The coverage block names its time and what a gate run now would answer; that
    answer is what a run records, and each row is the coverage service's."""
    client, _ = as_user("lena")
    _attach(context, seeded, tmp_path, "annex_iv")
    page = client.get(f"/systems/{seeded.blocked_system}").text
    as_of = re.search(r'<p class="as-of" id="coverage-as-of">(.*?)</p>', page, re.S)
    assert as_of
    assert re.search(r"Computed now \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)", as_of.group(1))
    report = system_coverage(context, seeded.blocked_system, "eu-ai-act")
    assert f"from the {report.extra['evidence_count']} evidence records" in as_of.group(1)
    would = re.search(r'it would answer <span class="badge badge-(\w+)"', as_of.group(1))
    assert would
    recorded = gates.check_gate(context, context.actor("lena"), seeded.blocked_system)
    assert would.group(1) == recorded.outcome == report.extra["gate_outcome"]
    shown = {item: status for status, item, _ in _ROW.findall(page)}
    assert shown == {c.item.id: c.status for c in report.controls}


def test_a_covered_row_lists_nothing_missing(as_user: Login, seeded: Seeded) -> None:
    """Issue #19: art_13 is covered by the model card, yet its Missing column listed the
    explainability report that the crosswalk also links to it."""
    client, _ = as_user("lena")
    page = client.get(f"/systems/{seeded.blocked_system}").text
    rows = {item: (status, body) for status, item, body in _ROW.findall(page)}
    status, body = rows["art_13"]
    assert status == "covered"
    assert "explainability" not in _CELLS.findall(body)[3]
    for item, (status, body) in rows.items():
        missing = html.unescape(_CELLS.findall(body)[3])
        if status == "covered":
            assert "—" in missing, f"{item} is covered yet lists {missing!r} as missing"


def test_staleness_counts_only_the_runs_version_and_names_newer_versions() -> None:
    ran = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    gate = gates.GateEvaluation(
        evaluation_id=1,
        evaluated_by="lena",
        outcome="pass",
        system_id="s",
        version="1.0",
        tier=3,
        policy=gates.GatePolicy("p", "1", "0" * 64),
        evaluated_at=ran,
        checks=(),
        to_pass=(),
        waived=(),
        requirements=None,
        obligations_in_force=(),
        upcoming_obligations=(),
    )

    def record(id_: int, version: str, minutes: int) -> EvidenceIndex:
        when = (ran + dt.timedelta(minutes=minutes)).isoformat()
        return EvidenceIndex(id_, "model_card", version, "", "ombud.attach", "0", when)

    records = [record(3, "1.0", 5), record(1, "1.0", -5), record(2, "2.0", 10)]
    found = gate_staleness(gate, records, ["1.0", "2.0"])
    assert found["stale"] is True
    assert [e["id"] for e in found["newer_evidence"]] == [3]
    assert found["newer_versions"] == ["2.0"]
    assert found["newer_kinds"] == {"model_card": [3]}
    assert gate_staleness(gate, [record(1, "1.0", 0)], ["1.0"])["stale"] is False
    assert gate_staleness(None, records, ["1.0"])["stale"] is False
