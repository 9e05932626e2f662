"""Coverage as a pure function, on small hand-made catalogs whose answers are worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ombud.compliance.control_catalogs import (
    ControlCatalog,
    Crosswalks,
    EvidenceRecord,
    KindRequirement,
    RuleOutcome,
    SystemScope,
    applicable_items,
    compute_coverage,
    load_crosswalks,
    parse_control_catalog,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _catalog(framework: str, items: str) -> ControlCatalog:
    head = f"framework: {framework}\ntitle: T\nversion: '1'\nsource: S\nlicense: L\nitems:\n"
    return parse_control_catalog(f"{framework}.yaml", head + items)


CATALOGS = {
    "eu-ai-act": _catalog(
        "eu-ai-act",
        "  - {id: art_10, kind: obligation, title: Data, summary: s, citation: EU AI Act Art. 10}\n"
        "  - {id: art_15, kind: obligation, title: Acc, summary: s, citation: EU AI Act Art. 15}\n"
        "  - {id: art_27, kind: obligation, title: F, summary: s, citation: EU AI Act Art. 27}\n",
    ),
    "sector-rules": _catalog(
        "sector-rules",
        "  - {id: ugesp.4d, kind: rule, title: Four-fifths, summary: s,"
        " citation: 29 CFR 1607.4(D), regimes: [us.ugesp]}\n",
    ),
    "nist-ai-rmf": _catalog(
        "nist-ai-rmf",
        "  - {id: MEASURE, kind: function, title: M, summary: s}\n"
        "  - {id: MEASURE 2, kind: category, title: M2, summary: s}\n"
        "  - {id: MEASURE 2.11, kind: subcategory, title: Fairness, summary: s}\n"
        "  - {id: MAP 2.3, kind: subcategory, title: Data, summary: s}\n"
        "  - {id: MAP 5.1, kind: subcategory, title: Impacts, summary: s}\n"
        "  - {id: GOVERN 2.3, kind: subcategory, title: Exec, summary: s}\n",
    ),
    "iso-42001": _catalog(
        "iso-42001",
        "  - {id: A.7.5, kind: control, title: Provenance, summary: s}\n"
        "  - {id: A.5.2, kind: control, title: Impact process, summary: s}\n",
    ),
    "nist-ai-600-1": _catalog(
        "nist-ai-600-1", "  - {id: GAI-confabulation, kind: risk, title: C, summary: s}\n"
    ),
}
WALKS = load_crosswalks(
    "w.yaml",
    """
version: '1'
sources: {ed: editorial}
links:
  - {from: 'eu-ai-act:art_10', to: 'nist-ai-rmf:MAP 2.3', source: ed}
  - {from: 'nist-ai-rmf:MAP 2.3', to: 'iso-42001:A.7.5', source: ed}
  - {from: 'eu-ai-act:art_27', to: 'nist-ai-rmf:MAP 5.1', source: ed}
  - {from: 'nist-ai-rmf:MAP 5.1', to: 'iso-42001:A.5.2', source: ed}
  - {from: 'nist-ai-rmf:MEASURE 2.11', to: 'eu-ai-act:art_27', source: ed}
evidence:
  - {kind: datasheet, control: 'eu-ai-act:art_10', source: ed}
  - {kind: data_audit, control: 'eu-ai-act:art_10', source: ed}
  - {kind: datasheet, control: 'nist-ai-rmf:MAP 2.3', source: ed}
  - {kind: fairness_audit, control: 'eu-ai-act:art_15', source: ed}
  - {kind: fairness_audit, control: 'sector-rules:ugesp.4d', source: ed}
