"""Policy packs: the shipped default is valid and coherent; mistakes point at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ombud.governance.policy import (
    CAPACITIES,
    diff_policies,
    load_default_policy,
    load_policy,
    parse_policy,
)
from ombud.yamlsource import YamlSourceError, parse_yaml

MINIMAL = """\
name: tiny
version: "1"
tiers:
  1:
    evidence: [{kind: fairness_audit, max_age_days: 30}]
    rules:
      - id: asr
        description: attack success below 5%
        metric: "redteam.*.attack_success_rate.upper"
        op: "<"
        value: 0.05
    approvals: {quorum: 2, capacities: [board_member]}
  2: {}
  3: {}
  4: {}
"""


def _parse(text: str) -> object:
    return parse_policy(parse_yaml(text, "p.yaml", scalar_keys=True))


def test_default_pack_loads_and_covers_the_regimes_it_claims() -> None:
    pack = load_default_policy()
    assert (pack.name, len(pack.sha256)) == ("ombud-default", 64)
    assert sorted(pack.tiers) == [1, 2, 3, 4]
    cites = " ".join(
        c
        for req in [*pack.tiers.values(), *(o.requirements for o in pack.overlays)]
        for item in (*req.evidence, *req.documents, *req.rules)
        for c in item.cites
    )
    for article in ("Art. 9", "Art. 10", "Art. 11", "Art. 12", "Art. 13", "Art. 14", "Art. 15"):
        assert f"EU AI Act {article}" in cites
    for cite in ("29 CFR 1607.4(D)", "12 CFR 1002", "MEASURE 2.11", "MEASURE 2.7"):
        assert cite in cites


def test_every_kind_the_default_pack_requires_can_be_recorded() -> None:
    """Contract with `ombud evidence attach`: a required kind nobody can record would block
    every launch for good."""
    from ombud.governance.supplier import ATTACHABLE_KINDS

    pack = load_default_policy()
    sections = [*pack.tiers.values(), *(o.requirements for o in pack.overlays)]
    kinds = {item.kind for req in sections for item in (*req.evidence, *req.documents)}
    assert kinds <= set(ATTACHABLE_KINDS), kinds - set(ATTACHABLE_KINDS)


def test_overlays_add_to_the_tier_and_never_relax_it() -> None:
    pack = load_default_policy()
    base = pack.requirements_for(2)
    hiring = pack.requirements_for(2, "hiring", "high_risk", "decision_model")
    assert {r.id for r in base.rules} < {r.id for r in hiring.rules}
    assert "eeoc-four-fifths" in {r.id for r in hiring.rules}
    assert {"annex_iv", "fria"}.isdisjoint(d.kind for d in hiring.documents) is False
    ages = {e.kind: e.max_age_days for e in hiring.evidence}
    assert ages["fairness_audit"] == 180  # the tier's 180 beats the hiring overlay's 365
    credit = pack.requirements_for(2, "lending", "high_risk", "decision_model", ("art_27",))
    assert "fria" in {d.kind for d in credit.documents}
    # The FRIA overlay follows the classifier's Art. 27 duty, not the domain (issue #13).
    provider = pack.requirements_for(2, "lending", "high_risk", "decision_model", ("art_9",))
    assert "fria" not in {d.kind for d in provider.documents}
    public = pack.requirements_for(2, "hiring", "high_risk", "decision_model", ("art_27",))
    assert "fria" in {d.kind for d in public.documents}
    assert credit.approvals.quorum == 3
    assert set(credit.approvals.capacities) == set(CAPACITIES)
    llm = pack.requirements_for(
        1, "customer_service", "limited_risk_transparency", "llm_application"
    )
    assert "redteam-attack-success" in {r.id for r in llm.rules}
    assert "redteam_run" not in {
        e.kind for e in pack.requirements_for(1, kind="decision_model").evidence
    }


def test_a_file_on_disk_has_its_digest(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    pack = load_policy(path)
    import hashlib

    assert pack.sha256 == hashlib.sha256(MINIMAL.encode()).hexdigest()
    assert pack.tiers[1].rules[0].holds_for(0.049)
    assert not pack.tiers[1].rules[0].holds_for(0.05)


def test_an_edited_file_is_read_afresh_despite_the_cache(tmp_path: Path) -> None:
    """Parsed packs are cached per file stamp; the oracle is the file's own digest, which
    must follow every edit (same size included: only the modification time differs)."""
    import hashlib
    import os

    path = tmp_path / "policy.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    first = load_policy(path)
    assert load_policy(path) is first  # unchanged file: the parsed pack is reused
    edited = MINIMAL.replace("0.05", "0.04")
    assert len(edited) == len(MINIMAL)
    path.write_text(edited, encoding="utf-8")
    stamp = path.stat()
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000))
    second = load_policy(path)
    assert second.sha256 == hashlib.sha256(edited.encode()).hexdigest() != first.sha256
    assert not second.tiers[1].rules[0].holds_for(0.045)
    with pytest.raises(YamlSourceError):
        load_policy(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("    approvals: {quorum: 2", "    approvals: {quorum: 0", 12, "quorum must be"),
        ('        op: "<"', '        op: "=="', 10, "op must be one of"),
        ("        value: 0.05", "        value: low", 11, "value must be a number"),
        ("max_age_days: 30", "max_age_days: -3", 5, "max_age_days"),
        ("  4: {}", "  5: {}", 15, "tier '5' is unknown"),
        ("  4: {}\n", "", 3, "missing"),
        ("capacities: [board_member]", "capacities: [ceo]", 12, "capacity 'ceo' is unknown"),
        ("        description: attack", "        descripton: attack", 8, "unknown key"),
        ("        metric:", "        verdict:", 7, "op and value belong to metric rules"),
        ('version: "1"\n', "", 1, "'version' is required"),
        ("tiers:\n", "tiers: [\n", 5, "not valid YAML"),
    ],
)
def test_invalid_packs_name_file_and_line(old: str, new: str, line: int, message: str) -> None:
    assert old in MINIMAL
    with pytest.raises(YamlSourceError, match=message) as info:
        _parse(MINIMAL.replace(old, new, 1))
    assert str(info.value).startswith(f"p.yaml:{line}:"), str(info.value)


def test_waivers_must_name_a_rule_and_a_date() -> None:
    good = MINIMAL + (
        "waivers:\n"
        "  - {rule: asr, system: bot, reason: r, approved_by: lena, expires: 2027-01-31}\n"
    )
    pack = parse_policy(parse_yaml(good, "p.yaml", scalar_keys=True))
    assert pack.waiver_for("asr", "bot") is not None
    with pytest.raises(YamlSourceError, match=r"p.yaml:17: waiver names rule 'nope'"):
        _parse(good.replace("rule: asr", "rule: nope"))
    with pytest.raises(YamlSourceError, match=r"p.yaml:17: expires must be a date"):
        _parse(good.replace("2027-01-31", "soon"))


def test_diff_lists_each_changed_requirement() -> None:
    old = _parse(MINIMAL)
    new = _parse(
        MINIMAL.replace("value: 0.05", "value: 0.1").replace(
            "  2: {}", "  2:\n    documents: [{kind: model_card}]"
        )
    )
    changes = {(c.where, c.change) for c in diff_policies(old, new)}  # type: ignore[arg-type]
    assert changes == {("tier 1 rule asr", "changed"), ("tier 2 documents model_card", "added")}
    assert diff_policies(old, old) == []  # type: ignore[arg-type]


DEFAULT = load_default_policy()


@given(st.sampled_from([1, 2, 3, 4]), st.sampled_from(["hiring", "lending", "other", ""]),
       st.sampled_from(["high_risk", "minimal_risk", None]),
       st.sampled_from(["decision_model", "llm_application"]))  # fmt: skip
def test_overlays_only_add_requirements(
    tier: int, domain: str, category: str | None, kind: str
) -> None:
    """Law: the effective requirements contain the tier's own, never fewer or laxer."""
    pack = DEFAULT
    base, full = pack.tiers[tier], pack.requirements_for(tier, domain, category, kind)
    assert {r.id for r in base.rules} <= {r.id for r in full.rules}
    full_ages = {e.kind: e.max_age_days for e in full.evidence}
    for item in base.evidence:
        assert item.kind in full_ages
        held = full_ages[item.kind]
        assert item.max_age_days is None or (held is not None and held <= item.max_age_days)
    assert full.approvals.quorum >= base.approvals.quorum
    assert set(base.approvals.capacities) <= set(full.approvals.capacities)
