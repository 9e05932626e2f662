"""Walk source trees and dispatch each file to the reader for its language.

The walk never follows a symlink (a link loop cannot trap it, a link cannot lead it
outside the tree), skips version-control, dependency and virtual-environment folders,
and counts every file it leaves out by reason, so a report can say what it did not read.
"""

from __future__ import annotations

import ast
import fnmatch
import io
import os
import tokenize
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ombud.discover._clike import markers_in, scan_clike
from ombud.discover._errors import ScanPathError
from ombud.discover._files import PROMPT_DIRS, is_manifest, model_file, prompt_file, sha256_of
from ombud.discover._group import group_hits
from ombud.discover._model import (
    Confidence,
    Hit,
    HitKind,
    ScanResult,
    ScanStats,
    SystemMarker,
)
from ombud.discover._python import RawHit, markers, might_hit, scan_python, scan_python_lines

__all__ = ["DEFAULT_MAX_FILE_BYTES", "SKIPPED_DIRS", "ScanOptions", "check_paths", "scan"]

#: Source files larger than this are skipped (counted): generated or minified code.
DEFAULT_MAX_FILE_BYTES = 1 << 20

#: Folders never entered: VCS data, dependencies, virtual environments, caches, builds.
SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", "bower_components", ".venv", "venv",
        "site-packages", "__pycache__", "vendor", "third_party", "third-party",
        ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".eggs",
        "dist", "build", "target", ".next", ".gradle", ".idea",
    }
)  # fmt: skip

_LANGUAGES = {
    ".py": "python",
    ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "js",
    ".ts": "js", ".tsx": "js", ".mts": "js", ".cts": "js",
    ".java": "java", ".kt": "java", ".kts": "java",
    ".go": "go",
}  # fmt: skip
_YAML = frozenset({".yaml", ".yml"})


@dataclass(frozen=True)
class ScanOptions:
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    min_confidence: Confidence = Confidence.LOW
    exclude: tuple[str, ...] = ()
    hash_models: bool = True


def _excluded(path: Path, root: Path, patterns: tuple[str, ...]) -> bool:
    if not patterns:
        return False
    rel = path.relative_to(root).as_posix()
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(path.name, p) for p in patterns)


def _walk(root: Path, options: ScanOptions, stats: ScanStats) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        keep = []
        for name in sorted(dirs):
            sub = here / name
            if sub.is_symlink():
                stats.symlinks += 1
            elif (
                name in SKIPPED_DIRS
                or (name.startswith(".") and name != ".")
                or (sub / "pyvenv.cfg").exists()
                or _excluded(sub, root, options.exclude)
            ):
                stats.skipped_dirs += 1
            else:
                keep.append(name)
        dirs[:] = keep
        for name in sorted(files):
            path = here / name
            if path.is_symlink():
                stats.symlinks += 1
            elif not _excluded(path, root, options.exclude):
                yield path


def _read_text(data: bytes, python: bool, stats: ScanStats) -> str | None:
    """The text of a source file: UTF-8, or for Python the PEP 263 coding it declares."""
    if b"\x00" in data[:8192]:
        stats.binary += 1
        return None
    encoding = "utf-8-sig"
    if python:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError:  # an unknown coding name
            stats.undecodable += 1
            return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        stats.undecodable += 1
        return None


def _package_of(path: Path) -> str:
    """The top-level package a Python file belongs to ('' for a script outside packages)."""
    folder, name = path.parent, ""
    while (folder / "__init__.py").exists() and folder.parent != folder:
        name, folder = folder.name, folder.parent
    return name


def _python(
    path: Path, data: bytes, text: str, stats: ScanStats
) -> tuple[list[RawHit], list[tuple[int, str]]]:
    if not might_hit(text):
        return [], markers(text)
    try:
        with warnings.catch_warnings():  # invalid escapes in scanned code are not our warnings
            warnings.simplefilter("ignore")
            tree = ast.parse(data)
    except (SyntaxError, ValueError):
        stats.unparsable += 1  # e.g. Python 2: its imports are still read, line by line
        return scan_python_lines(text), []
    return scan_python(tree, text, _package_of(path)), markers(text)


