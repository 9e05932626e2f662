"""Importers: other tools' results into Ombud attempts, and users' prompt sets into probes.

Teams already have garak and promptfoo runs; importing them into the same ``Attempt``
records means the same rates, intervals, comparisons and evidence apply. External
prompt sets keep their license and provenance per prompt, because a prompt set a user
was given is not ours to relabel.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ombud.redteam._attempt import Attempt, AttemptStatus, DetectorResult, Outcome, Turn
from ombud.redteam._errors import PromptSetError
from ombud.redteam._probe_base import PromptSpec, StaticProbe
from ombud.redteam._protocols import ProbeInfo

__all__ = ["import_garak", "import_promptfoo", "probe_from_csv"]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        if "text" in value:
            return _text(value["text"])
        if "content" in value:
            return _text(value["content"])
        if value.get("turns"):
            return _text(value["turns"][-1])
    if value is None:
        return ""
    return json.dumps(value)


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise PromptSetError(f"{path}:{number}: not JSON ({exc.msg})") from exc
            if not isinstance(data, dict):
                raise PromptSetError(f"{path}:{number}: expected a JSON object per line")
            yield number, data


def import_garak(path: Path, *, threshold: float = 0.5) -> list[Attempt]:
    """Evaluated attempts (``entry_type == "attempt"``, ``status == 2``) of a garak report.

    One Ombud attempt per generated output; a detector score above ``threshold`` is a hit.
    """
    attempts: list[Attempt] = []
    for number, entry in _json_lines(path):
        if entry.get("entry_type") != "attempt" or entry.get("status") != 2:
            continue
        try:
            probe = str(entry["probe_classname"])
            outputs = list(entry.get("outputs", []))
            detector_scores: Mapping[str, list[float | None]] = entry.get("detector_results", {})
        except (KeyError, TypeError) as exc:
            raise PromptSetError(f"{path}:{number}: garak attempt without {exc}") from exc
        prompt = _text(entry.get("prompt"))
        for position, output in enumerate(outputs):
            results = []
            for detector, scores in sorted(detector_scores.items()):
                score = scores[position] if position < len(scores) else None
                outcome = (
                    Outcome.UNSCORABLE
                    if score is None
                    else Outcome.HIT
                    if float(score) > threshold
                    else Outcome.MISS
                )
                results.append(
                    DetectorResult(
                        f"garak.{detector}", outcome, None if score is None else float(score)
                    )
                )
            family = probe.split(".")[0]
            attempts.append(
                Attempt(
                    probe=f"garak.{probe}",
                    index=len(attempts),
                    turns=(Turn("user", prompt),),
                    category=family,
                    family=family,
                    goal=str(entry.get("goal", "")),
                    detectors=tuple(r.detector for r in results),
                    context={
                        "provenance": f"garak report {path.name}",
                        "uuid": str(entry.get("uuid", "")),
                    },
                    status=AttemptStatus.DONE,
                    response=_text(output),
                    results=tuple(results),
                )
            )
    return attempts


def import_promptfoo(path: Path) -> list[Attempt]:
    """Rows of a promptfoo ``results.json``; a failed assertion (``success: false``) is a hit."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PromptSetError(f"{path}:{exc.lineno}: not JSON ({exc.msg})") from exc
    results = document.get("results", {})
    rows = results.get("results") if isinstance(results, dict) else results
    if not isinstance(rows, list):
        raise PromptSetError(f"{path}: no results.results list; is this a promptfoo export?")
    attempts = []
    for position, row in enumerate(rows):
        meta = {**row.get("testCase", {}).get("metadata", {}), **row.get("metadata", {})}
        plugin = str(meta.get("pluginId") or meta.get("plugin") or "promptfoo")
        response = row.get("response") or {}
        error = row.get("error") or response.get("error")
        if error:
            status, results = AttemptStatus.ERROR, ()
        else:
            outcome = Outcome.HIT if row.get("success") is False else Outcome.MISS
            status, results = (
                AttemptStatus.DONE,
                (DetectorResult("promptfoo.assertions", outcome, row.get("score")),),
            )
        category = plugin.split(":")[0]
        attempts.append(
            Attempt(
                probe=f"promptfoo.{plugin}",
                index=position,
                turns=(Turn("user", _text(row.get("prompt", {}).get("raw", ""))),),
                category=category,
                family=category,
                detectors=("promptfoo.assertions",),
                context={"provenance": f"promptfoo results {path.name}"},
                status=status,
                response=_text(response.get("output")),
                results=results,
                error=str(error) if error else None,
            )
        )
    return attempts


def probe_from_csv(
    path: Path,
    *,
    probe_id: str,
    category: str,
    detectors: tuple[str, ...],
    license: str,
    provenance: str,
) -> StaticProbe:
    """A probe from a CSV with a ``prompt`` column (optional ``license``/``source`` columns)."""
    specs = []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "prompt" not in reader.fieldnames:
            raise PromptSetError(f"{path}:1: the header needs a 'prompt' column")
        for number, row in enumerate(reader, start=2):
            text = (row.get("prompt") or "").strip()
            if not text:
                raise PromptSetError(f"{path}:{number}: empty prompt")
            context = {
                "license": row.get("license") or license,
                "provenance": row.get("source") or provenance,
            }
            specs.append(PromptSpec((("user", text),), context))
    info = ProbeInfo(
        probe_id,
        f"imported prompts from {path.name}",
        category,
        "imported",
        "medium",
        detectors,
        license=license,
        provenance=provenance,
    )
    return StaticProbe(info, specs)