""",
)
SCOPE = SystemScope(
    obligation_ids=("art_10", "art_15"),
    regime_ids=("us.ugesp",),
    requirements=(
        KindRequirement("fairness_audit", 90, ("NIST AI RMF MEASURE 2.11", "EU AI Act Art. 15(1)")),
        KindRequirement("datasheet", 365, ("EU AI Act Art. 10(2)",)),
        KindRequirement("model_card", None, ("ISO 9001 clause 7",)),
    ),
    rules=(RuleOutcome("rule:four-fifths", "pass", ("29 CFR 1607.4(D)",)),),
)


def _ev(id_: int, kind: str, days_old: float, expires_in: float | None = 300) -> EvidenceRecord:
    created = NOW - timedelta(days=days_old)
    return EvidenceRecord(
        id_, kind, created, NOW + timedelta(days=expires_in) if expires_in else None
    )


def _ids(framework: str, scope: SystemScope = SCOPE) -> list[str]:
    return [a.item.id for a in applicable_items(framework, scope, CATALOGS, WALKS)]


def test_laws_apply_only_from_the_classification() -> None:
    """art_27 is reachable by crosswalk from MEASURE 2.11 (cited) but is not classified."""
    assert _ids("eu-ai-act") == ["art_10", "art_15"]
    assert _ids("sector-rules") == ["ugesp.4d"]


def test_frameworks_apply_through_cites_and_at_most_two_hops() -> None:
    # MEASURE 2.11: cited; MAP 2.3: art_10 -> MAP 2.3; A.7.5: art_10 -> MAP 2.3 -> A.7.5.
    # MAP 5.1 would need art_27, which does not apply; functions and categories never do.
    assert _ids("nist-ai-rmf") == ["MEASURE 2.11", "MAP 2.3"]
    assert _ids("iso-42001") == ["A.7.5"]
    assert _ids("nist-ai-600-1") == []
    generative = SystemScope(obligation_ids=(), regime_ids=(), generative=True)
    assert _ids("nist-ai-600-1", generative) == ["GAI-confabulation"]


def _status(
    framework: str, evidence: list[EvidenceRecord], scope: SystemScope = SCOPE
) -> dict[str, str]:
    report = compute_coverage(framework, scope, evidence, CATALOGS, WALKS, as_of=NOW)
    return {c.item.id: c.status for c in report.controls}


def test_nothing_recorded_is_all_missing_and_zero_percent() -> None:
    report = compute_coverage("eu-ai-act", SCOPE, [], CATALOGS, WALKS, as_of=NOW)
    assert [c.status for c in report.controls] == ["missing", "missing"]
    assert report.percent == 0.0
    art_10 = report.controls[0]
    assert art_10.kinds == ("datasheet", "data_audit")  # crosswalk kinds, then policy-required
    assert art_10.required_kinds == ("datasheet",)
    assert art_10.missing_kinds == ("datasheet",)  # the one the policy requires
    art_15 = report.controls[1]
    assert art_15.required_kinds == ("fairness_audit",)
    assert art_15.missing_kinds == ("fairness_audit",)


def test_a_covered_item_lists_nothing_missing() -> None:
    """The bug of issue #19: art_10 covered by its required datasheet still listed the
    crosswalk's data_audit as missing, so the page read "covered" with Missing filled."""
    report = compute_coverage(
        "eu-ai-act", SCOPE, [_ev(1, "datasheet", 1)], CATALOGS, WALKS, as_of=NOW
    )
    art_10 = report.controls[0]
    assert (art_10.status, art_10.missing_kinds) == ("covered", ())
    # With no requirement, the linked kinds are all listed until one of them is recorded.
    bare = SystemScope(obligation_ids=("art_10",), regime_ids=())
    (nothing,) = compute_coverage("eu-ai-act", bare, [], CATALOGS, WALKS, as_of=NOW).controls
    assert (nothing.status, nothing.missing_kinds) == ("missing", ("datasheet", "data_audit"))
    (one,) = compute_coverage(
        "eu-ai-act", bare, [_ev(2, "data_audit", 1)], CATALOGS, WALKS, as_of=NOW
    ).controls
    assert (one.status, one.missing_kinds) == ("covered", ())


def test_fresh_stale_partial_and_covered() -> None:
    evidence = [
        _ev(1, "fairness_audit", days_old=100),  # older than the policy's 90 days: stale
        _ev(2, "data_audit", days_old=10),  # fresh, but the required datasheet is absent
    ]
    assert _status("eu-ai-act", evidence) == {"art_10": "partial", "art_15": "stale"}
    evidence += [_ev(3, "datasheet", days_old=5), _ev(4, "fairness_audit", days_old=1)]
    report = compute_coverage("eu-ai-act", SCOPE, evidence, CATALOGS, WALKS, as_of=NOW)
    assert {c.item.id: c.status for c in report.controls} == {
        "art_10": "covered",
        "art_15": "covered",
    }
    assert report.percent == 100.0
    art_15 = report.controls[1]
    assert [(u.evidence_id, u.fresh) for u in art_15.evidence] == [(4, True), (1, False)]
    assert art_15.evidence[1].note == "older than the policy's 90 days"


