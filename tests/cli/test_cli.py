"""The CLI end to end: every write through the services, user mistakes as one line + exit code."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

Invoke = Any  # the `invoke` fixture of tests/cli/conftest.py

MANIFEST = """\
id: credit-scoring
name: Credit scoring
purpose: Scores consumer credit applications
owner: olivia
owner_team: credit-risk
domain: lending
kind: decision_model
operator_role: provider
automation: human_on_the_loop
deployment_regions: [DE, US-CO]
data_categories: [personal_data]
affected_people: [consumers]
classification:
  answers:
    significant_decisions: true
    annex_iii_area: [essential_services]
    annex_iii_essential_services: [creditworthiness]
    art_6_3_conditions: [none]
    profiles_natural_persons: true
"""


def _ws(invoke: Invoke, tmp_path: Path, *extra: str) -> Path:
    ws = tmp_path / "ws"
    result = invoke(*extra, "init", str(ws), "--admin", "ada")
    assert result.code == 0, result.err
    for user, role in (("olivia", "owner"), ("lena", "rai_lead"), ("audrey", "auditor")):
        assert invoke("-w", str(ws), "--as", "ada", "user", "add", user, "--role", role).code == 0
    return ws


def test_register_list_show_transition_and_verify(invoke: Invoke, tmp_path: Path) -> None:
    ws = _ws(invoke, tmp_path)
    w = ("-w", str(ws))
    manifest = tmp_path / "system.yaml"
    manifest.write_text(MANIFEST)
    result = invoke(*w, "--as", "olivia", "system", "register", "-f", str(manifest))
    assert result.code == 0, result.err
    assert "registered 'credit-scoring'" in result.out
    again = invoke(*w, "--as", "olivia", "system", "register", "-f", str(manifest), "--json")
    assert json.loads(again.out)["outcome"] == "unchanged"
    listed = json.loads(invoke(*w, "system", "list", "--json").out)
    assert [(s["id"], s["tier"], s["eu_category"]) for s in listed] == [
        ("credit-scoring", 2, "high_risk")
    ]
    shown = invoke(*w, "system", "show", "credit-scoring")
    assert "Annex III point 5(b)" in shown.out
    assert (
        invoke(
            *w,
            "--as",
            "olivia",
            "system",
            "transition",
            "credit-scoring",
            "in_review",
            "--reason",
            "validated",
        ).code
        == 0
    )
    refused = invoke(
        *w,
        "--as",
        "olivia",
        "system",
        "transition",
        "credit-scoring",
        "approved",
        "--reason",
        "mine",
    )
    assert refused.code == 1
    assert "separation of duties" in refused.err
    assert (
        invoke(
            *w,
            "--as",
            "lena",
            "system",
            "transition",
            "credit-scoring",
            "approved",
            "--reason",
            "board approved",
        ).code
        == 0
    )
    verify = invoke(*w, "audit-log", "verify", "--json")
    assert verify.code == 0
    assert json.loads(verify.out)["ok"] is True
    exported = tmp_path / "log.jsonl"
    assert invoke(*w, "audit-log", "export", "-o", str(exported)).code == 0
    events = [json.loads(line) for line in exported.read_text().splitlines()]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert {"system.register", "system.classify", "system.transition"} <= {
        e["action"] for e in events
    }
    # `show --json` serves the stored events in the shape it had before events were
    # typed: keys in this order, the same values as the export.
    shown = json.loads(invoke(*w, "audit-log", "show", "--json").out)
    assert shown == events[-len(shown) :]
    assert tuple(shown[0]) == (
        "seq", "event_id", "at", "actor", "action", "entity_type", "entity_id",
        "before_digest", "after_digest", "request_id", "details", "prev_hash", "hash",
    )  # fmt: skip


def test_register_from_options_and_version_with_hashed_file(invoke: Invoke, tmp_path: Path) -> None:
    ws = _ws(invoke, tmp_path)
    w = ("-w", str(ws), "--as", "olivia")
    missing = invoke(*w, "system", "register", "chatbot", "--name", "Bot")
    assert missing.code == 2
    assert missing.err.startswith("error: missing --purpose")
    ok = invoke(
        *w,
        "system",
        "register",
        "chatbot",
        "--name",
        "Bot",
        "--purpose",
        "Answers",
        "--owner",
        "olivia",
        "--team",
        "web",
        "--domain",
        "customer_service",
        "--kind",
        "llm_application",
        "--role",
        "deployer",
        "--automation",
        "fully_automated",
        "--region",
        "DE",
        "--region",
        "FR",
    )
    assert ok.code == 0, ok.err
    model = tmp_path / "model.bin"
    model.write_bytes(b"weights")
    added = invoke(
        *w, "system", "version", "add", "chatbot", "1.0", "--model", f"weights={model}", "--json"
    )
    assert added.code == 0, added.err
    # Oracle: hashlib on the same bytes.
    assert json.loads(added.out)["models"][0]["sha256"] == hashlib.sha256(b"weights").hexdigest()
    remote = invoke(
        *w, "system", "version", "add", "chatbot", "1.1", "--model", "weights=s3://bucket/m.bin"
    )
    assert remote.code == 2
    assert "NAME=URI#SHA256" in remote.err
    dup = invoke(*w, "system", "version", "add", "chatbot", "1.0")
    assert dup.code == 1
    assert "immutable" in dup.err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("system", "show", "nope"), 2, "no AI system 'nope'"),  # an unknown name is input
        (
            ("system", "transition", "credit-scoring", "deployed", "--reason", "x"),
            1,
            "may go to: in_review, retired",
        ),
        (("system", "transition", "credit-scoring", "in_review"), 2, "needs a reason"),
        (("system", "update", "credit-scoring", "--set", "domain=banking"), 2, "domain 'banking'"),
        (("system", "update", "credit-scoring", "--set", "colour=red"), 2, "unknown field"),
        (("user", "add", "eve", "--role", "admin"), 1, "may not user.manage"),
        (("user", "add", "eve", "--role", "wizard"), 1, "may not user.manage"),
    ],
)
def test_user_mistakes_are_one_line_with_the_right_exit_code(
    invoke: Invoke, tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    ws = _ws(invoke, tmp_path)
    manifest = tmp_path / "system.yaml"
    manifest.write_text(MANIFEST)
    assert (
        invoke("-w", str(ws), "--as", "olivia", "system", "register", "-f", str(manifest)).code == 0
    )
    result = invoke("-w", str(ws), "--as", "olivia", *args)
    assert result.code == code, result.err
    assert message in result.err
    assert result.err.count("\n") == 1
    assert "Traceback" not in result.err


def test_bad_manifest_names_file_and_line(invoke: Invoke, tmp_path: Path) -> None:
    ws = _ws(invoke, tmp_path)
    manifest = tmp_path / "system.yaml"
    manifest.write_text(MANIFEST.replace("automation: human_on_the_loop", "automation: maybe"))
    result = invoke("-w", str(ws), "--as", "olivia", "system", "register", "-f", str(manifest))
    assert result.code == 2
    assert f"{manifest}:9: automation 'maybe'" in result.err
    assert json.loads(invoke("-w", str(ws), "system", "list", "--json").out) == []


def test_bad_answers_file_is_a_usage_error(invoke: Invoke, tmp_path: Path) -> None:
    ws = _ws(invoke, tmp_path)
    manifest = tmp_path / "system.yaml"
    manifest.write_text(MANIFEST)
    invoke("-w", str(ws), "--as", "olivia", "system", "register", "-f", str(manifest))
    answers = tmp_path / "answers.yaml"
    answers.write_text("social_scoring: perhaps\n")
    result = invoke(
        "-w",
        str(ws),
        "--as",
        "olivia",
        "classify",
        "credit-scoring",
        "--answers",
        str(answers),
        "--no-interactive",
    )
    assert result.code == 2
    assert str(answers) + ":1" in result.err


def test_missing_workspace_and_unreachable_database(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("system", "list")
    assert result.code == 3  # the environment, not the input
    assert "no Ombud workspace" in result.err
    result = invoke("--db", "postgresql://nobody@127.0.0.1:1/none", "init", str(tmp_path / "x"))
    assert result.code == 3
    assert not (tmp_path / "x").exists()  # a failed init leaves nothing
    assert "cannot connect to postgresql+psycopg://nobody@127.0.0.1:1/none" in result.err


def test_workspace_is_found_from_a_subfolder_and_os_user_maps(
    invoke: Invoke, tmp_path: Path
) -> None:
    ws = _ws(invoke, tmp_path)
    sub = ws / "deep" / "er"
    sub.mkdir(parents=True)
    os.chdir(sub)
    whoami = invoke("user", "list", "--json")
    assert whoami.code == 0, whoami.err
    users = json.loads(whoami.out)
    assert "ada" in {u["username"] for u in users}
    # The --json shape served before users were typed: keys and their order, pinned.
    assert tuple(users[0]) == (
        "username", "display_name", "email", "roles", "os_username", "active",
    )  # fmt: skip


def test_tampering_makes_verify_fail(invoke: Invoke, tmp_path: Path) -> None:
    import sqlite3

    ws = _ws(invoke, tmp_path)
    conn = sqlite3.connect(ws / "ombud.db")
    conn.execute("DROP TRIGGER audit_events_no_update")
    conn.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3")
    conn.commit()
    conn.close()
    result = invoke("-w", str(ws), "audit-log", "verify")
    assert result.code == 1
    assert "BROKEN at event #3" in result.err


@pytest.mark.postgres
def test_the_cli_on_postgresql(invoke: Invoke, tmp_path: Path, pg_schema_url: str) -> None:
    ws = _ws(invoke, tmp_path, "--db", pg_schema_url)
    assert "database_url" in (ws / "ombud-workspace.toml").read_text()
    manifest = tmp_path / "system.yaml"
    manifest.write_text(MANIFEST)
    assert (
        invoke("-w", str(ws), "--as", "olivia", "system", "register", "-f", str(manifest)).code == 0
    )
    assert json.loads(invoke("-w", str(ws), "system", "list", "--json").out)[0]["tier"] == 2
    assert invoke("-w", str(ws), "audit-log", "verify").code == 0


def test_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMBUD_")}
    proc = subprocess.run(
        [sys.executable, "-m", "ombud", "system", "list"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 3
    assert proc.stderr.startswith("error: no Ombud workspace")
    assert "Traceback" not in proc.stderr
