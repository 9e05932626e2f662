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

from ombud.redteam.core import (
    Detector,
    Mutator,
    Probe,
    RedteamError,
    Target,
    UnknownPluginError,
    detector_registry,
    lookup,
    mutator_registry,
    probe_registry,
    target_factories,
)
from ombud.redteam.detectors import CanaryDetector, JudgeDetector
from ombud.redteam.importers import prompt_set_probes
from ombud.redteam.probes import attacker_probes
from ombud.redteam.runner._crescendo import CrescendoSettings
from ombud.redteam.runner._execute import AttackerSetup, RunSettings
from ombud.redteam.runner._plan import Plan, build_plan
from ombud.redteam.runner._session import read_json_object

__all__ = [
    "SPEC_NAME",
    "check_spec",
    "detectors_for",
    "make_attacker",
    "make_target",
    "plan_from_spec",
    "public_spec",
    "read_spec",
    "select_probes",
    "settings_from_spec",
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
        "attacker_options": _public(spec.get("attacker_options", {})),
    }


def _needs_attacker(probe_id: str) -> RedteamError:
    return RedteamError(
        f"probe {probe_id} needs an attacker model; pass --attacker-option base_url=URL "
        "--attacker-option model=NAME (OpenAI-compatible)"
    )


def select_probes(patterns: Sequence[str], *, with_attacker: bool = False) -> list[Probe]:
    """Probes by id or glob; attacker-driven probes only when an attacker is configured.

    A glob silently leaves attacker-driven probes out without an attacker (so ``*`` keeps
    working); naming one explicitly without an attacker is an error.
    """
    registry = probe_registry()
    attackers: dict[str, Probe] = dict(attacker_probes())
    chosen: dict[str, Probe] = {}
    for pattern in patterns or ["*"]:
        if any(c in pattern for c in "*?["):
            matched = fnmatch.filter(registry, pattern)
            driven = fnmatch.filter(attackers, pattern)
            if not matched and driven and not with_attacker:
                raise _needs_attacker(driven[0])
            if not matched and not driven:
                raise UnknownPluginError(
                    f"no probe matches '{pattern}'; see `ombud redteam probes`"
                )
            chosen.update({name: registry[name] for name in matched})
            if with_attacker:
                chosen.update({name: attackers[name] for name in driven})
        elif pattern in attackers:
            if not with_attacker:
                raise _needs_attacker(pattern)
            chosen[pattern] = attackers[pattern]
        else:
            chosen[pattern] = lookup(registry, pattern, "probe")
    return list(chosen.values())


def _chains(chains: Sequence[str]) -> list[list[Mutator]]:
    registry = mutator_registry()
    return [[lookup(registry, name, "mutator") for name in chain.split("+")] for chain in chains]


def plan_from_spec(spec: Mapping[str, Any]) -> Plan:
    prompt_sets = spec.get("prompt_sets", [])
    patterns = spec.get("probes", [])
    # With imported prompts and no --probe, run only the imported prompts.
    probes = (
        []
        if prompt_sets and not patterns
        else select_probes(patterns, with_attacker=bool(spec.get("attacker_options")))
    )
    plan = build_plan(
        [*probes, *prompt_set_probes(prompt_sets)],
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


def make_attacker(
    spec: Mapping[str, Any], options: Mapping[str, Any] | None = None
) -> AttackerSetup | None:
    """The OpenAI-compatible attacker model of the spec (plus unstored options), if any."""
    merged = {**spec.get("attacker_options", {}), **(options or {})}
    if not merged:
        return None
    try:
        budget = CrescendoSettings(**spec.get("crescendo", {}))
    except TypeError as exc:
        raise RedteamError(f"crescendo settings: {exc}; use max_turns and max_backtracks") from exc
    return AttackerSetup(make_target("openai", merged), budget)


def make_target(kind: str, options: Mapping[str, Any]) -> Target:
    factory = lookup(target_factories(), kind, "target")
    try:
        return factory(**options)
    except RedteamError:
        raise
    except (TypeError, ValueError, AttributeError) as exc:
        # A constructor fed a value of the wrong type (base_url=5 arrives as a number,
        # since -o values are parsed as JSON) fails with one of these: the user's to fix.
        raise RedteamError(
            f"target '{kind}' does not accept these options: {exc}; see docs/redteam.md"
        ) from exc


def write_spec(run_dir: Path, spec: Mapping[str, Any]) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / SPEC_NAME).write_text(json.dumps(public_spec(spec), indent=2), encoding="utf-8")


_SPEC_TYPES: dict[str, tuple[type, ...]] = {
    "target": (str,),
    "target_options": (dict,),
    "judge_options": (dict,),
    "attacker_options": (dict,),
    "crescendo": (dict,),
    "settings": (dict,),
    "probes": (list,),
    "mutators": (list,),
    "secrets": (list,),
    "prompt_sets": (list,),
    "seed": (int,),
    "include_baseline": (bool,),
}
_WORDS = {
    str: "a string",
    dict: "an object",
    list: "a list",
    int: "an integer",
    bool: "true or false",
}
_SPEC_ITEMS: dict[str, type] = {
    "probes": str,
    "mutators": str,
    "secrets": str,
    "prompt_sets": dict,
}


def check_spec(spec: Mapping[str, Any], where: str) -> None:
    """Raise a one-line ``RedteamError`` naming the first field of ``spec`` of the wrong type."""
    if "target" not in spec:
        raise RedteamError(
            f"{where}: field 'target' is missing; the run spec was edited or damaged"
        )
    for key, kinds in _SPEC_TYPES.items():
        if key not in spec:
            continue
        value = spec[key]
        if not isinstance(value, kinds) or (kinds == (int,) and isinstance(value, bool)):
            raise RedteamError(
                f"{where}: field '{key}' must be {_WORDS[kinds[0]]}, found "
                f"{type(value).__name__} {json.dumps(value, default=str)[:40]}; the run spec "
                "was edited or damaged (start a new run folder)"
            )
        item = _SPEC_ITEMS.get(key)
        if item is None:
            continue
        elements: list[Any] = spec[key]
        for position, element in enumerate(elements):
            if not isinstance(element, item):
                raise RedteamError(
                    f"{where}: field '{key}[{position}]' must be {_WORDS[item]}, found "
                    f"{type(element).__name__}; the run spec was edited or damaged"
                )


def settings_from_spec(spec: Mapping[str, Any], where: str = "run settings") -> RunSettings:
    """The ``RunSettings`` of a spec; unknown keys or wrong types are a one-line error."""
    try:
        return RunSettings(**spec.get("settings", {}))
    except TypeError as exc:
        raise RedteamError(f"{where}: {exc}; the run spec was edited or damaged") from exc


def read_spec(run_dir: Path) -> dict[str, Any]:
    path = run_dir / SPEC_NAME
    if not path.is_file():
        raise RedteamError(
            f"{run_dir} has no {SPEC_NAME}; it was not started by `ombud redteam run`"
        )
    data = read_json_object(path, "the run spec was edited or damaged (start a new run folder)")
    check_spec(data, str(path))
    return data