def _scan_file(
    path: Path, options: ScanOptions, stats: ScanStats
) -> tuple[list[Hit], list[SystemMarker], bool]:
    """Hits and markers of one file, and whether it is a system manifest."""
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        model = model_file(path)
        if model is not None:
            fmt, confidence, what = model
            stats.files_scanned += 1
            if confidence.rank < options.min_confidence.rank:
                return [], [], False
            digest = sha256_of(path) if options.hash_models else None
            hit = Hit(path, 0, HitKind.MODEL_FILE, fmt, confidence, what, "binary", size, digest)
            return [hit], [], False
        language = _LANGUAGES.get(suffix)
        wanted = language or suffix in _YAML or suffix in {".prompt", ".prompty"}
        if not wanted and not _maybe_prompt(path):
            return [], [], False
        if size > options.max_file_bytes:
            stats.too_large += 1
            return [], [], False
        data = path.read_bytes()
    except OSError:
        stats.unreadable += 1
        return [], [], False
    text = _read_text(data, language == "python", stats)
    if text is None:
        return [], [], False
    stats.files_scanned += 1
    stats.lines += text.count("\n") + 1
    raw: list[RawHit] = []
    found: list[tuple[int, str]] = []
    manifest = False
    if language == "python":
        raw, found = _python(path, data, text, stats)
    elif language is not None:
        raw, lexed = scan_clike(text, language)
        found = markers_in(lexed)
    elif suffix in _YAML and is_manifest(text):
        manifest = True
    if language is None and (prompt := prompt_file(path, text)):
        first = " ".join(text.strip().splitlines()[0].split())[:120] if text.strip() else ""
        raw.append(
            RawHit(0, HitKind.PROMPT_TEMPLATE, "prompt-file", prompt[0], f"{prompt[1]}: {first}")
        )
    hits = [
        Hit(path, r.line, r.kind, r.provider, r.confidence, r.evidence, language or "text")
        for r in raw
        if r.confidence.rank >= options.min_confidence.rank
    ]
    return hits, [SystemMarker(path, line, sid) for line, sid in found], manifest


def _maybe_prompt(path: Path) -> bool:
    return path.suffix.lower() in {".jinja", ".jinja2", ".j2"} or any(
        part.lower() in PROMPT_DIRS for part in path.parent.parts[-3:]
    )


def check_paths(paths: Iterable[Path]) -> tuple[Path, ...]:
    """The paths as absolute paths; ``ScanPathError`` names the first that does not exist."""
    given_paths = list(paths)
    roots = tuple(Path(os.path.abspath(p)) for p in given_paths)
    if not roots:
        raise ScanPathError("give at least one file or folder to scan")
    for given, root in zip(given_paths, roots, strict=True):
        if not root.exists():
            raise ScanPathError(f"{given}: no such file or folder; give a path to scan")
    return roots


def scan(paths: Iterable[Path], options: ScanOptions | None = None) -> ScanResult:
    """Scan files and folders for AI usage; nothing found is executed or imported.

    Raises ``ScanPathError`` before any work when a path does not exist.
    """
    options = options or ScanOptions()
    roots = check_paths(paths)
    stats = ScanStats()
    hits: list[Hit] = []
    found_markers: list[SystemMarker] = []
    manifests: list[Path] = []
    for root in roots:
        for path in _walk(root, options, stats):
            file_hits, file_markers, manifest = _scan_file(path, options, stats)
            hits.extend(file_hits)
            found_markers.extend(file_markers)
            if manifest:
                manifests.append(path)
    candidates = group_hits(hits, roots)
    return ScanResult(roots, candidates, tuple(found_markers), tuple(manifests), stats)
