"""Building a run from a plain spec (what the CLI parses and ``run.json`` stores).

Resume and rescore rebuild the same plan and detectors from the stored spec, so a
run folder is self-describing. Secrets are never stored: option names that look like
credentials are dropped and must be given again (or read from the environment).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ombud.redteam._detectors import CanaryDetector
from ombud.redteam._errors import RedteamError, UnknownPluginError
from ombud.redteam._judge import JudgeDetector
from ombud.redteam._plan import Plan, build_plan
from ombud.redteam._protocols import Detector, Mutator, Probe, Target
from ombud.redteam._registry import (
    detector_registry,
    lookup,
    mutator_registry,
    probe_registry,
    target_factories,
)

__all__ = [
    "SPEC_NAME",
    "detectors_for",
    "make_target",
    "plan_from_spec",
    "public_spec",
    "read_spec",
    "select_probes",
    "write_spec",
]

SPEC_NAME = "run.json"
_SECRET_WORDS = ("key", "token", "secret", "password", "authorization")


def _public(options: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in options.items()
        if k.lower().endswith("_env") or not any(word in k.lower() for word in _SECRET_WORDS)
    }


def public_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **spec,
        "target_options": _public(spec.get("target_options", {})),
        "judge_options": _public(spec.get("judge_options", {})),
    }


def select_probes(patterns: Sequence[str]) -> list[Probe]:
    registry = probe_registry()
    chosen: dict[str, Probe] = {}
    for pattern in patterns or ["*"]:
        if any(c in pattern for c in "*?["):
            matched = fnmatch.filter(registry, pattern)
            if not matched:
                raise UnknownPluginError(
                    f"no probe matches '{pattern}'; see `ombud redteam probes`"
                )
            chosen.update({name: registry[name] for name in matched})
        else:
            chosen[pattern] = lookup(registry, pattern, "probe")
    return list(chosen.values())


def _chains(chains: Sequence[str]) -> list[list[Mutator]]:
    registry = mutator_registry()
    return [[lookup(registry, name, "mutator") for name in chain.split("+")] for chain in chains]


def plan_from_spec(spec: Mapping[str, Any]) -> Plan:
    plan = build_plan(
        select_probes(spec.get("probes", [])),
        _chains(spec.get("mutators", [])),
        seed=int(spec.get("seed", 0)),
        include_baseline=bool(spec.get("include_baseline", True)),
    )
    if not spec.get("judge_options"):
        return plan
    # The judge scores every attempt in addition to the probe's own detectors; detectors
    # are not part of an attempt's id, so resume still matches.
    judged = tuple(replace(a, detectors=(*a.detectors, "judge")) for a in plan.attempts)
    return Plan(judged, plan.problems)


def detectors_for(
    secrets: Sequence[str], judge_options: Mapping[str, Any] | None = None
) -> dict[str, Detector]:
    detectors = detector_registry()
    detectors["canary"] = CanaryDetector(tuple(secrets))
    if judge_options:
        detectors["judge"] = JudgeDetector(make_target("openai", judge_options))
    return detectors


def make_target(kind: str, options: Mapping[str, Any]) -> Target:
    factory = lookup(target_factories(), kind, "target")
    try:
        return factory(**options)
    except TypeError as exc:
        raise RedteamError(f"target '{kind}' does not accept these options: {exc}") from exc


def write_spec(run_dir: Path, spec: Mapping[str, Any]) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / SPEC_NAME).write_text(json.dumps(public_spec(spec), indent=2), encoding="utf-8")


def read_spec(run_dir: Path) -> dict[str, Any]:
    path = run_dir / SPEC_NAME
    if not path.exists():
        raise RedteamError(
            f"{run_dir} has no {SPEC_NAME}; it was not started by `ombud redteam run`"
        )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
