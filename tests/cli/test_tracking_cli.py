"""Evidence, findings, incidents and supplier commands end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

Invoke = Any  # the `invoke` fixture of tests/cli/conftest.py

TODAY = dt.datetime.now(dt.UTC).date()
ANSWERS = """\
supplier: Acme Scoring Ltd
product: ScoreBox 3
answered_by: compliance@acme.example
answers:
  training_data_provenance: yes
  training_data_rights: yes
  evaluation_by_group: some_groups
  evaluation_results_shared: yes
  redteam_done: internal_team
  incident_notification: yes
  incident_contact: {answer: security@acme.example, comment: staffed 24/7}
  value_chain_cooperation: yes
  modification_notice: yes
  technical_documentation: yes
  data_retention: fixed_period
  customer_data_training: never
  subprocessors_disclosed: no
"""


def _workspace(invoke: Invoke, tmp_path: Path, *extra: str) -> tuple[str, ...]:
    """A workspace with users, a system and a version; returns the leading CLI options."""
    folder = tmp_path / "ws"
    assert invoke(*extra, "init", str(folder), "--admin", "ada").code == 0
    w = ("-w", str(folder))
    for user, role in (("olivia", "owner"), ("lena", "rai_lead"), ("audrey", "auditor")):
        assert invoke(*w, "--as", "ada", "user", "add", user, "--role", role).code == 0
    result = invoke(
        *w, "--as", "olivia", "system", "register", "credit", "--name", "Credit",
        "--purpose", "Scores applications", "--owner", "olivia", "--team", "risk",
        "--domain", "lending", "--kind", "decision_model", "--role", "deployer",
        "--automation", "human_on_the_loop", "--vendor", "Acme",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert invoke(*w, "--as", "olivia", "system", "version", "add", "credit", "1.0").code == 0
    return w


@pytest.fixture
def ws(invoke: Invoke, tmp_path: Path) -> tuple[str, ...]:
    """On SQLite: the CLI is a thin adapter, the services are tested on both databases."""
    return _workspace(invoke, tmp_path)


@pytest.mark.postgres
def test_incident_flow_on_postgresql(invoke: Invoke, tmp_path: Path, pg_schema_url: str) -> None:
    test_incident_clock_notify_close(invoke, _workspace(invoke, tmp_path, "--db", pg_schema_url))


def _events(invoke: Invoke, w: tuple[str, ...]) -> int:
    return len(json.loads(invoke(*w, "audit-log", "show", "--limit", "100000", "--json").out))


def test_evidence_attach_list_show(invoke: Invoke, ws: tuple[str, ...], tmp_path: Path) -> None:
    report = tmp_path / "audit-report.pdf"
    report.write_bytes(b"%PDF-1.4 signed third-party audit")
    expires = (TODAY + dt.timedelta(days=180)).isoformat()
    result = invoke(
        *ws, "--as", "olivia", "evidence", "attach", "credit", "--version", "1.0",
        "--kind", "third_party_audit", "--file", str(report), "--summary", "Annual audit",
        "--metric", "audit.findings.high=2", "--verdict", "audit.overall=concern",
        "--expires", expires, "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    attached = json.loads(result.out)
    assert attached["expires_at"][:10] == expires
    assert attached["metrics"] == {"audit.findings.high": 2.0}
    assert attached["artifacts"][0]["media_type"] == "application/pdf"
    listed = json.loads(invoke(*ws, "evidence", "list", "credit", "--kind", "third_party_audit",
                               "--json").out)  # fmt: skip
    assert [e["id"] for e in listed] == [attached["id"]]
    assert (
        json.loads(invoke(*ws, "evidence", "list", "credit", "--version", "9", "--json").out) == []
    )
    shown = invoke(*ws, "evidence", "show", str(attached["id"]))
    assert "verdict audit.overall: concern" in shown.out
    before = _events(invoke, ws)
    bad = invoke(*ws, "--as", "olivia", "evidence", "attach", "credit", "--version", "1.0",
                 "--kind", "rumour", "--file", str(report))  # fmt: skip
    assert bad.code == 2
    assert "evidence kind 'rumour' is unknown" in bad.err
    past = invoke(*ws, "--as", "olivia", "evidence", "attach", "credit", "--version", "1.0",
                  "--kind", "fria", "--file", str(report), "--expires", "2020-01-01")  # fmt: skip
    assert past.code == 2
    assert "not after today" in past.err
    assert invoke(*ws, "evidence", "show", "999").code == 2  # unknown id: an input error
    assert _events(invoke, ws) == before


def test_finding_lifecycle_and_refusals(
    invoke: Invoke, ws: tuple[str, ...], tmp_path: Path
) -> None:
    due = (TODAY + dt.timedelta(days=10)).isoformat()
    opened = invoke(
        *ws, "--as", "lena", "finding", "open", "credit", "--title", "No drift monitor",
        "--severity", "high", "--owner", "olivia", "--due", due, "--source", "review",
        "--ref", "review-3", "--json",
    )  # fmt: skip
    assert opened.code == 0, opened.err
    fid = str(json.loads(opened.out)["id"])
    before = _events(invoke, ws)
    past = (TODAY - dt.timedelta(days=1)).isoformat()
    refused = invoke(*ws, "--as", "lena", "finding", "update", fid, "--due", past)
    assert refused.code == 2
    assert "is in the past" in refused.err
    no_evidence = invoke(*ws, "--as", "olivia", "finding", "resolve", fid, "--note", "done")
    assert no_evidence.code == 2
    assert "at least one evidence id" in no_evidence.err
    unknown_owner = invoke(*ws, "--as", "lena", "finding", "update", fid, "--owner", "ghost")
    assert unknown_owner.code == 2
    bad_move = invoke(*ws, "--as", "audrey", "finding", "verify", fid)
    assert bad_move.code == 1
    assert "cannot go from open to verified" in bad_move.err
    assert _events(invoke, ws) == before
    doc = tmp_path / "monitor.md"
    doc.write_text("drift monitor runbook")
    ev = json.loads(
        invoke(
            *ws,
            "--as",
            "olivia",
            "evidence",
            "attach",
            "credit",
            "--version",
            "1.0",
            "--kind",
            "documentation",
            "--file",
            str(doc),
            "--json",
        ).out
    )
    assert invoke(*ws, "--as", "olivia", "finding", "resolve", fid, "--evidence", str(ev["id"]),
                  "--note", "monitor live").code == 0  # fmt: skip
    own = invoke(*ws, "--as", "olivia", "finding", "verify", fid)
    assert own.code == 1
    assert "separation of duties" in own.err
    assert invoke(*ws, "--as", "audrey", "finding", "verify", fid).code == 0
    shown = invoke(*ws, "finding", "show", fid)
    assert "verified by audrey" in shown.out
    soon = json.loads(invoke(*ws, "finding", "list", "--expiring-within", "30", "--json").out)
    assert soon == []  # verified findings are done


def test_finding_import_and_accept_risk(
    invoke: Invoke, ws: tuple[str, ...], tmp_path: Path
) -> None:
    report = tmp_path / "ext.csv"
    report.write_text("title,severity,reference\nWeak consent,moderate,A-1\nNo DPIA,high,A-2\n")
    result = invoke(*ws, "--as", "lena", "finding", "import", str(report), "--system", "credit",
                    "--owner", "olivia", "--due-in-days", "20", "--json")  # fmt: skip
    assert result.code == 0, result.err
    ids = [f["id"] for f in json.loads(result.out)]
    assert len(ids) == 2
    before = _events(invoke, ws)
    broken = tmp_path / "broken.csv"
    broken.write_text("title,severity\nfine,low\n,high\n")
    failed = invoke(*ws, "--as", "lena", "finding", "import", str(broken), "--system", "credit",
                    "--owner", "olivia", "--due-in-days", "5")  # fmt: skip
    assert failed.code == 2
    assert failed.err.startswith("error: broken.csv row 3: column 'title' is empty")
    assert _events(invoke, ws) == before
    expires = (TODAY + dt.timedelta(days=60)).isoformat()
    accepted = invoke(*ws, "--as", "lena", "finding", "accept-risk", str(ids[0]),
                      "--justification", "consent fixed in Q2", "--expires", expires)  # fmt: skip
    assert accepted.code == 0, accepted.err
    table = invoke(*ws, "finding", "list", "--expiring-within", "90")
    assert f"risk_accepted until {expires}" in table.out
    assert json.loads(invoke(*ws, "finding", "list", "--overdue", "--json").out) == []


def test_incident_clock_notify_close(invoke: Invoke, ws: tuple[str, ...]) -> None:
    aware = (dt.datetime.now(dt.UTC) - dt.timedelta(days=16)).replace(microsecond=0)
    reported = invoke(
        *ws, "--as", "olivia", "incident", "report", "--title", "Wrong denials",
        "--severity", "high", "--system", "credit", "--serious",
        "--detected", (aware - dt.timedelta(hours=5)).isoformat(), "--aware", aware.isoformat(),
        "--json",
    )  # fmt: skip
    assert reported.code == 0, reported.err
    incident = json.loads(reported.out)
    iid = str(incident["id"])
    assert incident["art73_clock"]["state"] == "overdue"  # 16 days > 15 (Art. 73(2))
    assert incident["art73_clock"]["deadline"] == (aware + dt.timedelta(days=15)).isoformat()
    shown = invoke(*ws, "incident", "show", iid)
    assert "OVERDUE by 1d" in shown.out
    assert "Art. 73(2)" in shown.out
    suspend = invoke(*ws, "--as", "lena", "incident", "update", iid, "--suspend", "--reason", "x")
    assert suspend.code == 1  # the system is proposed, not deployed
    assert "nothing to suspend" in suspend.err
    assert invoke(*ws, "--as", "lena", "incident", "update", iid, "--note", "cause found").code == 0
    assert invoke(*ws, "--as", "lena", "incident", "notify", iid, "--authority", "BNetzA",
                  "--reference", "K-7").code == 0  # fmt: skip
    closed = invoke(*ws, "--as", "lena", "incident", "close", iid, "--review", "threshold bug")
    assert closed.code == 0, closed.err
    assert "LATE" in closed.out
    before = _events(invoke, ws)
    refused = invoke(*ws, "--as", "lena", "incident", "notify", iid, "--authority", "again")
    assert refused.code == 1
    assert f"incident {iid} is closed" in refused.err
    assert _events(invoke, ws) == before
    listed = invoke(*ws, "incident", "list", "--status", "closed")
    assert "notified_late" in listed.out


def test_supplier_questions_and_assess(invoke: Invoke, ws: tuple[str, ...], tmp_path: Path) -> None:
    questions = invoke("supplier", "questions")
    assert "value_chain_cooperation" in questions.out
    answers = tmp_path / "acme.yaml"
    answers.write_text(ANSWERS)
    result = invoke(*ws, "--as", "olivia", "supplier", "assess", "credit", "--version", "1.0",
                    "--answers", str(answers), "--json")  # fmt: skip
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["passed"] is True
    assert data["evidence"]["kind"] == "supplier_questionnaire"
    # Oracle, by hand from the shipped weights: all full marks except evaluation_by_group
    # (0.5 x 3), redteam_done (0.6 x 2), data_retention (0.7 x 2), subprocessors (0 x 1):
    # weights sum to 28; earned = 28 - 1.5 - 0.8 - 0.6 - 1 = 24.1.
    assert data["evidence"]["metrics"]["supplier.score"] == pytest.approx(24.1 / 28)
    before = _events(invoke, ws)
    answers.write_text(ANSWERS.replace("redteam_done: internal_team", "redteam_done: sometimes"))
    bad = invoke(*ws, "--as", "olivia", "supplier", "assess", "credit", "--version", "1.0",
                 "--answers", str(answers))  # fmt: skip
    assert bad.code == 2
    assert bad.err.startswith(f"error: {answers}:9: answer 'sometimes' to 'redteam_done'")
    assert _events(invoke, ws) == before


def test_supplier_assess_interactively(
    invoke: Invoke, ws: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong answer is asked again; blank answers default to 'unknown' (never a pass)."""
    lines = ["Acme", "ScoreBox", "", "perhaps", "yes"] + [""] * 12
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    result = invoke(*ws, "--as", "olivia", "supplier", "assess", "credit", "--version", "1.0",
                    "--interactive", "--json")  # fmt: skip
    assert result.code == 0, result.err
    # the prompts are echoed on stdout before the JSON document
    evidence = json.loads(result.out[result.out.index("{\n") :])["evidence"]
    assert evidence["metrics"]["supplier.item.training_data_provenance"] == 1.0
    assert evidence["verdicts"]["supplier.training_data_rights"] == "insufficient"
    assert "is not one of: yes, no, unknown" in result.err
