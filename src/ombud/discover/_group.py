"""Hits grouped into candidates: one per repository or service, with a guessed kind.

The service of a file is the nearest folder above it (within the scanned root) holding a
project file; a tree without one is a single candidate named after the root. The guessed
kind uses the inventory's vocabulary (``SystemKind``): an agent framework makes an
``agent``, any LLM call or prompt an ``llm_application``, ML alone a ``decision_model``.
``general_purpose_model`` is never guessed: code cannot tell what a model is for.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ombud.discover._catalog import GO_PACKAGES, JAVA_PACKAGES, JS_PACKAGES, PY_MODULES
from ombud.discover._model import Candidate, Hit, HitKind

__all__ = ["PROJECT_FILES", "group_hits", "guess_kind"]

PROJECT_FILES = (
    "pyproject.toml", "setup.py", "setup.cfg", "package.json", "go.mod", "pom.xml",
    "build.gradle", "build.gradle.kts", "Cargo.toml", ".git",
)  # fmt: skip

_AGENT_PROVIDERS = frozenset(
    lib.provider
    for table in (PY_MODULES, JS_PACKAGES, JAVA_PACKAGES, GO_PACKAGES)
    for lib in table.values()
    if lib.family == "agent"
)


def guess_kind(hits: Sequence[Hit]) -> str:
    if any(h.provider in _AGENT_PROVIDERS for h in hits):
        return "agent"
    if any(h.kind in (HitKind.LLM_API, HitKind.PROMPT_TEMPLATE) for h in hits):
        return "llm_application"
    return "decision_model"


def _service_root(path: Path, root: Path, cache: dict[Path, Path]) -> Path:
    folder = path.parent
    seen: list[Path] = []
    found = root if root.is_dir() else root.parent
    while True:
        if folder in cache:
            found = cache[folder]
            break
        seen.append(folder)
        if any((folder / name).exists() for name in PROJECT_FILES):
            found = folder
            break
        if folder == root or folder.parent == folder or root not in folder.parents:
            break
        folder = folder.parent
    for item in seen:
        cache[item] = found
    return found


def _root_of(path: Path, roots: Sequence[Path]) -> Path:
    best = path
    for root in roots:
        if (path == root or root in path.parents) and (
            best == path or len(root.parts) > len(best.parts)
        ):
            best = root
    return best


def group_hits(hits: Sequence[Hit], roots: Sequence[Path]) -> tuple[Candidate, ...]:
    cache: dict[Path, Path] = {}
    groups: dict[Path, list[Hit]] = {}
    for hit in hits:
        service = _service_root(hit.file, _root_of(hit.file, roots), cache)
        groups.setdefault(service, []).append(hit)
    return tuple(
        Candidate(root, root.name or str(root), guess_kind(items), tuple(items))
        for root, items in sorted(groups.items())
    )
