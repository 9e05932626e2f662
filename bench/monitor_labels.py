"""Benchmark: joining late labels by record id, against ingesting labelled rows (simulated).

One SQLite workspace, two monitors with the same spec. Peers in the same run: monitor
``plain`` (no id column, so no record index) and monitor ``full`` (id column) ingest a
week of predictions WITH labels (the ordinary path); monitor ``late``
ingests the same rows without labels (which also writes the record index), then a labels
file gives the labels of every row (each day's labelled Tally rebuilt, audited). Measured:
wall time of each step, and that the two monitors' windows then agree exactly (the
oracle the tests also check). Results: bench/RESULTS.md.

    PYTHONPATH=src python bench/monitor_labels.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).parent))

import pandas as pd
from _monitor_data import simulate

from ombud.governance import SystemProfile
from ombud.services import monitoring, systems, workspaces
from ombud.services.context import open_context
from ombud.services.monitor_records import LabelOutcome
from ombud.store import open_workspace

T = TypeVar("T")
SYSTEM = "scoring"

COLUMNS: dict[str, Any] = {
    "timestamp": "ts",
    "features": ("num0", "num1", "cat0"),
    "sensitive": ("sex", "race", "age"),
    "prediction": "pred",
    "score": "score",
    "label": "label",
    "record_id": "rid",
}


def _timed(step: str, results: dict[str, float], fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    value = fn()
    results[step] = round(time.perf_counter() - start, 3)
    return value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ombud-bench-labels-"))
    workspaces.init_workspace(root / "ws", database_url=None, admin="ada", os_user="bench")
    context = open_context(open_workspace(root / "ws"))
    ada = context.actor("ada")
    profile = SystemProfile(
        name="Scoring",
        purpose="Scores applications (simulated benchmark system)",
        owner="ada",
        owner_team="bench",
        domain="lending",
        kind="decision_model",
        operator_role="provider",
        automation="human_in_the_loop",
    )
    systems.register_system(context, ada, SYSTEM, profile)
    systems.add_version(context, ada, SYSTEM, "1.0")
    reference = simulate(20_000, seed=1, start="2024-01-01", days=30)
    log = simulate(args.rows, seed=2, start="2024-03-01", days=7)
    log["rid"] = [f"r{i}" for i in range(len(log))]
    for name in ("full", "late"):
        monitoring.init_monitor(context, ada, SYSTEM, "1.0", reference, name=name, **COLUMNS)
    without_id = {k: v for k, v in COLUMNS.items() if k != "record_id"}
    monitoring.init_monitor(context, ada, SYSTEM, "1.0", reference, name="plain", **without_id)
    results: dict[str, float] = {}
    unlabelled = log.assign(label=None)
    labels = log[["rid", "label"]]

    def ingest(frame: pd.DataFrame, name: str) -> object:
        return monitoring.ingest(context, ada, SYSTEM, frame, name=name)

    def join() -> LabelOutcome:
        return monitoring.ingest_labels(context, ada, SYSTEM, labels, name="late")

    _timed("ingest with labels, no id column (peer)", results, lambda: ingest(log, "plain"))
    _timed("ingest with labels (peer)", results, lambda: ingest(log, "full"))
    _timed("ingest without labels (+ record index)", results, lambda: ingest(unlabelled, "late"))
    outcome = _timed("labels join (every row)", results, join)
    _timed("same labels again (idempotent)", results, join)
    _, full = monitoring.list_windows(context, SYSTEM, "full")
    _, late = monitoring.list_windows(context, SYSTEM, "late")
    equal = all(
        a.window.labelled is not None
        and b.window.labelled is not None
        and a.window.labelled.equals(b.window.labelled, rtol=0.0)
        for a, b in zip(full, late, strict=True)
    )
    context.close()
    print(
        json.dumps(
            {
                "rows": len(log),
                "windows": len(full),
                "labelled": outcome.labelled,
                "equal": equal,
                "seconds": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
