"""Benchmark: ``ombud discover code`` against ripgrep over the same tree and patterns.

ripgrep is the floor: it only matches lines (imports of the catalogued libraries and
packages, model-API URLs, chat-role literals) and lists model files by extension, with no
parsing, name resolution, comment stripping, format check or hashing. Ombud parses every
Python file that names a catalogued library, lexes the other languages and hashes model
files. Both read the same files (the same languages; hidden, VCS, dependency and
virtual-environment folders skipped). Results: bench/RESULTS.md.

    PYTHONPATH=src python bench/discover_scan.py [TREE]   # default: the installed transformers
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ombud.discover import Confidence, ScanOptions, scan
from ombud.discover._catalog import (  # the same tables the scanner uses
    API_HOST_PATTERN,
    GO_PACKAGES,
    JAVA_PACKAGES,
    JS_PACKAGES,
    PY_MODULES,
)

_TYPES = ["py", "js", "ts", "java", "go", "kotlin"]
_EXCLUDE = ["node_modules", "vendor", "third_party", "venv", ".venv", "__pycache__", "dist",
            "build", "target"]  # fmt: skip
_MODEL_GLOBS = ["*.gguf", "*.safetensors", "*.onnx", "*.pt", "*.pth", "*.pkl", "*.pickle",
                "*.joblib", "*.h5", "*.keras", "*.tflite", "*.prompt", "*.prompty"]  # fmt: skip


def _pattern() -> str:
    py = "|".join(re.escape(m) for m in PY_MODULES)
    js = "|".join(re.escape(p.rstrip("/")) for p in JS_PACKAGES)
    jv = "|".join(re.escape(p) for p in JAVA_PACKAGES)
    go = "|".join(re.escape(p) for p in GO_PACKAGES)
    return "|".join(
        [
            rf"^\s*(import|from)\s+({py})\b",
            rf"""(from|require\(|import\()\s*['"]({js})""",
            rf"^\s*import\s+(static\s+)?({jv})\.",
            rf'"({go})',
            # ripgrep's engine has no lookahead: the host's trailing boundary is dropped.
            API_HOST_PATTERN.pattern.replace("(?i)", "").split("(?=")[0],
            r"""['"]?role['"]?\s*[:=]\s*['"](system|developer)['"]""",
        ]
    )


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _ripgrep(tree: Path) -> tuple[float, float, int]:
    rg = shutil.which("rg")
    if rg is None:
        raise SystemExit("ripgrep (rg) is not installed: `apt-get install ripgrep`")
    args = [rg, "--no-ignore", "-i", "-n", "--no-heading", "-c"]
    args += [a for t in _TYPES for a in ("-t", t)]
    args += [a for d in _EXCLUDE for a in ("-g", f"!{d}/")]
    started, cpu = time.perf_counter(), _cpu()
    out = subprocess.run([*args, "-e", _pattern(), str(tree)], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        raise SystemExit(f"ripgrep failed: {out.stderr.strip()}")
    files = subprocess.run(
        [rg, "--no-ignore", "--files", *[a for g in _MODEL_GLOBS for a in ("-g", g)], str(tree)],
        capture_output=True,
        text=True,
    )
    wall, used = time.perf_counter() - started, _cpu() - cpu
    lines = sum(int(row.rsplit(":", 1)[1]) for row in out.stdout.splitlines() if ":" in row)
    return wall, used, lines + len(files.stdout.splitlines())


def _ombud(tree: Path) -> tuple[float, float, int, int, int]:
    started, cpu = time.perf_counter(), _cpu()
    result = scan([tree], ScanOptions(min_confidence=Confidence.LOW))
    wall, used = time.perf_counter() - started, _cpu() - cpu
    return wall, used, len(result.hits), result.stats.files_scanned, result.stats.lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    spec = importlib.util.find_spec("transformers")
    default = next(iter(spec.submodule_search_locations)) if spec and spec.origin else "."
    parser.add_argument("tree", nargs="?", default=default)
    tree = Path(parser.parse_args().tree)
    _ripgrep(tree)  # warm the page cache for both
    rg_wall, rg_cpu, rg_matches = _ripgrep(tree)
    om_wall, om_cpu, hits, files, lines = _ombud(tree)
    print(f"tree: {tree} ({files} files, {lines:,} lines)")
    print(f"ripgrep: {rg_wall:.2f} s wall, {rg_cpu:.2f} s CPU, {rg_matches} matching lines/files")
    print(f"ombud:   {om_wall:.2f} s wall, {om_cpu:.2f} s CPU, {hits} hits")
    print(f"ratio (wall): {om_wall / rg_wall:.1f}x the floor")


if __name__ == "__main__":
    sys.exit(main())
