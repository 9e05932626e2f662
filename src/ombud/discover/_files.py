"""Files that are AI by what they are: serialized models and prompt templates.

A model file is known by its extension and confirmed by its first bytes (the GGUF magic,
a safetensors JSON header, a zip holding ``data.pkl`` for PyTorch, HDF5's signature, a
pickle naming an ML module): a confirmed file is a high-confidence hit, an unconfirmed one
low. Nothing is loaded or unpickled: pickles are read opcode by opcode with
``pickletools``, which never executes them.
"""

from __future__ import annotations

import hashlib
import io
import pickletools
import re
import struct
import zipfile
from pathlib import Path

from ombud.discover._model import Confidence

__all__ = [
    "MODEL_EXTENSIONS",
    "PROMPT_DIRS",
    "PROMPT_EXTENSIONS",
    "is_manifest",
    "model_file",
    "prompt_file",
    "sha256_of",
]

MODEL_EXTENSIONS: dict[str, str] = {
    ".gguf": "gguf",
    ".safetensors": "safetensors",
    ".onnx": "onnx",
    ".pt": "pytorch",
    ".pth": "pytorch",
    ".pkl": "pickle",
    ".pickle": "pickle",
    ".joblib": "joblib",
    ".h5": "keras-hdf5",
    ".keras": "keras",
    ".tflite": "tflite",
}
PROMPT_EXTENSIONS = frozenset({".prompt", ".prompty"})
_TEMPLATE_EXTENSIONS = frozenset({".jinja", ".jinja2", ".j2"})
_PROMPT_DIR_EXTENSIONS = frozenset(
    {".txt", ".md", ".yaml", ".yml", ".json", ".tmpl", ".mustache", ".hbs", ".jinja", ".j2"}
)
PROMPT_DIRS = frozenset({"prompts", "prompt", "prompt_templates", "prompt-templates"})
_ROLE_MARKERS = re.compile(
    r"(?im)^\s*(?:system|user|assistant|developer)\s*:|"
    r"[\"']?role[\"']?\s*:\s*[\"']?(?:system|user|assistant|developer)\b|"
    r"<\|im_start\|>|<\|start_header_id\|>|\[INST\]|<<SYS>>|"
    r"message\[['\"]role['\"]\]|^\s*#{1,3}\s*(?:instruction|system prompt)\b|"
    r"\byou are an? (?:helpful|expert|assistant|ai\b)"
)
_ML_PICKLE_MODULES = re.compile(
    r"^(sklearn|xgboost|lightgbm|catboost|torch|tensorflow|keras|transformers|statsmodels|"
    r"skops|imblearn)\b"
)
_HEAD = 1 << 20  # bytes read to confirm a model file's format


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pickle_names_ml(data: bytes) -> str | None:
    """The first ML module a pickle's opcodes name (GLOBAL/STACK_GLOBAL), or None."""
    strings: list[str] = []
    try:
        for opcode, arg, _pos in pickletools.genops(io.BytesIO(data)):
            if opcode.name == "GLOBAL" and isinstance(arg, str):
                strings.append(arg.split(" ", 1)[0])
            elif opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE") and isinstance(
                arg, str
            ):
                strings.append(arg)
            if opcode.name == "STOP":
                break
    except (
        ValueError,
        EOFError,
        IndexError,
        struct.error,
    ):  # truncated or foreign: judge what was read
        pass
    for text in strings:
        if m := _ML_PICKLE_MODULES.match(text):
            return m.group(1)
    return None


def _confirm(path: Path, fmt: str) -> tuple[bool, str]:
    """Whether the first bytes confirm the format the extension claims, and what they say."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
    if fmt == "gguf":
        return head[:4] == b"GGUF", "GGUF header"
    if fmt == "safetensors":
        if len(head) < 10:
            return False, "too short for a safetensors header"
        (size,) = struct.unpack("<Q", head[:8])
        return head[8:9] == b"{" and 0 < size < (100 << 20), "safetensors JSON header"
    if fmt == "tflite":
        return head[4:8] == b"TFL3", "TFLite flatbuffer"
    if fmt in ("keras-hdf5",):
        return head[:8] == b"\x89HDF\r\n\x1a\n", "HDF5 signature"
    if fmt == "onnx":
        # ModelProto starts with field 1, ir_version, a small varint (tag 0x08).
        return len(head) > 2 and head[0] == 0x08 and 1 <= head[1] <= 30, "ONNX protobuf"
    if head[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return False, "damaged zip archive"
        if any(n.endswith("data.pkl") for n in names):
            return True, "PyTorch zip archive"
        if fmt == "keras" and "config.json" in names:
            return True, "Keras archive"
        if "schema.json" in names:
            return True, "skops archive"
        return False, "zip archive"
    if head[:1] == b"\x80":
        module = _pickle_names_ml(head)
        if module:
            return True, f"pickle of {module} objects"
        return False, "pickle naming no ML library"
    return False, "unrecognised content"


def model_file(path: Path) -> tuple[str, Confidence, str] | None:
    """(format, confidence, evidence) of a model file, or None for another extension."""
    fmt = MODEL_EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        return None
    confirmed, what = _confirm(path, fmt)
    if confirmed:
        return fmt, Confidence.HIGH, what
    return fmt, Confidence.LOW, f"{path.suffix} file, {what}"


def prompt_file(path: Path, text: str) -> tuple[Confidence, str] | None:
    """Whether a text file is a prompt template, with the reason."""
    suffix = path.suffix.lower()
    marked = _ROLE_MARKERS.search(text)
    if suffix in PROMPT_EXTENSIONS:
        return Confidence.HIGH, f"{suffix} file"
    in_prompt_dir = any(part.lower() in PROMPT_DIRS for part in path.parent.parts[-3:])
    if in_prompt_dir and suffix in _PROMPT_DIR_EXTENSIONS:
        if marked:
            return Confidence.HIGH, f"in a prompts folder, role marker {marked.group(0).strip()!r}"
        return Confidence.MEDIUM, "in a prompts folder"
    if suffix in _TEMPLATE_EXTENSIONS and marked:
        return Confidence.HIGH, f"template with role marker {marked.group(0).strip()!r}"
    return None


_MANIFEST_KEYS = tuple(
    re.compile(p) for p in (r"(?m)^id:\s*\S", r"(?m)^owner_team:", r"(?m)^kind:")
)


def is_manifest(text: str) -> bool:
    """A YAML file with an Ombud system manifest's top-level keys (id, owner_team, kind)."""
    return all(p.search(text) for p in _MANIFEST_KEYS)
