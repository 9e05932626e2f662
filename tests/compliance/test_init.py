"""The curated public API of ombud.compliance, and its place in the layers."""

from __future__ import annotations

import subprocess
import sys

import ombud.compliance as compliance


def test_all_names_exist_and_are_sorted() -> None:
    assert compliance.__all__ == sorted(compliance.__all__)
    for name in compliance.__all__:
        assert hasattr(compliance, name), name


def test_importing_the_engine_loads_no_upper_layer() -> None:
    """Oracle: a fresh interpreter's sys.modules after ``import ombud.compliance``."""
    code = (
        "import sys, ombud.compliance\n"
        "bad = [m for m in sys.modules if m.split('.')[:2] in (['ombud','store'],"
        "['ombud','services'],['ombud','cli'],['ombud','web'],['ombud','governance'])]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_public_function_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "classification.md").read_text(encoding="utf-8")
    functions = [name for name in compliance.__all__ if name[0].islower()]
    assert [name for name in functions if f"{name}(" not in doc] == []