def test_expiry_makes_evidence_stale_even_without_a_policy_age() -> None:
    expired = _ev(5, "data_audit", days_old=3, expires_in=-1)
    report = compute_coverage("eu-ai-act", SCOPE, [expired], CATALOGS, WALKS, as_of=NOW)
    assert report.controls[0].status == "stale"
    assert report.controls[0].evidence[0].note == "expired"


def test_a_failing_rule_that_cites_the_item_wins() -> None:
    failing = SystemScope(
        obligation_ids=(),
        regime_ids=("us.ugesp",),
        rules=(RuleOutcome("rule:four-fifths", "fail", ("29 CFR 1607.4(D)",)),),
    )
    assert _status("sector-rules", [_ev(1, "fairness_audit", 1)], failing) == {
        "ugesp.4d": "failing"
    }
    assert _status("sector-rules", [_ev(1, "fairness_audit", 1)]) == {"ugesp.4d": "covered"}


def test_unknown_cites_are_reported_not_dropped() -> None:
    report = compute_coverage("eu-ai-act", SCOPE, [], CATALOGS, WALKS, as_of=NOW)
    assert report.unresolved_cites == ("ISO 9001 clause 7",)


def test_an_item_with_no_linked_kind_says_so() -> None:
    scope = SystemScope(obligation_ids=(), regime_ids=(), requirements=(), rules=())
    walks = Crosswalks("1", {}, (), ())
    cited = SystemScope(
        obligation_ids=(),
        regime_ids=(),
        rules=(RuleOutcome("r", "pass", ("NIST AI RMF GOVERN 2.3",)),),
    )
    report = compute_coverage("nist-ai-rmf", cited, [], CATALOGS, walks, as_of=NOW)
    (only,) = report.controls
    assert (only.item.id, only.status) == ("GOVERN 2.3", "missing")
    assert "no evidence kind" in only.note
    assert compute_coverage("nist-ai-rmf", scope, [], CATALOGS, walks, as_of=NOW).percent is None


@settings(max_examples=50, deadline=None)  # a loaded CI machine must not make it flaky
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["datasheet", "data_audit", "fairness_audit", "model_card"]),
            st.floats(0, 400),
            st.one_of(st.none(), st.floats(-50, 400)),
        ),
        max_size=8,
    )
)
def test_more_evidence_never_lowers_coverage(
    records: list[tuple[str, float, float | None]],
) -> None:
    """Property: adding fresh evidence is monotone (a covered item stays covered)."""
    evidence = [_ev(i, kind, age, exp) for i, (kind, age, exp) in enumerate(records)]
    before = compute_coverage("eu-ai-act", SCOPE, evidence, CATALOGS, WALKS, as_of=NOW)
    more = [*evidence, _ev(99, "datasheet", 0)]
    after = compute_coverage("eu-ai-act", SCOPE, more, CATALOGS, WALKS, as_of=NOW)
    assert (after.percent or 0) >= (before.percent or 0)
    for old, new in zip(before.controls, after.controls, strict=True):
        if old.status == "covered":
            assert new.status == "covered"
    for control in (*before.controls, *after.controls):  # the page's two columns agree
        assert not (control.status == "covered" and control.missing_kinds)
        assert control.status != "missing" or control.missing_kinds or not control.kinds


@pytest.mark.parametrize("framework", ["eu-ai-act", "nist-ai-rmf", "iso-42001"])
def test_to_dict_is_json_ready(framework: str) -> None:
    import json

    report = compute_coverage(
        framework, SCOPE, [_ev(1, "datasheet", 1)], CATALOGS, WALKS, as_of=NOW
    )
    data = json.loads(json.dumps(report.to_dict()))
    assert data["counts"] == report.counts()
    assert len(data["controls"]) == len(report.controls)
