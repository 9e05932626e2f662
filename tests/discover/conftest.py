"""Shared pieces of the discovery tests: the labelled corpus and the model files made for it."""

from __future__ import annotations

import json
import pickle
import re
import shutil
import struct
from pathlib import Path

import joblib
import pytest
from sklearn.linear_model import LogisticRegression

CORPUS = Path(__file__).parent / "corpus"
_EXPECT = re.compile(r"expect: ([^\n]+?)\s*(?:\*/|-->)?\s*$")

#: Model files the test writes (binary), with what the scanner must say of each:
#: a (kind, provider) when it is a model, None when it is not (a false positive if reported).
MODEL_FILES: dict[str, tuple[str, str] | None] = {
    "scoring/models/baseline.joblib": ("model-file", "joblib"),
    "scoring/models/encoder.safetensors": ("model-file", "safetensors"),
    "scoring/models/net.pt": ("model-file", "pytorch"),
    "scoring/models/scorer.onnx": ("model-file", "onnx"),
    "support_bot/models/assistant.gguf": ("model-file", "gguf"),
    "support_bot/models/intent.tflite": ("model-file", "tflite"),
    "scoring/models/lookup.pkl": None,  # a pickled dict: data, not a model
    "support_bot/models/readme.gguf": None,  # text with a model's extension
}


def _write_models(root: Path) -> None:
    import torch  # a CPU build is installed for the red-team detectors

    for rel in MODEL_FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
    model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    joblib.dump(model, root / "scoring/models/baseline.joblib")
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    (root / "scoring/models/encoder.safetensors").write_bytes(
        struct.pack("<Q", len(header)) + header + struct.pack("<2f", 0.5, -0.5)
    )
    torch.save(torch.nn.Linear(2, 1).state_dict(), root / "scoring/models/net.pt")
    # ModelProto: ir_version 9 (field 1), producer_name "skl2onnx" (field 2).
    (root / "scoring/models/scorer.onnx").write_bytes(b"\x08\x09\x12\x08skl2onnx" + bytes(32))
    # GGUF v3 header: magic, version, tensor count 0, metadata count 0.
    (root / "support_bot/models/assistant.gguf").write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 0))
    (root / "support_bot/models/intent.tflite").write_bytes(b"\x1c\x00\x00\x00TFL3" + bytes(24))
    (root / "scoring/models/lookup.pkl").write_bytes(pickle.dumps({"DE": 0.19, "FR": 0.2}))
    (root / "support_bot/models/readme.gguf").write_text("download the model here\n")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the corpus with its model files written in."""
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)
    _write_models(root)
    return root


def expected_hits(root: Path) -> set[tuple[str, int, str, str]]:
    """(file, line, kind, provider) of every labelled hit in ``root``."""
    found: set[tuple[str, int, str, str]] = set()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in {".py", ".ts", ".tsx", ".js", ".java", ".go"}:
            continue
        rel = path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if m := _EXPECT.search(line):
                for item in m.group(1).split(";"):
                    kind, provider = item.strip().split("/")
                    found.add((rel, number, kind, provider))
    for line in (root / "labels.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rel, number, kind, provider = line.split("\t")
            found.add((rel, int(number), kind, provider))
    for rel, label in MODEL_FILES.items():
        if label is not None:
            found.add((rel, 0, *label))
    return found
