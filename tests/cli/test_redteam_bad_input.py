"""Hostile input to ``ombud redteam``: one line naming the file and field, exit 2, no traceback.

Driven through the real entry point (the ``invoke`` fixture), which re-raises anything
that is not one of our own errors, so a traceback fails these tests. Also: up-front
errors leave no run folder, and ``resume`` refuses to mix two targets in one run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ombud.redteam import read_log
from ombud.redteam.testing import ChatServer, Reply

Invoke = Any  # the `invoke` fixture of tests/cli/conftest.py


def _flat(text: str) -> str:
    """Without any whitespace: rich wraps (and folds long paths) at the console width."""
    return "".join(text.split())


def _refuse(request: Any, number: int) -> Reply:
    return Reply(text="I can't share that.")


def _run(invoke: Invoke, out: Path, base_url: str, *extra: str) -> Any:
    return invoke(
        "redteam",
        "run",
        "--out",
        str(out),
        "-o",
        f"base_url={base_url}",
        "-o",
        "model=bot",
        "--probe",
        "leakage.planted_secret",
        "--secret",
        "S3CRET",
        *extra,
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--rpm", "-5"), "--rpm (requests per minute) must be a positive number, got -5.0"),
        (("--tpm", "0"), "--tpm (tokens per minute) must be a positive number"),
        (("--concurrency", "0"), "concurrency must be at least 1"),
        (("--probe", "leakage.nope"), "leakage.planted_secret"),
        (("-o", "temperature=warm"), "target 'openai' does not accept these options"),
        (("-o", "base_url=5"), "target 'openai' does not accept these options"),
        (("-o", "api_key_env=OMBUD_TEST_EMPTY_KEY"), "OMBUD_TEST_EMPTY_KEY is empty"),
        (("--mutator", "rot14"), "rot13"),
    ],
)
def test_up_front_errors_leave_no_run_folder(
    invoke: Invoke, tmp_path: Path, extra: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "run"
    with ChatServer(_refuse) as server:
        result = _run(invoke, out, server.base_url, *extra)
        assert server.requests == 0
    assert result.code == 2, result.out + result.err
    assert _flat(message) in _flat(result.out + result.err)
    assert not out.exists()


def test_out_that_already_holds_attempts_is_refused_before_anything(
    invoke: Invoke, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    with ChatServer(_refuse) as server:
        assert _run(invoke, out, server.base_url).code == 0
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        again = _run(invoke, out, server.base_url, "--seed", "3")
    assert again.code == 2
    assert _flat("already holds attempts") in _flat(again.err)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_resume_refuses_a_different_target_unless_allowed(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "run"
    with ChatServer(_refuse) as first, ChatServer(_refuse) as second:
        assert _run(invoke, out, first.base_url).code == 0
        manifest = (out / "manifest.json").read_text()
        moved = invoke("redteam", "resume", str(out), "-o", f"base_url={second.base_url}")
        assert moved.code == 2
        seen = _flat(moved.err)
        assert _flat("different target") in seen
        assert _flat("--allow-target-change") in seen
        assert _flat(second.base_url) in seen
        assert (out / "manifest.json").read_text() == manifest  # nothing written
        other_model = invoke("redteam", "resume", str(out), "-o", "model=other")
        assert other_model.code == 2
        assert _flat("'bot' -> 'other'") in _flat(other_model.err)

        # make one attempt unfinished so the allowed resume sends something to the new target
        lines = (out / "attempts.jsonl").read_text().splitlines(keepends=True)
        (out / "attempts.jsonl").write_text("".join(lines[:-1]))
        allowed = invoke(
            "redteam",
            "resume",
            str(out),
            "-o",
            f"base_url={second.base_url}",
            "--allow-target-change",
        )
        assert allowed.code == 0, allowed.out
        assert second.requests == 1
    changes = json.loads((out / "manifest.json").read_text())["target_changes"]
    assert len(changes) == 1
    assert changes[0]["from"]["url"].startswith(first.base_url)
    assert changes[0]["to"]["url"].startswith(second.base_url)
    assert len(read_log(out / "attempts.jsonl")) == len(lines)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "run.json:1: not JSON"),
        (b"\xff\xfe\x00binary", "run.json: not UTF-8 text"),
        (b"[1, 2]", "run.json: expected a JSON object, found list"),
        (b'{"probes": ["x"]}', "field 'target' is missing"),
        (b'{"target": "openai", "probes": "leakage.*"}', "field 'probes' must be a list"),
        (b'{"target": "openai", "probes": [7]}', "field 'probes[0]' must be a string"),
        (b'{"target": 5}', "field 'target' must be a string"),
        (b'{"target": "openai", "seed": "one"}', "field 'seed' must be an integer"),
        (b'{"target": "openai", "settings": {"speed": 1}}', "unexpected keyword argument 'speed'"),
        (b'{"target": "openai", "settings": {"concurrency": "8"}}', "run settings"),
        (b'{"target": "openai", "target_options": []}', "field 'target_options' must be an object"),
    ],
)
def test_resume_of_a_damaged_run_json_is_one_line(
    invoke: Invoke, tmp_path: Path, content: bytes, message: str
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.json").write_bytes(content)
    (out / "manifest.json").write_text('{"plan_sha256": "x", "target": {"type": "openai"}}')
    result = invoke("redteam", "resume", str(out))
    seen = _flat(result.out + result.err)
    assert result.code == 2, seen
    assert _flat(message) in seen
    assert "Traceback" not in seen
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "run.json"]


@pytest.mark.parametrize(
    "content",
    [b"{oops", b"[]", b'{"target": "not an object", "plan_sha256": "x"}'],
)
def test_resume_of_a_damaged_manifest_is_one_line(
    invoke: Invoke, tmp_path: Path, content: bytes
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.json").write_text('{"target": "openai", "target_options": {"model": "m"}}')
    (out / "manifest.json").write_bytes(content)
    result = invoke("redteam", "resume", str(out), "-o", "base_url=http://127.0.0.1:9/v1")
    assert result.code == 2
    assert _flat("manifest.json") in _flat(result.err)


GARAK_OK = {
    "entry_type": "attempt",
    "status": 2,
    "probe_classname": "dan.Dan_11_0",
    "prompt": "hi",
    "outputs": ["a"],
    "detector_results": {"dan.DAN": [1.0]},
}


@pytest.mark.parametrize(
    ("fmt", "content", "message"),
    [
        ("garak", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "report.jsonl:1: not UTF-8 text"),
        ("promptfoo", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "report.jsonl:1: not UTF-8 text"),
        ("promptfoo", b"[]", "expected a promptfoo results object"),
        ("promptfoo", b'[{"prompt": "x"}]', "found a JSON list"),
        ("promptfoo", b'{"results": {"results": [5]}}', "results.results[0]: 'row' must be"),
        (
            "promptfoo",
            b'{"results": {"results": [{"metadata": "harmful"}]}}',
            "results.results[0]: 'metadata' must be an object",
        ),
        (
            "promptfoo",
            b'{"results": {"results": [{"response": "text", "success": false}]}}',
            "'response' must be an object",
        ),
        (
            "promptfoo",
            b'{"results": {"results": [{"success": false, "score": "high"}]}}',
            "'score' must be a number or null",
        ),
        ("promptfoo", b'{"results": {"results": []}}', "results.results is empty"),
        ("garak", json.dumps({**GARAK_OK, "outputs": 5}).encode(), ":1: 'outputs' must be a list"),
        (
            "garak",
            json.dumps({**GARAK_OK, "detector_results": [1.0]}).encode(),
            "'detector_results' must be an object",
        ),
        (
            "garak",
            json.dumps({**GARAK_OK, "detector_results": {"dan.DAN": 1.0}}).encode(),
            "'detector_results.dan.DAN' must be a list",
        ),
        (
            "garak",
            json.dumps({**GARAK_OK, "detector_results": {"dan.DAN": ["high"]}}).encode(),
            "'detector_results.dan.DAN[0]' must be a number or null",
        ),
        (
            "garak",
            json.dumps({**GARAK_OK, "probe_classname": 7}).encode(),
            "'probe_classname' must be a probe class name",
        ),
        ("garak", b'{"entry_type": "start_run setup"}\n', "no evaluated attempt"),
        ("garak", b"[1]\n", "report.jsonl:1: expected a JSON object per line"),
    ],
)
def test_import_of_a_malformed_file_is_one_line(
    invoke: Invoke, tmp_path: Path, fmt: str, content: bytes, message: str
) -> None:
    source = tmp_path / "report.jsonl"
    source.write_bytes(content)
    out = tmp_path / "imported"
    result = invoke("redteam", "import", str(source), "--out", str(out), "--format", fmt)
    seen = _flat(result.out + result.err)
    assert result.code == 2, seen
    assert _flat(message) in seen
    assert _flat(str(source)) in seen
    assert not out.exists()


def test_a_garak_import_still_works_after_the_checks(invoke: Invoke, tmp_path: Path) -> None:
    source = tmp_path / "report.jsonl"
    source.write_text(json.dumps(GARAK_OK) + "\n")
    result = invoke("redteam", "import", str(source), "--out", str(tmp_path / "i"))
    assert result.code == 0, result.out
    (attempt,) = read_log(tmp_path / "i" / "attempts.jsonl")
    assert attempt.verdict is not None
    assert attempt.verdict.value == "hit"


@pytest.mark.parametrize(
    "command",
    [
        ("compare", "{missing}", "{missing}"),
        ("report", "{missing}"),
        ("rescore", "{missing}", "--out", "{other}"),
        ("resume", "{missing}"),
    ],
)
def test_a_folder_that_is_not_a_run_is_one_line(
    invoke: Invoke, tmp_path: Path, command: tuple[str, ...]
) -> None:
    missing, other = tmp_path / "not-a-run", tmp_path / "other"
    missing.mkdir()
    args = [part.format(missing=missing, other=other) for part in command]
    result = invoke("redteam", *args)
    assert result.code == 2, result.out + result.err
    assert _flat(str(missing)) in _flat(result.err)
    assert not other.exists()
