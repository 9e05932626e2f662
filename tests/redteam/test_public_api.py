"""The package exposes a curated API: everything in ``__all__`` exists, nothing private leaks."""

from __future__ import annotations

import ombud.redteam as redteam


def test_all_names_exist_and_are_public() -> None:
    assert len(redteam.__all__) == len(set(redteam.__all__))
    for name in redteam.__all__:
        assert not name.startswith("_")
        assert hasattr(redteam, name), name


def test_engine_imports_no_database_or_cli() -> None:
    """Imported in a fresh interpreter, the engine pulls in neither the store nor the CLI."""
    import subprocess
    import sys

    code = (
        "import sys, ombud.redteam; "
        "print(sorted(m for m in sys.modules if m.startswith(('ombud.store', 'ombud.cli', "
        "'ombud.services', 'sqlalchemy'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
