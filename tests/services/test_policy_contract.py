"""The default policy pack reads names the engines really produce.

A gate rule whose glob matches nothing would silently be `insufficient` forever (or,
with `if_missing: pass`, silently pass). Oracle: a real fairness audit on COMPAS.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from ombud.datasets import load
from ombud.fairness import audit
from ombud.governance.policy import load_default_policy


@pytest.fixture(scope="module")
def fairness_names() -> set[str]:
    frame = load("compas", filtered=True).frame
    frame = frame.assign(high_risk=(frame["decile_score"] >= 5).astype(int))
    result = audit(
        frame, label="two_year_recid", prediction="high_risk", sensitive=["race", "sex"], n_boot=0
    )
    draft = result.to_evidence()
    return set(draft.metrics) | set(draft.verdicts)


def test_every_fairness_pattern_in_the_default_pack_matches(fairness_names: set[str]) -> None:
    pack = load_default_policy()
    requirements = [*pack.tiers.values(), *(o.requirements for o in pack.overlays)]
    patterns = {
        rule.pattern
        for req in requirements
        for rule in req.rules
        if rule.pattern.startswith("fairness.")
    }
    assert patterns, "the default pack has fairness rules"
    unmatched = sorted(
        p for p in patterns if not any(fnmatchcase(name, p) for name in fairness_names)
    )
    assert unmatched == []
