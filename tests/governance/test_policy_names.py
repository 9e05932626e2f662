"""Policies fail closed: a name or kind no engine records, a control character, or an
unjustified `if_missing: pass` is refused at file:line when the pack is read.

Found by a hostile-input walk: `fairness.race.fpr.ratio_mn` with `if_missing: pass` used to
validate and then pass every gate, because the rule matched nothing and said "pass".
"""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ombud.governance.policy import NameRegistry, default_registry, parse_policy
from ombud.governance.policy._names import _can_match
from ombud.records import NAME_PLACEHOLDER, EvidenceNames
from ombud.yamlsource import YamlSourceError, parse_yaml

PACK = """\
name: tiny
version: "1"
tiers:
  1:
    evidence: [{kind: fairness_audit, max_age_days: 30}]
    rules:
      - id: fpr
        description: false positive rates within 0.8
        metric: "fairness.race.fpr.ratio_min"
        op: ">="
        value: 0.8
        evidence_kind: fairness_audit
  2: {}
  3: {}
  4: {}
"""


def _parse(text: str) -> object:
    return parse_policy(parse_yaml(text, "p.yaml", scalar_keys=True))


def _refused(text: str) -> str:
    with pytest.raises(YamlSourceError) as info:
        _parse(text)
    return str(info.value)


def test_the_pack_is_valid_as_written() -> None:
    _parse(PACK)


def test_a_metric_typo_under_if_missing_pass_is_refused_with_a_suggestion() -> None:
    typo = PACK.replace("fpr.ratio_min", "fpr.ratio_mn").replace(
        "        evidence_kind: fairness_audit\n",
        "        evidence_kind: fairness_audit\n"
        "        if_missing: pass\n"
        "        justification: small groups\n",
    )
    message = _refused(typo)
    assert message.startswith("p.yaml:9: rule 'fpr': metric 'fairness.race.fpr.ratio_mn'")
    assert "did you mean 'fairness.race.fpr.ratio_min'?" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("old", "new", "line", "expected"),
    [
        ("kind: fairness_audit, max", "kind: fairness_audti, max", 5,
         "evidence kind 'fairness_audti' is unknown; did you mean 'fairness_audit'?"),
        ("evidence_kind: fairness_audit", "evidence_kind: fairnes_audit", 12,
         "evidence kind 'fairnes_audit' is unknown; did you mean 'fairness_audit'?"),
        # a real name, but not one that this kind of evidence records
        ('"fairness.race.fpr.ratio_min"', '"redteam.*.attack_success_rate.upper"', 9,
         "matches no metric name that fairness_audit evidence records"),
        ('metric: "fairness.race.fpr.ratio_min"', 'verdict: "fairness.*.fpr_ration"', 9,
         "did you mean 'fairness.*.fpr_ratio'?"),
        ('"fairness.race.fpr.ratio_min"', '"fairness.race.selection_rate.four_fifths"', 9,
         "did you mean 'fairness.race.selection_rate.ratio_min'?"),
    ],
)  # fmt: skip
def test_unknown_names_and_kinds_name_the_line_and_the_likely_fix(
    old: str, new: str, line: int, expected: str
) -> None:
    text = PACK.replace(old, new)
    if new.startswith("verdict"):
        text = text.replace('        op: ">="\n        value: 0.8\n', "        not_in: [fail]\n")
    message = _refused(text)
    assert message.startswith(f"p.yaml:{line}:"), message
    assert expected in message


def test_every_unknown_name_is_counted_in_the_one_line() -> None:
    text = PACK.replace("kind: fairness_audit, max", "kind: fairnes_audit, max").replace(
        "  2: {}", "  2:\n    documents: [{kind: modle_card}]"
    )
    message = _refused(text)
    assert message.startswith("p.yaml:5: evidence kind 'fairnes_audit'")
    assert message.endswith("(1 more unknown name(s): line 14)")


def test_attached_names_are_declared_under_custom_names() -> None:
    rule = PACK.replace('"fairness.race.fpr.ratio_min"', '"vendor.bias.score"').replace(
        "evidence_kind: fairness_audit", "evidence_kind: third_party_audit"
    )
    assert "custom_names" in _refused(rule)
    pack = _parse("custom_names: [vendor.bias.score]\n" + rule)
    assert pack.custom_names == ("vendor.bias.score",)  # type: ignore[attr-defined]
    assert "must be a dotted lower-case name" in _refused("custom_names: [Vendor]\n" + rule)


