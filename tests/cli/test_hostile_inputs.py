"""Hostile and mistaken input through the real ``ombud`` entry point (issue #21).

Every case: exit code 2, one line naming what and how to fix, no traceback, and for the
cases that used to be half-recorded, proof that nothing was: no system, no evidence, no
artifact file, no audit event.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
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
deployment_regions: [DE]
versions:
  - label: "1.0"
classification:
  answers:
    significant_decisions: true
    annex_iii_area: [essential_services]
"""


@pytest.fixture
def ws(invoke: Invoke, tmp_path: Path) -> tuple[str, ...]:
    folder = tmp_path / "ws"
    assert invoke("init", str(folder), "--admin", "ada").code == 0
    w = ("-w", str(folder))
    for user, role in (("olivia", "owner"), ("audrey", "auditor")):
        assert invoke(*w, "--as", "ada", "user", "add", user, "--role", role).code == 0
    return w


def _events(invoke: Invoke, w: tuple[str, ...]) -> int:
    return len(json.loads(invoke(*w, "audit-log", "show", "--limit", "100000", "--json").out))


def _systems(invoke: Invoke, w: tuple[str, ...]) -> list[Any]:
    result: list[Any] = json.loads(invoke(*w, "system", "list", "--json").out)
    return result


def _usage_error(result: Any, *fragments: str) -> None:
    assert result.code == 2, result.err
    assert result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in result.err, result.err


def _register(invoke: Invoke, w: tuple[str, ...], tmp_path: Path, text: str) -> Any:
    manifest = tmp_path / "system.yaml"
    manifest.write_text(text, encoding="utf-8")
    return invoke(*w, "--as", "olivia", "system", "register", "-f", str(manifest))


def test_a_manifest_with_a_bad_answer_registers_nothing(
    invoke: Invoke, ws: tuple[str, ...], tmp_path: Path
) -> None:
    before = _events(invoke, ws)
    bad = MANIFEST + "    social_scoring: perhaps\n"
    result = _register(invoke, ws, tmp_path, bad)
    _usage_error(result, "system.yaml:17:", "social_scoring")
    assert _systems(invoke, ws) == []
    assert _events(invoke, ws) == before
    good = _register(invoke, ws, tmp_path, MANIFEST)
    assert good.code == 0, good.err
    assert [s["id"] for s in _systems(invoke, ws)] == ["credit-scoring"]


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        (
            "name: Credit scoring",
            'name: "Credit\\0scoring"',
            "field 'name' holds the character U+0000",
        ),
        ("name: Credit scoring", "name: Credit \u202eexe.txt", "U+202E"),
        ("deployment_regions: [DE]", "deployment_regions: [ZZ, XX]", "'ZZ' is not an assigned"),
        ('  - label: "1.0"', '  - label: "1.0\\u2066"', "version label"),
        ("purpose: Scores", "purpose: " + "x" * 10_001 + " Scores", "over the limit of 10,000"),
        ("id: credit-scoring", 'id: "credit-scoring\\n"', "not a slug"),
    ],
)
def test_hostile_manifest_fields_are_refused_before_anything_is_written(
    invoke: Invoke, ws: tuple[str, ...], tmp_path: Path, replace: str, by: str, message: str
) -> None:
    before = _events(invoke, ws)
    result = _register(invoke, ws, tmp_path, MANIFEST.replace(replace, by))
    _usage_error(result, "system.yaml:", message)
    assert _systems(invoke, ws) == []
    assert _events(invoke, ws) == before


def test_an_oversized_manifest_is_refused_before_parsing(
    invoke: Invoke, ws: tuple[str, ...], tmp_path: Path
) -> None:
    padding = "# " + "x" * 1000 + "\n"
    result = _register(invoke, ws, tmp_path, MANIFEST + padding * 1100)
    _usage_error(result, "larger than the limit of 1 MiB")
    assert _systems(invoke, ws) == []


