"""Reading XGBoost and LightGBM models from the files those libraries write themselves.

Both formats are plain data (XGBoost: JSON or UBJSON, a binary JSON; LightGBM: a text
file of trees) parsed by the library's own reader, so nothing in the file runs. The kind
is recognised from the first bytes: a LightGBM model begins with the line ``tree``, an
XGBoost model is an object whose first key is ``learner`` (in JSON, or length-prefixed in
UBJSON). LightGBM 4.7's reader parses trees in an OpenMP region and, on a damaged file,
aborts the whole process ("terminate called without an active exception") instead of
raising; so a LightGBM file is first read by a child Python process, and only a file the
child read cleanly is read here (the child's ``[Fatal]`` line is the reason given). When
the file's *name* promises one of these kinds and the content is not it
(a CSV renamed ``model.json``, an XGBoost model given as ``model.txt`` is fine, a data
file given as ``model.txt`` is not), the refusal names the kind that was expected.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from ombud.explain._boosters import adapt
from ombud.explain._errors import ModelFileError

__all__ = ["native_kind", "read_native"]

_HEAD = 4096
_EXPECTED = {
    ".json": ("xgboost-json", "an XGBoost model in JSON (written by Booster.save_model)"),
    ".ubj": ("xgboost-ubj", "an XGBoost model in UBJSON (written by Booster.save_model)"),
    ".txt": ("lightgbm-text", "a LightGBM text model (written by Booster.save_model)"),
}


def _looks_like(head: bytes) -> str:
    """A few words on what a file that is not the expected model seems to be."""
    if head.startswith(b"PK"):
        return "it is a zip archive (a skops file? name it .skops)"
    if head.startswith(b"\x80"):
        return "it is a pickle"
    if head.startswith((b"tree\n", b"tree\r\n")):
        return "it is a LightGBM text model (name it .txt)"
    if head.startswith(b"{") and b"learner" in head[:32]:
        return "it is an XGBoost model (name it .json or .ubj)"
    if not head.strip():
        return "it is empty"
    line = head.splitlines()[0][:60].decode("utf-8", "replace") if head.splitlines() else ""
    return f"it begins {line!r}"


def native_kind(file: Path) -> str | None:
    """``xgboost-json``, ``xgboost-ubj``, ``lightgbm-text`` or None (not a native model).

    Raises :class:`ModelFileError` when the suffix promises a native model the content is
    not, naming the expected kind.
    """
    with file.open("rb") as handle:
        head = handle.read(_HEAD)
    if head.startswith((b"tree\n", b"tree\r\n")):
        return "lightgbm-text"
    stripped = head.lstrip()
    if stripped.startswith(b"{"):
        if b'"learner"' in stripped[:64]:
            return "xgboost-json"
        if b"learner" in stripped[:32]:
            return "xgboost-ubj"
    expected = _EXPECTED.get(file.suffix.lower())
    if expected is None:
        return None
    raise ModelFileError(
        f"{file}: expected {expected[1]}, but {_looks_like(head)}; give the model file "
        "itself (.json/.ubj for XGBoost, .txt for LightGBM, .skops for scikit-learn)"
    )


def _short(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = next((line for line in lines if not line.startswith("Stack trace")), type(exc).__name__)
    return text[:200]


def _xgboost(file: Path, kind: str) -> Any:
    try:
        import xgboost
    except ImportError:
        raise ModelFileError(
            f"{file}: is an XGBoost model, but xgboost is not installed; pip install "
            "'ombud[boosters]'"
        ) from None
    booster = xgboost.Booster()
    try:
        # From memory, not by path: the library then tells JSON from UBJSON by content.
        booster.load_model(bytearray(file.read_bytes()))
    except xgboost.core.XGBoostError as exc:
        fmt = "JSON" if kind == "xgboost-json" else "UBJSON"
        raise ModelFileError(
            f"{file}: a damaged XGBoost {fmt} model (xgboost says: {_short(exc)}); save "
            "it again with save_model"
        ) from None
    return booster


#: The child that tries the file through LightGBM's C API (the library alone, without
#: importing the Python package, so it starts in a fraction of a second): exit 0 when
#: the library reads the file.
_TRY_LIGHTGBM = (
    "import ctypes, sys\n"
    "lib = ctypes.cdll.LoadLibrary(sys.argv[1])\n"
    "handle, trees = ctypes.c_void_p(), ctypes.c_int()\n"
    "code = lib.LGBM_BoosterCreateFromModelfile(\n"
    "    sys.argv[2].encode(), ctypes.byref(trees), ctypes.byref(handle))\n"
    "sys.exit(1 if code else 0)\n"
)
_CHILD_SECONDS = 120


def _lightgbm_reads(file: Path, library: str) -> None:
    """Raise :class:`ModelFileError` unless a child process reads ``file`` cleanly."""
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _TRY_LIGHTGBM, library, str(file)],
            capture_output=True,
            text=True,
            # A damaged file makes lightgbm echo bytes from past the data it parsed (seen:
            # 0xd9 0x7f), which are not UTF-8: replace them rather than fail on its output.
            encoding="utf-8",
            errors="replace",
            timeout=_CHILD_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ModelFileError(
            f"{file}: lightgbm did not finish reading the model in {_CHILD_SECONDS} s; "
            "check the file"
        ) from None
    if done.returncode == 0:
        return
    fatal = re.findall(r"\[LightGBM\] \[Fatal\] (.+)", done.stderr)
    reason = fatal[0].strip() if fatal else _short(Exception(done.stderr or "it crashed"))
    raise ModelFileError(
        f"{file}: a damaged LightGBM text model (lightgbm says: {reason[:200]}); save it "
        "again with Booster.save_model"
    )


def _lightgbm(file: Path) -> Any:
    try:
        import lightgbm
    except ImportError:
        raise ModelFileError(
            f"{file}: is a LightGBM model, but lightgbm is not installed; pip install "
            "'ombud[boosters]'"
        ) from None
    # The wheel's shared library (lightgbm/lib/lib_lightgbm.so, .dylib or .dll).
    found = sorted((Path(lightgbm.__file__).parent / "lib").glob("lib_lightgbm.*"))
    if not found:
        raise ModelFileError(
            f"{file}: lightgbm's shared library is not in its package folder; reinstall "
            "lightgbm from its wheel"
        )
    _lightgbm_reads(file, str(found[0]))
    try:
        text = file.read_text(encoding="utf-8")
        return lightgbm.Booster(model_str=text)
    except (lightgbm.basic.LightGBMError, UnicodeDecodeError, ValueError) as exc:
        raise ModelFileError(
            f"{file}: a damaged LightGBM text model (lightgbm says: {_short(exc)}); save it "
            "again with Booster.save_model"
        ) from None


def read_native(file: Path, kind: str) -> Any:
    """The model in ``file`` (of ``kind``, from :func:`native_kind`), wrapped by ``adapt``."""
    booster = _lightgbm(file) if kind == "lightgbm-text" else _xgboost(file, kind)
    return adapt(booster)
