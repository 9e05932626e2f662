"""``ombud mitigate thresholds``: table, JSON and HTML from the real entry point.

Oracle: the JSON the command prints equals the engine's result on the same data (the
adapter renders, it does not compute), and the HTML draws one SVG chart per charted gap.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ombud.fairness.mitigate import LegalContext, threshold_tradeoffs
from ombud.stats import ClassificationSpec, build_tally

from .conftest import Invoke


@pytest.fixture
def scored(tmp_path: Path) -> Path:
    rng = np.random.default_rng(2)
    n = 3000
    group = rng.choice(["a", "b", "c"], size=n)
    latent = rng.normal(size=n) + pd.Series(group).map({"a": 0.0, "b": -0.4, "c": 0.3}).to_numpy()
    frame = pd.DataFrame(
        {
            "g": group,
            "y": np.where(latent + rng.normal(size=n) > 0, "yes", "no"),
            "s": 1.0 / (1.0 + np.exp(-latent)),
        }
    )
    path = tmp_path / "scored.csv"
    frame.to_csv(path, index=False)
    return path


ARGS = ("--score", "s", "--label", "y", "--pos-label", "yes", "--sensitive", "g")


def test_json_equals_the_engine(invoke: Invoke, scored: Path) -> None:
    done = invoke(
        "mitigate", "thresholds", str(scored), *ARGS, "--bins", "20", "--n-boot", "30",
        "--domain", "lending", "--region", "us", "--format", "json",
    )  # fmt: skip
    assert done.code == 0, done.err
    payload = json.loads(done.out)
    frame = pd.read_csv(scored)
    spec = ClassificationSpec(label="y", score="s", groups=("g",), score_bins=20, pos_label="yes")
    direct = threshold_tradeoffs(
        build_tally(frame, spec), "g", n_boot=30, context=LegalContext.of("lending", ["US"])
    )
    assert payload == json.loads(json.dumps(direct.to_dict()))
    assert payload["legal"]["context"]["jurisdictions"] == ["US"]


def test_table_names_the_recommendation(invoke: Invoke, scored: Path) -> None:
    done = invoke("mitigate", "thresholds", str(scored), *ARGS, "--bins", "20", "--n-boot", "0",
                  "--domain", "hiring", "--region", "US")  # fmt: skip
    assert done.code == 0, done.err
    assert "recommended:" in done.out
    assert "prohibited" in done.out
    assert "2000e-2(l)" in done.out


def test_html_has_a_frontier_chart_per_gap(invoke: Invoke, scored: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = invoke("mitigate", "thresholds", str(scored), *ARGS, "--bins", "20", "--n-boot", "0",
                  "--format", "html", "-o", str(out))  # fmt: skip
    assert done.code == 0, done.err
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") == 4
    assert "utility against tpr_difference" in html
    assert "no system context" in html


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--score", "nope", "--label", "y", "--sensitive", "g"), "'nope' (score)"),
        (("--score", "s", "--label", "y", "--sensitive", "g", "--bins", "1"), "--bins"),
        (("--score", "s", "--label", "y", "--pos-label", "yes", "--sensitive", "g",
          "--gain-fp", "2"), "correct decision"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    invoke: Invoke, scored: Path, args: tuple[str, ...], says: str
) -> None:
    done = invoke("mitigate", "thresholds", str(scored), *args, "--n-boot", "0")
    assert done.code == 2
    assert says in done.err
    assert len(done.err.strip().splitlines()) == 1
