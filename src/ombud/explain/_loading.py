"""Loading a model file without running code nobody vouched for.

A pickle (and a joblib file, which is a pickle) is a program: unpickling it can run any
function the file names. So:

* a ``.skops`` file is read with ``skops.io``, which rebuilds only types on its trusted
  list; any other type in the file is refused, and the error lists them so a person can
  review each and pass it in ``trusted=`` (the types are not accepted wholesale);
* any other file (pickle, joblib, or anything that is not a skops archive) is refused
  unless the caller passes ``trust=True`` *and* the file's sha256 equals
  ``expected_sha256``, the digest pinned when the model was registered — so a file that
  changed after review is refused even when trusted.

* an XGBoost model saved in its own JSON or UBJSON format (``.json``/``.ubj``, written by
  ``Booster.save_model`` or ``XGBClassifier.save_model``) and a LightGBM text model
  (``.txt``, ``Booster.save_model``) are data, not programs: each library's own parser
  reads trees and numbers and runs nothing from the file, so they load without trust.

The format is recognised by content, not by name: a pickle renamed ``model.skops`` is not
a zip archive and is refused as a pickle. The name only says what was *expected* when the
content is not that: a ``.json`` file that is not an XGBoost model, or a ``.txt`` file that
is not a LightGBM model, is refused with the kind it should have been, never handed to
the pickle path.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ombud.explain._errors import UnsafeModelError
from ombud.explain._native import native_kind, read_native
from ombud.records import sha256_file

__all__ = ["LoadedModel", "load_model"]


@dataclass(frozen=True)
class LoadedModel:
    """A model read from disk, with what is needed to record where it came from."""

    model: Any
    path: str
    sha256: str
    format: str
    trusted_types: tuple[str, ...] = ()


def _is_skops(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return "schema.json" in archive.namelist()


def _load_skops(path: Path, trusted: Sequence[str], digest: str) -> LoadedModel:
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(file=path)
    except Exception as exc:  # a damaged archive: skops raises whatever its reader hit
        raise UnsafeModelError(f"{path}: not a readable skops file ({exc})") from None
    unknown = sorted(t for t in untrusted if t not in set(trusted))
    if unknown:
        raise UnsafeModelError(
            f"{path}: the skops file holds types that are not trusted: {', '.join(unknown)}; "
            "review each and pass them in trusted=[...] if they are safe"
        )
    accepted = tuple(sorted(t for t in untrusted if t in set(trusted)))
    model = skops.io.load(path, trusted=list(accepted) or None)
    return LoadedModel(model, str(path), digest, "skops", accepted)


def load_model(
    path: str | Path,
    *,
    trusted: Sequence[str] = (),
    trust: bool = False,
    expected_sha256: str | None = None,
) -> LoadedModel:
    """Load a model file safely (see the module docstring for the rules).

    XGBoost and LightGBM models come back wrapped (:func:`ombud.explain._boosters.adapt`)
    so every explainer calls them the scikit-learn way.
    """
    file = Path(path)
    if not file.is_file():
        raise UnsafeModelError(f"{file}: no such model file; check the path")
    digest = sha256_file(str(file))
    if _is_skops(file):
        return _load_skops(file, trusted, digest)
    kind = native_kind(file)
    if kind is not None:
        model = read_native(file, kind)
        return LoadedModel(model, str(file), digest, kind)
    how = (
        "save the model with skops.io.dump instead, or pass trust=True together with "
        "expected_sha256 set to the digest pinned on the system version"
    )
    if not trust:
        raise UnsafeModelError(
            f"{file}: not a skops archive, so refusing to load a pickle/joblib file (loading "
            f"runs code from the file; a data file given as the model ends here too); {how}"
        )
    if expected_sha256 is None:
        raise UnsafeModelError(
            f"{file}: trust=True needs expected_sha256 (the pinned digest); {how}"
        )
    if digest != expected_sha256.strip().lower():
        raise UnsafeModelError(
            f"{file}: sha256 is {digest}, not the pinned {expected_sha256}; the file changed "
            "since it was pinned: do not load it, re-review and re-pin the model"
        )
    import joblib  # type: ignore[import-untyped]

    return LoadedModel(joblib.load(file), str(file), digest, "pickle")
