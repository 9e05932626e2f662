"""Prompt sets from files named in a run spec, turned into probes.

The spec stores each file's absolute path, format and license, so ``resume`` rebuilds
the same probes; if a file changed since, the plan hash differs and resume refuses
rather than mixing two versions of a prompt set in one log.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ombud.redteam.core import PromptSetError
from ombud.redteam.importers._formats import (
    probe_from_csv,
    probe_from_garak_data,
    probe_from_pyrit_yaml,
)
from ombud.redteam.probes import StaticProbe

__all__ = ["PROMPT_FORMATS", "prompt_set_entry", "prompt_set_probes"]

PROMPT_FORMATS = ("csv", "pyrit", "garak-data")
DEFAULT_LICENSE = "unspecified"
DEFAULT_DETECTORS = ("compliance",)


def prompt_set_entry(
    path: Path, fmt: str, license: str | None, detectors: Sequence[str] = ()
) -> dict[str, Any]:
    """The spec entry for one file; checks the format and that the file exists."""
    if fmt not in PROMPT_FORMATS:
        raise PromptSetError(
            f"--prompts-format must be one of {', '.join(PROMPT_FORMATS)}, got '{fmt}'"
        )
    if not path.is_file():
        raise PromptSetError(f"{path}: no such prompt file; check the --prompts path")
    return {
        "path": str(path.resolve()),
        "format": fmt,
        "license": license or DEFAULT_LICENSE,
        "detectors": list(detectors or DEFAULT_DETECTORS),
    }


def _load(entry: Mapping[str, Any], probe_id: str) -> StaticProbe:
    path = Path(entry["path"])
    common: dict[str, Any] = {
        "probe_id": probe_id,
        "category": "imported",
        "detectors": tuple(entry.get("detectors") or DEFAULT_DETECTORS),
        "license": str(entry.get("license") or DEFAULT_LICENSE),
    }
    loaders: dict[str, Callable[[], StaticProbe]] = {
        "csv": lambda: probe_from_csv(path, provenance=path.name, **common),
        "pyrit": lambda: probe_from_pyrit_yaml(path, **common),
        "garak-data": lambda: probe_from_garak_data(path, provenance=path.name, **common),
    }
    loader = loaders.get(str(entry.get("format")))
    if loader is None:
        raise PromptSetError(f"{path}: unknown prompt format {entry.get('format')!r}")
    try:
        return loader()
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PromptSetError(f"{path}: cannot read prompts ({exc}); check the file") from exc


def prompt_set_probes(entries: Sequence[Mapping[str, Any]]) -> list[StaticProbe]:
    """One probe per file, ``imported.<file stem>`` (numbered if two stems clash)."""
    probes: list[StaticProbe] = []
    seen: set[str] = set()
    for entry in entries:
        stem = Path(entry["path"]).stem
        probe_id, number = f"imported.{stem}", 1
        while probe_id in seen:
            number += 1
            probe_id = f"imported.{stem}.{number}"
        seen.add(probe_id)
        probes.append(_load(entry, probe_id))
    return probes