def test_if_missing_pass_needs_a_written_justification() -> None:
    loose = PACK.replace("evidence_kind: fairness_audit\n", "evidence_kind: fairness_audit\n"
                         "        if_missing: pass\n")  # fmt: skip
    message = _refused(loose)
    assert message.startswith("p.yaml:13: rule 'fpr' has if_missing: pass without a justif")
    justified = loose.replace("if_missing: pass\n", "if_missing: pass\n        justification: x\n")
    assert _parse(justified).tiers[1].rules[0].justification == "x"  # type: ignore[attr-defined]
    blank = loose.replace("if_missing: pass\n", "if_missing: pass\n        justification: ' '\n")
    assert "without a justification" in _refused(blank)
    stray = PACK.replace("value: 0.8\n", "value: 0.8\n        justification: because\n")
    assert "justification belongs to if_missing: pass" in _refused(stray)


@pytest.mark.parametrize("escape", ["\\x01", "\\e[31m", "\\x7f", "\\u202e", "\\0"])
def test_control_characters_are_refused_where_they_are(escape: str) -> None:
    """YAML's double-quoted escapes smuggle them past the parser's own character check."""
    text = PACK.replace(
        "description: false positive rates within 0.8",
        f'description: "false positive {escape} rates"',
    )
    message = _refused(text)
    assert message.startswith("p.yaml:8: control character U+"), message
    tab = PACK.replace("description: false positive rates within 0.8", 'description: "a\\tb"')
    _parse(tab)  # a tab is text


def test_a_raw_control_character_names_its_own_line() -> None:
    """YAML itself refuses a raw one; the message used to say line 1, on two lines."""
    text = PACK.replace("rates within 0.8", "rates \x1b within 0.8")
    assert _refused(text) == "p.yaml:8: control character U+001B is not allowed in YAML; remove it"


def test_the_shipped_default_pack_still_validates() -> None:
    from ombud.governance.policy import load_default_policy

    pack = load_default_policy()
    passes = [r for req in pack.tiers.values() for r in req.rules if r.if_missing == "pass"]
    assert passes
    assert all(r.justification for r in passes)


# --- the matcher: a glob against a template, exactly --------------------------------------


@pytest.mark.parametrize(
    ("pattern", "template", "expected"),
    [
        ("fairness.*", "fairness.{attribute}.fpr_ratio", True),
        ("fairness.*.fpr_ratio", "fairness.{attribute}.fpr_ratio", True),
        ("fairness.race.fpr_ratio", "fairness.{attribute}.fpr_ratio", True),
        ("fairness.?.fpr_ratio", "fairness.{attribute}.fpr_ratio", True),
        ("fairness.[rs]ace.fpr_ratio", "fairness.{attribute}.fpr_ratio", True),
        ("fairness.[!.]*.fpr_ratio", "fairness.{attribute}.fpr_ratio", True),
        ("*", "supplier.score", True),
        ("fairness..fpr_ratio", "fairness.{attribute}.fpr_ratio", False),  # empty segment
        ("fairness.race.fpr.ratio_mn", "fairness.{attribute}.fpr.ratio_min", False),
        ("fairness.*.fpr_ratio", "fairness.{attribute}.fpr_ratio.upper", False),
        ("fairness.*.fpr_ratio*", "fairness.{attribute}.fpr_ratio.upper", True),
        ("redteam.*.upper", "redteam.{category}.attack_success_rate.upper", True),
        ("fairness.[.]", "fairness.{attribute}", False),
        ("fairness.[", "fairness.{attribute}", False),  # an unclosed [ is literal: no name has one
    ],
)
def test_glob_against_template(pattern: str, template: str, expected: bool) -> None:
    assert _can_match(pattern, template) is expected


_SEGMENT = st.text("abcxyz_0-9", min_size=1, max_size=6)


@given(
    st.sampled_from(
        [t for n in default_registry().by_kind.values() for t in (*n.metrics, *n.verdicts)]
    ),
    st.data(),
)
def test_any_glob_matching_an_instance_is_accepted(template: str, data: st.DataObject) -> None:
    """Law (soundness): if a glob matches some name a template produces, the registry
    accepts the glob; the oracle is fnmatch on a concrete name."""
    name = NAME_PLACEHOLDER.sub(lambda _: data.draw(_SEGMENT), template)
    chars = list(name)
    for i in data.draw(st.lists(st.integers(0, len(chars) - 1), max_size=3)):
        chars[i] = data.draw(st.sampled_from(["*", "?", "[a-z]"]))
    pattern = "".join(chars)
    if fnmatchcase(name, pattern):
        assert _can_match(pattern, template), (pattern, template)


def test_a_kind_without_templates_reads_any_engine_name() -> None:
    registry = NameRegistry(
        {"fairness_audit": EvidenceNames("fairness_audit", ("fairness.rows",)),
         "third_party_audit": EvidenceNames("third_party_audit")}
    )  # fmt: skip
    assert registry.can_match("fairness.rows", "metric", "third_party_audit")
    assert not registry.can_match("fairness.rows", "verdict", "fairness_audit")
    assert registry.with_custom(["x.y"]).can_match("x.*", "verdict", "fairness_audit")