def test_region_codes_from_flags_are_checked(invoke: Invoke, ws: tuple[str, ...]) -> None:
    result = invoke(
        *ws, "--as", "olivia", "system", "register", "credit", "--name", "Credit",
        "--purpose", "Scores", "--owner", "olivia", "--team", "risk", "--domain", "lending",
        "--kind", "decision_model", "--role", "deployer", "--automation", "human_on_the_loop",
        "--region", "DE", "--region", "ZZ",
    )  # fmt: skip
    _usage_error(result, "'ZZ' is not an assigned ISO 3166-1 alpha-2")
    assert _systems(invoke, ws) == []


def _with_version(invoke: Invoke, ws: tuple[str, ...], tmp_path: Path) -> None:
    assert _register(invoke, ws, tmp_path, MANIFEST).code == 0


def test_system_update_refuses_made_up_regions(
    invoke: Invoke, ws: tuple[str, ...], tmp_path: Path
) -> None:
    _with_version(invoke, ws, tmp_path)
    before = _events(invoke, ws)
    result = invoke(
        *ws, "--as", "olivia", "system", "update", "credit-scoring", "--set",
        "deployment_regions=ZZ,XX",
    )  # fmt: skip
    _usage_error(result, "'ZZ' is not an assigned")
    assert _events(invoke, ws) == before


def test_supplier_assess_refuses_expired_evidence(
    invoke: Invoke, ws: tuple[str, ...], tmp_path: Path
) -> None:
    _with_version(invoke, ws, tmp_path)
    answers = tmp_path / "acme.yaml"
    answers.write_text("supplier: Acme\nproduct: Box\nanswers:\n  training_data_rights: yes\n")
    before = _events(invoke, ws)
    result = invoke(
        *ws, "--as", "olivia", "supplier", "assess", "credit-scoring", "--version", "1.0",
        "--answers", str(answers), "--valid-days", "-3",
    )  # fmt: skip
    _usage_error(result, "--valid-days -3", "at least 1 day")
    assert _events(invoke, ws) == before


def test_supplier_answers_with_control_characters_are_refused(
    invoke: Invoke, ws: tuple[str, ...], tmp_path: Path
) -> None:
    _with_version(invoke, ws, tmp_path)
    answers = tmp_path / "acme.yaml"
    answers.write_text('supplier: "Acme\\0"\nproduct: Box\nanswers:\n  training_data_rights: yes\n')
    result = invoke(
        *ws, "--as", "olivia", "supplier", "assess", "credit-scoring", "--version", "1.0",
        "--answers", str(answers),
    )  # fmt: skip
    _usage_error(result, "acme.yaml:1:", "U+0000")


def test_a_notification_before_awareness_is_refused(
    invoke: Invoke, ws: tuple[str, ...], tmp_path: Path
) -> None:
    _with_version(invoke, ws, tmp_path)
    aware = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=2)
    reported = invoke(
        *ws, "--as", "olivia", "incident", "report", "--title", "Wrong denials",
        "--severity", "high", "--system", "credit-scoring",
        "--detected", (aware - dt.timedelta(days=1)).isoformat(), "--aware", aware.isoformat(),
        "--json",
    )  # fmt: skip
    assert reported.code == 0, reported.err
    iid = str(json.loads(reported.out)["id"])
    before = _events(invoke, ws)
    early = (aware - dt.timedelta(hours=3)).isoformat()
    result = invoke(
        *ws, "--as", "olivia", "incident", "notify", iid, "--authority", "MSA", "--at", early
    )
    _usage_error(result, "before the organisation became aware")
    assert _events(invoke, ws) == before


# --- audit fairness ------------------------------------------------------------------


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)
    n = 400
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["f", "m"], n),
            "approved": rng.choice(["yes", "no"], n),
            "decision": rng.choice(["yes", "no"], n),
            "y": rng.integers(0, 2, n),
            "yhat": rng.integers(0, 2, n),
            "w": np.zeros(n),
        }
    )
    frame.loc[:5, "y"] = None
    path = tmp_path / "decisions.csv"
    frame.to_csv(path, index=False)
    return path


def _audit(invoke: Invoke, data: Path, *args: str) -> Any:
    return invoke("audit", "fairness", str(data), "--sensitive", "sex", "--n-boot", "0", *args)


