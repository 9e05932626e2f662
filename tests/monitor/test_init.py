"""The public API of ombud.monitor: curated, importable, layered, documented in docs/monitoring.md.

Oracle: the package's ``__all__`` against the names it exports, the docs page, and the modules
Python actually loaded (no store/services import, so the engine works without a database).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ombud.monitor as monitor


def test_all_names_exist_and_are_unique() -> None:
    assert len(set(monitor.__all__)) == len(monitor.__all__)
    assert all(hasattr(monitor, name) for name in monitor.__all__)
    assert not [name for name in monitor.__all__ if name.startswith("_")]


def test_every_public_name_is_documented() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "monitoring.md").read_text(encoding="utf-8")
    missing = [name for name in monitor.__all__ if f"`{name}" not in doc]
    assert missing == []


def test_importing_the_engine_loads_no_database_layer() -> None:
    code = (
        "import sys, ombud.monitor; "
        "print(sorted(m for m in sys.modules if m.startswith(('ombud.store', 'ombud.services', "
        "'sqlalchemy'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
