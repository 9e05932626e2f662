"""Plugin discovery through entry points.

The built-in probes, mutators, detectors and targets are registered in Ombud's own
``pyproject.toml`` under the same groups a third party would use, so there is one
path for everyone and the contract tests cover both. An entry point may name a
plugin object, a zero-argument factory, or a factory returning an iterable of
plugins (a whole probe catalogue). Targets are different: they need configuration,
so their entry point names a factory called with keyword options.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import Any, TypeVar, cast

from ombud.redteam.core._errors import PluginError, UnknownPluginError
from ombud.redteam.core._protocols import Detector, Mutator, Probe, Target

__all__ = [
    "PROBE_GROUP",
    "detector_registry",
    "lookup",
    "mutator_registry",
    "probe_registry",
    "target_factories",
]

PROBE_GROUP = "ombud.probes"
DETECTOR_GROUP = "ombud.detectors"
MUTATOR_GROUP = "ombud.mutators"
TARGET_GROUP = "ombud.targets"

P = TypeVar("P")


def _load_group(group: str, kind: type[Any], key: Callable[[Any], str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for point in sorted(entry_points(group=group), key=lambda ep: ep.name):
        try:
            loaded = point.load()
            produced = loaded() if callable(loaded) and not isinstance(loaded, kind) else loaded
        except Exception as exc:
            raise PluginError(
                f"plugin '{point.name}' in entry-point group {group} ({point.value}) failed to "
                f"load: {exc}; fix or uninstall the package that provides it"
            ) from exc
        items = produced if isinstance(produced, Iterable) else [produced]
        for item in items:
            if not isinstance(item, kind):
                raise PluginError(
                    f"plugin '{point.name}' in {group} gave {type(item).__name__}, which is "
                    f"not a {kind.__name__}"
                )
            found[key(item)] = item
    return found


def probe_registry() -> dict[str, Probe]:
    return cast(dict[str, Probe], _load_group(PROBE_GROUP, Probe, lambda p: p.info.id))


def mutator_registry() -> dict[str, Mutator]:
    return cast(dict[str, Mutator], _load_group(MUTATOR_GROUP, Mutator, lambda m: m.id))


def detector_registry() -> dict[str, Detector]:
    return cast(dict[str, Detector], _load_group(DETECTOR_GROUP, Detector, lambda d: d.id))


def target_factories() -> dict[str, Callable[..., Target]]:
    factories: dict[str, Callable[..., Target]] = {}
    for point in sorted(entry_points(group=TARGET_GROUP), key=lambda ep: ep.name):
        try:
            factories[point.name] = point.load()
        except Exception as exc:
            raise PluginError(
                f"target plugin '{point.name}' ({point.value}) failed to load: {exc}"
            ) from exc
    return factories


def lookup(registry: dict[str, P], wanted: str, kind: str) -> P:
    """Find one plugin by id; an unknown id names the closest registered ones."""
    if wanted in registry:
        return registry[wanted]
    near = difflib.get_close_matches(wanted, list(registry), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(near)}?" if near else "see `ombud redteam probes`"
    raise UnknownPluginError(f"unknown {kind} '{wanted}'; {hint}")
