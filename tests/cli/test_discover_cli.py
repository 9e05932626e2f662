"""``ombud discover code`` end to end: formats, exit codes for CI, output files.

Oracle: trees written here with known content, and the labelled corpus; the exit code
follows from which hits a registered system claims.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .conftest import Invoke

CORPUS = Path(__file__).parents[1] / "discover" / "corpus"
MANIFEST = """\
id: support-bot
name: Support bot
purpose: Answers billing questions
owner: ada
owner_team: support
domain: customer_service
kind: llm_application
operator_role: deployer
automation: human_on_the_loop
code_paths: [src]
"""


def _workspace(invoke: Invoke, tmp_path: Path) -> str:
    ws = tmp_path / "ws"
    assert invoke("init", str(ws), "--admin", "ada").code == 0
    return str(ws)


def _app(tmp_path: Path) -> Path:
    app = tmp_path / "app"
    (app / "src").mkdir(parents=True)
    (app / "pyproject.toml").write_text('[project]\nname = "bot"\n')
    (app / "src/bot.py").write_text(
        "import anthropic\n\nclient = anthropic.Anthropic()\n"
        "reply = client.messages.create(model='claude', max_tokens=9, messages=[])\n"
    )
    (app / "system.yaml").write_text(MANIFEST)
    return app


def test_unregistered_usage_fails_and_registering_it_passes(invoke: Invoke, tmp_path: Path) -> None:
    ws = _workspace(invoke, tmp_path)
    app = _app(tmp_path)
    first = invoke("-w", ws, "--as", "ada", "discover", "code", str(app))
    assert first.code == 1, first.err
    assert "Unregistered AI usage" in first.out
    assert "app/src/bot.py:3" in first.out
    assert "2 hit(s) in 1 candidate(s), 2 unregistered" in first.out
    assert "'support-bot', which is not registered" in first.out

    assert invoke("-w", ws, "--as", "ada", "system", "register", "-f",
                  str(app / "system.yaml")).code == 0  # fmt: skip
    second = invoke("-w", ws, "--as", "ada", "discover", "code", str(app), "--format", "json")
    assert second.code == 0, second.err
    data = json.loads(second.out)
    (candidate,) = data["candidates"]
    assert (candidate["status"], candidate["matched_systems"]) == ("registered", ["support-bot"])
    assert {h["matched_by"] for h in candidate["hits"]} == {"manifest system.yaml"}


def test_a_tree_without_ai_passes(invoke: Invoke, tmp_path: Path) -> None:
    ws = _workspace(invoke, tmp_path)
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain/util.py").write_text("import json\nprint(json.dumps({}))\n")
    result = invoke("-w", ws, "discover", "code", str(tmp_path / "plain"))
    assert result.code == 0, result.err
    assert "0 hit(s) in 0 candidate(s), 0 unregistered; 1 file(s) scanned" in result.out


def test_sarif_is_written_to_a_file_for_code_scanning(invoke: Invoke, tmp_path: Path) -> None:
    ws = _workspace(invoke, tmp_path)
    shutil.copytree(CORPUS / "web_chat", tmp_path / "web_chat")
    out = tmp_path / "discover.sarif"
    result = invoke("-w", ws, "discover", "code", "web_chat", "--format", "sarif", "-o", str(out))
    assert result.code == 1
    assert f"wrote {out} (sarif)" in result.err
    log = json.loads(out.read_text(encoding="utf-8"))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {"web_chat/src/chat.ts", "web_chat/src/summarize.js", "web_chat/src/stream.tsx"}


def test_min_confidence_low_shows_import_only_ml(invoke: Invoke, tmp_path: Path) -> None:
    ws = _workspace(invoke, tmp_path)
    (tmp_path / "m").mkdir()
    (tmp_path / "m/metrics.py").write_text("from sklearn.metrics import roc_auc_score\n")
    default = invoke("-w", ws, "discover", "code", "m", "--format", "json")
    low = invoke("-w", ws, "discover", "code", "m", "--format", "json", "--min-confidence", "low")
    assert (default.code, json.loads(default.out)["hits"]) == (0, 0)
    assert (low.code, json.loads(low.out)["hits"]) == (1, 1)