def test_yes_no_labels_need_pos_label(invoke: Invoke, csv: Path) -> None:
    result = _audit(invoke, csv, "--label", "approved", "--pred", "decision")
    _usage_error(result, "'approved' is not binary", "pass --pos-label <positive value>")
    assert "pos_label" not in result.err
    assert "multiclass" not in result.err
    ok = _audit(invoke, csv, "--label", "approved", "--pred", "decision", "--pos-label", "yes")
    assert ok.code == 0, ok.err


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--weights", "w", "--on-missing", "drop"), ("'w' is zero on every row",)),
        (("--reference", "nocol=f", "--on-missing", "drop"), ("--reference names ['nocol']",)),
        ((), ("missing (NULL/NaN)", "pass --on-missing drop to drop")),
        (("--on-missing", "skip"), ("--on-missing must be 'raise' or 'drop'",)),
    ],
)
def test_audit_input_errors_name_the_flags(
    invoke: Invoke, csv: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    result = _audit(invoke, csv, "--label", "y", "--pred", "yhat", *args)
    _usage_error(result, *fragments)
    assert "on_missing" not in result.err


def _artifact_files(ws: tuple[str, ...]) -> list[Path]:
    root = Path(ws[1]) / "artifacts"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("who", "system", "version", "code", "message"),
    [
        ("olivia", "credit-scoring", "9.9", 2, "has no version '9.9'"),
        ("olivia", "ghost", "1.0", 2, "no AI system 'ghost'"),
        ("audrey", "credit-scoring", "1.0", 1, "audrey"),
    ],
)
def test_audit_checks_the_target_before_running_and_writes_nothing(
    invoke: Invoke,
    ws: tuple[str, ...],
    csv: Path,
    tmp_path: Path,
    who: str,
    system: str,
    version: str,
    code: int,
    message: str,
) -> None:
    _with_version(invoke, ws, tmp_path)
    before = _events(invoke, ws)
    report = tmp_path / "report.html"
    result = invoke(
        *ws, "--as", who, "audit", "fairness", str(csv), "--sensitive", "sex", "--label", "y",
        "--pred", "yhat", "--on-missing", "drop", "--n-boot", "0", "--system", system,
        "--version", version, "--format", "html", "-o", str(report),
    )  # fmt: skip
    assert result.code == code, result.err
    assert message in result.err
    assert "auditing" not in result.err  # refused before the audit ran
    assert not report.exists()
    assert _artifact_files(ws) == []
    assert _events(invoke, ws) == before


def test_audit_refuses_an_output_folder_that_does_not_exist(invoke: Invoke, csv: Path) -> None:
    result = _audit(
        invoke, csv, "--label", "y", "--pred", "yhat", "-o", str(csv.parent / "nope" / "r.json")
    )
    # A folder that is not there is the environment's fault, not the input's: exit 3.
    assert result.code == 3, result.err
    assert "does not exist; create it or choose another path" in result.err
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("engine", "cli"),
    [
        (
            "column 'y' is not binary 0/1 (values include ['no', 'yes']); "
            "pass pos_label=<positive value>, or multiclass=True",
            "column 'y' is not binary 0/1 (values include ['no', 'yes']); "
            "pass --pos-label <positive value>",
        ),
        (
            "3 row(s) have a missing (NULL/NaN) label, prediction or score; "
            "pass on_missing='drop' to drop and count them",
            "3 row(s) have a missing (NULL/NaN) label, prediction or score; "
            "pass --on-missing drop to drop and count them",
        ),
        (
            "threshold= needs score= (the column it applies to)",
            "--threshold needs --score (the column it applies to)",
        ),
        (
            "pass prediction= (a 0/1 decision column) or score= with threshold=",
            "pass --pred (a 0/1 decision column) or --score with --threshold",
        ),
        (
            "n_boot must be 0 (no bootstrap) or at least 2",
            "--n-boot must be 0 (no bootstrap) or at least 2",
        ),
        ("no rows to audit (the label is empty)", "no rows to audit (the label is empty)"),
    ],
)
def test_engine_messages_are_reworded_with_the_flags(engine: str, cli: str) -> None:
    from ombud.cli.audit_fairness import cli_wording

    assert cli_wording(engine) == cli
