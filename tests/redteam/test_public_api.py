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


SUBPACKAGES = (
    "core",
    "probes",
    "mutators",
    "targets",
    "detectors",
    "importers",
    "runner",
    "reports",
)


def test_each_subpackage_has_a_curated_api() -> None:
    """Every role subpackage lists public names only, all of which exist, and re-exports
    (not copies) what the top level exports from it."""
    import importlib

    for name in SUBPACKAGES:
        module = importlib.import_module(f"ombud.redteam.{name}")
        assert module.__all__, name
        assert len(module.__all__) == len(set(module.__all__)), name
        for exported in module.__all__:
            assert not exported.startswith("_"), (name, exported)
            assert hasattr(module, exported), (name, exported)
            if exported in redteam.__all__:
                assert getattr(redteam, exported) is getattr(module, exported)


def test_every_top_level_name_comes_from_a_subpackage_api() -> None:
    """The top-level API is the union of the subpackages' (nothing reaches a private module)."""
    import importlib

    offered = set()
    for name in SUBPACKAGES:
        offered |= set(importlib.import_module(f"ombud.redteam.{name}").__all__)
    assert set(redteam.__all__) <= offered


def test_pyproject_entry_points_name_public_objects() -> None:
    """Read from pyproject.toml, not from the installed metadata (which is only refreshed by
    a reinstall): every plugin entry point imports and names a subpackage's public API."""
    import importlib
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    groups = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["entry-points"]
    assert set(groups) == {"ombud.probes", "ombud.mutators", "ombud.detectors", "ombud.targets"}
    for group, points in groups.items():
        for point, value in points.items():
            module_name, _sep, attribute = value.partition(":")
            module = importlib.import_module(module_name)
            assert module_name.rsplit(".", 1)[-1] in SUBPACKAGES, (group, point, value)
            assert attribute in module.__all__, (group, point, value)
            assert callable(getattr(module, attribute)), (group, point, value)
