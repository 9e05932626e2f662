"""The package exposes a curated API, and works as a library with no database."""

from __future__ import annotations

import subprocess
import sys

import ombud.cards as cards


def test_all_names_exist_and_are_public() -> None:
    assert len(cards.__all__) == len(set(cards.__all__))
    for name in cards.__all__:
        assert not name.startswith("_")
        assert hasattr(cards, name), name


def test_engine_imports_no_database_or_cli() -> None:
    """Imported in a fresh interpreter, the engine pulls in neither the store nor the CLI."""
    code = (
        "import sys, ombud.cards; "
        "print(sorted(m for m in sys.modules if m.startswith(('ombud.store', 'ombud.cli', "
        "'ombud.services', 'sqlalchemy', 'weasyprint'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
