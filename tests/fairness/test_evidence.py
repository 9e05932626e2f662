"""to_evidence(): flat metric names a gate can address, values equal to the result tables,
and artifacts from which the numbers can be recomputed.

Oracles: the AuditResult's own ratio()/verdict tables; the Tally artifact read back with
ombud.stats.read_parquet must equal the result's Tally; EvidenceDraft validates names.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ombud.fairness import audit
from ombud.records import METRIC_NAME_PATTERN, Verdict
from ombud.stats import read_parquet


@pytest.fixture(scope="module")
def result() -> object:
    rng = np.random.default_rng(5)
    n = 2000
    frame = pd.DataFrame(
        {
            "race group": rng.choice(["a", "b", "c"], n),
            "sex": rng.choice(["f", "m"], n),
            "y": rng.integers(0, 2, n),
        }
    )
    frame["p"] = (rng.random(n) < np.where(frame["race group"] == "a", 0.6, 0.4)).astype(int)
    return audit(frame, label="y", prediction="p", sensitive=["race group", "sex"], n_boot=100)


def test_metric_names_and_values(result: object) -> None:
    draft = result.to_evidence(report=False)
    assert draft.kind == "fairness_audit"
    assert all(METRIC_NAME_PATTERN.match(name) for name in draft.metrics)
    ratio = result.ratio().query("attribute == 'race group' and metric == 'selection_rate'").iloc[0]
    base = "fairness.race_group.selection_rate.ratio_min"
    assert draft.metrics[base] == ratio["value"]
    assert draft.metrics[f"{base}.lower"] == ratio["lower"]
    assert draft.metrics[f"{base}.upper"] == ratio["upper"]
    verdict = result.verdicts.query("attribute == 'sex' and rule == 'four_fifths'").iloc[0]
    assert draft.verdicts["fairness.sex.four_fifths"] == Verdict(verdict["verdict"])
    assert draft.metrics["fairness.sex.four_fifths"] == verdict["value"]


def test_artifacts_recompute(result: object, tmp_path: Path) -> None:
    draft = result.to_evidence()
    names = {a.name: a for a in draft.artifacts}
    assert set(names) == {"tally.parquet", "fairness-audit.json", "fairness-report.html"}
    path = tmp_path / "tally.parquet"
    path.write_bytes(names["tally.parquet"].content)
    assert read_parquet(path).equals(result.tally)
    doc = json.loads(names["fairness-audit.json"].content)
    assert doc["kind"] == "fairness_audit"
    assert len(doc["by_group"]) == len(result.by_group)
    assert draft.inputs[0].rows == 2000
    assert len(draft.inputs[0].sha256) == 64


def test_json_has_no_nan(result: object) -> None:
    text = result.to_json()
    assert "NaN" not in text
    json.loads(text)
