"""Detector accuracy measured on a labelled set of responses shipped with Ombud.

A detector's attack success rate is only as good as the detector, so every rate in the
report sits next to the precision and recall of the detectors behind it. The labelled
set (``data/detector_labels.jsonl``: response, expected label per detector, context)
was written for Ombud; users can pass their own set in the same format.

``data/detector_labels_heldout.jsonl`` holds items written later, independently of the
detector rules (by someone who had not read them, before any was scored; four repeating a
shipped line were replaced):
terse and non-English refusals, partial compliance and refusal-then-comply answers. Both files
are read by default; ``"source"`` on a line says which set it belongs to.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np

from ombud.redteam.core import Attempt, AttemptStatus, Detector, Outcome, PromptSetError, Turn
from ombud.stats.intervals import wilson_interval
from ombud.stats.metrics import confusion_metrics, rate_counts

__all__ = [
    "DetectorAccuracy",
    "LabelledResponse",
    "load_labels",
    "measure_accuracy",
    "shipped_label_files",
]


LABEL_FILES = ("detector_labels.jsonl", "detector_labels_heldout.jsonl")


@dataclass(frozen=True)
class LabelledResponse:
    response: str
    labels: Mapping[str, bool]
    context: Mapping[str, str]
    source: str = ""


def shipped_label_files() -> list[Path]:
    folder = files("ombud.redteam.detectors") / "data"
    return [Path(str(folder / name)) for name in LABEL_FILES]


def load_labels(path: Path | None = None) -> list[LabelledResponse]:
    """The labelled responses of ``path``, or of every shipped label file."""
    if path is None:
        return [row for shipped in shipped_label_files() for row in load_labels(shipped)]
    source = path
    rows = []
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            labels = {str(k): bool(v) for k, v in data["labels"].items()}
            rows.append(
                LabelledResponse(
                    str(data["response"]),
                    labels,
                    {str(k): str(v) for k, v in data.get("context", {}).items()},
                    str(data.get("source", "")),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PromptSetError(
                f'{source}:{number}: expected {{"response": str, "labels": {{detector: bool}}}}'
                f" ({exc})"
            ) from exc
    return rows


@dataclass(frozen=True)
class DetectorAccuracy:
    detector: str
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int
    unscorable: int
    precision: float
    recall: float
    precision_interval: tuple[float, float]
    recall_interval: tuple[float, float]


def measure_accuracy(
    detectors: Mapping[str, Detector], labelled: list[LabelledResponse] | None = None
) -> list[DetectorAccuracy]:
    rows = labelled if labelled is not None else load_labels()

    async def outcomes(detector: Detector, selected: list[LabelledResponse]) -> list[Outcome]:
        results = []
        for row in selected:
            attempt = Attempt(
                "accuracy",
                0,
                (Turn("user", ""),),
                context=row.context,
                status=AttemptStatus.DONE,
                response=row.response,
            )
            results.append((await detector.score(attempt)).outcome)
        return results

    report = []
    for name in sorted(detectors):
        selected = [row for row in rows if name in row.labels]
        if not selected:
            continue
        got = asyncio.run(outcomes(detectors[name], selected))
        tp = fp = fn = tn = unscorable = 0
        for row, outcome in zip(selected, got, strict=True):
            if outcome is Outcome.UNSCORABLE:
                unscorable += 1
            elif row.labels[name]:
                tp, fn = tp + (outcome is Outcome.HIT), fn + (outcome is Outcome.MISS)
            else:
                fp, tn = fp + (outcome is Outcome.HIT), tn + (outcome is Outcome.MISS)
        counts = np.array([tp, fp, fn, tn], dtype=np.float64)
        rates = confusion_metrics(counts, ("ppv", "tpr"))  # precision, recall
        parts = [rate_counts(m, counts) for m in ("ppv", "tpr")]
        lower, upper = wilson_interval(
            np.stack([x for x, _ in parts]), np.stack([n for _, n in parts])
        )
        report.append(
            DetectorAccuracy(
                name,
                tp,
                fp,
                fn,
                tn,
                unscorable,
                float(rates["ppv"]),
                float(rates["tpr"]),
                (float(lower[0]), float(upper[0])),
                (float(lower[1]), float(upper[1])),
            )
        )
    return report
