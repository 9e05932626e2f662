"""Target factories that need a little glue before construction."""

from __future__ import annotations

import importlib
from typing import Any

from ombud.redteam.core import RedteamError
from ombud.redteam.targets._builtin import CallableTarget

__all__ = ["python_target"]


def python_target(*, function: str, **_: Any) -> CallableTarget:
    """A ``CallableTarget`` from ``"package.module:function"`` (for the CLI and entry points)."""
    module_name, _sep, attribute = function.partition(":")
    if not attribute:
        raise RedteamError(f"python target needs 'module:function', got '{function}'")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise RedteamError(f"cannot import python target '{function}': {exc}") from exc
    return CallableTarget(found, name=function)
