"""Hostile input through every command family: one line, the right code, nothing half-done.

Each row of ``CASES`` is one bad input and what a user must see. The runner, for every
row: copies a template workspace (users, a registered system with version 1.0), writes
the row's input files, optionally damages the workspace, runs the real ``ombud`` entry
point in-process and checks

- the exit code is the row's (never 0) and the output holds no ``Traceback``;
- standard error is ONE line, holding every ``says`` text (the file, field or row);
- for an undamaged workspace: no table gained or lost a row (no partial record), and
  ``ombud audit-log verify`` still passes; and no ``*.partial`` file is left anywhere.

To add a row: append a ``Case`` to ``CASES`` (or a ``*_CASES`` list below). In ``argv``,
``says`` and ``files`` names, ``{ws}`` is the workspace copy, ``{in}`` the folder of the
row's files and ``{tmp}`` the test's scratch folder. ``as_user`` picks the acting user,
``damage`` breaks the copy before the command, ``workspace=False`` runs without ``-w``
(for ``init`` and library-only commands). Exit codes are those of ``cli/_errors.py``.
"""

from __future__ import annotations

import pickle
import shutil
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import skops.io
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from ombud.cli._errors import EXIT_ENVIRONMENT, EXIT_FAILURE, EXIT_USAGE
from ombud.cli.main import run

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
versions:
  - label: "1.0"
"""

ANSWERS = """\
significant_decisions: true
annex_iii_area: [essential_services]
annex_iii_essential_services: [creditworthiness]
art_6_3_conditions: [none]
profiles_natural_persons: true
"""

POLICY = """\
name: corpus
version: "1"
tiers:
  1: &all
    evidence: [{kind: fairness_audit, max_age_days: 30}]
    rules:
      - id: four-fifths
        description: selection rates within four-fifths
        verdict: "fairness.*.four_fifths"
        not_in: [fail]
  2: *all
  3: *all
  4: *all
waivers:
  - {rule: four-fifths, system: credit-scoring, reason: pilot, approved_by: lena,
     expires: 2027-03-31}
"""

DATASHEET = "dataset: faq\nmotivation:\n  purpose: tuning\n"

SUPPLIER = """\
supplier: Acme Scoring Ltd
product: ScoreBox 3
answered_by: compliance@acme.example
answers:
  training_data_provenance: yes
"""

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\xff\xfe\x00"
HUGE = "x" * (200 * 1024)


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    code: int
    says: tuple[str, ...] = ()
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    as_user: str = "ada"
    workspace: bool = True
    damage: Callable[[Path], None] | None = None


def _sql(ws: Path, *statements: str) -> None:
    connection = sqlite3.connect(ws / "ombud.db")
    try:
        for statement in statements:
            connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


def _drop_audit_events(ws: Path) -> None:
    _sql(ws, "DROP TABLE audit_events")


def _drop_systems(ws: Path) -> None:
    _sql(ws, "PRAGMA foreign_keys=OFF", "DROP TABLE ai_systems")


def _details_not_json(ws: Path) -> None:
    _sql(
        ws,
        "DROP TRIGGER audit_events_no_update",  # what someone editing the file by hand does
        "UPDATE audit_events SET details = '{not json' WHERE seq = 3",
    )


def _settings_point_nowhere(ws: Path) -> None:
    settings = ws / "ombud-workspace.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text + 'database_url = "sqlite:////nonexistent/folder/ombud.db"\n', encoding="utf-8"
    )


def _settings_not_toml(ws: Path) -> None:
    (ws / "ombud-workspace.toml").write_text("[workspace\nformat = 1\n", encoding="utf-8")


def _chain_key_lost(ws: Path) -> None:
    (ws / "keys" / "audit-chain.key").unlink()


def _yaml_family(
    name: str, argv: tuple[str, ...], valid: str, as_user: str = "ada", empty_ok: bool = False
) -> list[Case]:
    """The malformed-file rows every YAML-reading command must survive.

    ``empty_ok``: an empty file is a valid input there (no answers yet), so no row for it.
    """
    file = f"{{in}}/{name}"
    broken_date = valid.replace("\n", "\nwhen: 2026-13-01\n", 1)
    first_key = valid.split(":", 1)[0]
    return [
        Case(f"{name}-syntax", argv, EXIT_USAGE, (f"{file}:2", "not valid YAML"),
             {name: valid.split("\n", 1)[0] + "\n  : [unclosed\n"}, as_user),
        Case(f"{name}-impossible-date", argv, EXIT_USAGE, (f"{file}:2", "2026-13-01"),
             {name: broken_date}, as_user),
        Case(f"{name}-duplicate-key", argv, EXIT_USAGE,
             (f"{file}:", f"duplicate key '{first_key}'"),
             {name: valid + valid.split("\n", 1)[0] + "\n"}, as_user),
        Case(f"{name}-binary", argv, EXIT_USAGE, (file, "not UTF-8"), {name: PNG}, as_user),
        # found by the mutation fuzzing below: PyYAML's reader error spanned two lines
        Case(f"{name}-control-char", argv, EXIT_USAGE, (f"{file}:2", "U+0000"),
             {name: valid.replace("\n", "\nx\x00y: 1\n", 1)}, as_user),
        *([] if empty_ok else [Case(f"{name}-empty", argv, EXIT_USAGE, (file,), {name: ""},
                                    as_user)]),
        Case(f"{name}-a-list", argv, EXIT_USAGE, (file,), {name: "- just\n- a list\n"}, as_user),
        Case(f"{name}-missing", argv, EXIT_USAGE, (file, "not found"), {}, as_user),
    ]  # fmt: skip


MANIFEST_CASES = [
    *_yaml_family("system.yaml", ("system", "register", "-f", "{in}/system.yaml"), MANIFEST,
                  "olivia"),
    Case("manifest-wrong-type", ("system", "register", "-f", "{in}/system.yaml"), EXIT_USAGE,
         ("{in}/system.yaml:", "deployment_regions"),
         {"system.yaml": MANIFEST.replace("[DE, US-CO]", "{a: 1}")}, "olivia"),
    Case("manifest-date-in-version", ("system", "register", "-f", "{in}/system.yaml"),
         EXIT_USAGE, ("{in}/system.yaml:14", "2026-13-01"),
         {"system.yaml": MANIFEST.replace('"1.0"', "2026-13-01")}, "olivia"),
]  # fmt: skip

ANSWER_CASES = _yaml_family(
    "answers.yaml", ("classify", "credit-scoring", "--answers", "{in}/answers.yaml",
                     "--no-interactive"), ANSWERS, "olivia", empty_ok=True,
)  # fmt: skip

POLICY_CASES = [
    *_yaml_family("policy.yaml", ("policy", "validate", "{in}/policy.yaml"), POLICY),
    Case("policy-waiver-impossible-date", ("policy", "validate", "{in}/policy.yaml"),
         EXIT_USAGE, ("{in}/policy.yaml:16", "2027-02-30"),
         {"policy.yaml": POLICY.replace("2027-03-31", "2027-02-30")}),
    Case("gate-policy-impossible-date", ("gate", "check", "credit-scoring", "--policy",
         "{in}/policy.yaml"), EXIT_USAGE, ("{in}/policy.yaml:16", "2027-13-31"),
         {"policy.yaml": POLICY.replace("2027-03-31", "2027-13-31")}),
]  # fmt: skip

DATASHEET_CASES = [
    *_yaml_family("ds.yaml", ("card", "dataset", "credit-scoring", "--datasheet",
                  "{in}/ds.yaml"), DATASHEET),
    Case("annex-iv-supplement-date", ("card", "annex-iv", "credit-scoring", "--supplement",
         "{in}/sup.yaml"), EXIT_USAGE, ("{in}/sup.yaml:1", "2026-02-31"),
         {"sup.yaml": "standards.applied: 2026-02-31\n"}),
]  # fmt: skip

SUPPLIER_CASES = _yaml_family(
    "supplier.yaml", ("supplier", "assess", "credit-scoring", "--version", "1.0", "--answers",
                      "{in}/supplier.yaml"), SUPPLIER, "lena",
)  # fmt: skip

IMPORT = ("finding", "import", "{in}/report.csv", "--system", "credit-scoring", "--owner",
          "olivia")  # fmt: skip
FINDING_CASES = [
    Case("import-huge-field", IMPORT, EXIT_USAGE, ("report.csv row 2", "131072 characters"),
         {"report.csv": f"title,severity\n{HUGE},low\n"}, "lena"),
    Case("import-binary", IMPORT, EXIT_USAGE, ("report.csv", "cannot read"),
         {"report.csv": PNG}, "lena"),
    Case("import-empty", IMPORT, EXIT_USAGE, ("report.csv",), {"report.csv": ""}, "lena"),
    Case("import-json-lies", ("finding", "import", "{in}/report.json", "--system",
         "credit-scoring", "--owner", "olivia"), EXIT_USAGE, ("report.json:1", "not valid JSON"),
         {"report.json": "title,severity\nx,low\n"}, "lena"),
    Case("import-wrong-extension", ("finding", "import", "{in}/report.xlsx"), EXIT_USAGE,
         ("report.xlsx",), {"report.xlsx": "title,severity\nx,low\n"}, "lena"),
]  # fmt: skip

FAIRNESS = ("{in}/d.csv", "--label", "y", "--pred", "p", "--sensitive", "g", "--n-boot", "0")
DECISIONS = "y,p,g\n" + "1,1,a\n0,0,a\n1,0,b\n0,1,b\n" * 10
OUTPUT_CASES = [
    Case("fairness-output-folder-missing", ("audit", "fairness", *FAIRNESS, "-o",
         "{tmp}/nowhere/report.html", "--format", "html"), EXIT_ENVIRONMENT,
         ("{tmp}/nowhere", "does not exist"), {"d.csv": DECISIONS}, workspace=False),
    Case("fairness-output-unwritable", ("audit", "fairness", *FAIRNESS, "-o",
         "/sys/report.html"), EXIT_ENVIRONMENT, ("/sys", "cannot write"),
         {"d.csv": DECISIONS}, workspace=False),
    Case("fairness-output-is-a-folder", ("audit", "fairness", *FAIRNESS, "-o", "{in}"),
         EXIT_ENVIRONMENT, ("{in}", "is a folder"), {"d.csv": DECISIONS}, workspace=False),
    Case("gate-junit-output-folder-missing", ("gate", "check", "credit-scoring", "--format",
         "junit", "-o", "{tmp}/nowhere/gate.xml"), EXIT_ENVIRONMENT, ("{tmp}/nowhere",)),
    Case("gate-table-output-unwritable", ("gate", "check", "credit-scoring", "-o",
         "/sys/gate.txt"), EXIT_ENVIRONMENT, ("/sys",)),
    Case("card-output-folder-missing", ("card", "model", "credit-scoring", "-o",
         "{tmp}/nowhere/card.md", "--record"), EXIT_ENVIRONMENT, ("{tmp}/nowhere",)),
    Case("card-dataset-output-unwritable", ("card", "dataset", "credit-scoring",
         "--datasheet", "{in}/ds.yaml", "-o", "/sys/ds.md"), EXIT_ENVIRONMENT, ("/sys",),
         {"ds.yaml": DATASHEET}),
    Case("coverage-output-folder-missing", ("compliance", "coverage", "credit-scoring",
         "--format", "json", "-o", "{tmp}/nowhere/c.json"), EXIT_ENVIRONMENT,
         ("{tmp}/nowhere",)),
    Case("cyclonedx-output-folder-missing", ("export", "cyclonedx", "-o",
         "{tmp}/nowhere/bom.json"), EXIT_ENVIRONMENT, ("{tmp}/nowhere",)),
    Case("audit-log-export-unwritable", ("audit-log", "export", "-o", "/sys/log.jsonl"),
         EXIT_ENVIRONMENT, ("/sys",)),
    Case("redteam-report-folder-missing", ("redteam", "report", "{in}", "--out",
         "{tmp}/nowhere/report.html"), EXIT_ENVIRONMENT,
         ("--out {tmp}/nowhere/report.html", "does not exist"), workspace=False),
]  # fmt: skip


def _tiny_skops_model() -> bytes:
    """A logistic model fitted on features a and b, as the bytes of a skops archive."""
    X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    return bytes(skops.io.dumps(LogisticRegression().fit(X, [0, 0, 1, 1])))


MODEL = _tiny_skops_model()
PICKLE = pickle.dumps({})
RECORD = ("--system", "credit-scoring", "--version", "1.0")
APPLICANTS = "a,b,g,ok\n" + "0.5,1.0,x,0\n1.5,0.0,y,1\n2.5,1.0,x,1\n" * 4
TEXTS = "message\nI can't help with that.\nSure - here it is.\n"
REASON_TABLE = "features:\n  a: {code: R1, statement: Income}\n  g: {code: R2, statement: Sex}\n"
EXPLAIN_CASES = [
    Case("explain-features-do-not-match", ("explain", "shap", "{in}/m.skops", "{in}/d.csv",
         *RECORD), EXIT_USAGE, ("d.csv", "feature(s) ['b']", "m.skops"),
         {"m.skops": MODEL, "d.csv": "a,c\n1,2\n3,4\n"}, "olivia"),
    Case("explain-unsafe-pickle", ("explain", "shap", "{in}/m.pkl", "{in}/d.csv", *RECORD),
         EXIT_USAGE, ("{in}/m.pkl", "refusing to load a pickle", "--trust-model"),
         {"m.pkl": PICKLE, "d.csv": APPLICANTS}, "olivia"),
    Case("explain-trusted-pickle-not-pinned", ("explain", "gap", "{in}/m.pkl", "{in}/d.csv",
         "--sensitive", "g", "--trust-model", *RECORD), EXIT_USAGE,
         ("{in}/m.pkl", "credit-scoring@1.0", "pins no model"),
         {"m.pkl": PICKLE, "d.csv": APPLICANTS}, "olivia"),
    Case("explain-reason-table-maps-protected", ("explain", "reasons", "{in}/m.skops",
         "{in}/d.csv", "--decision", "ok", "--reasons", "{in}/r.yaml", "--sensitive", "g",
         *RECORD), EXIT_USAGE, ("{in}/r.yaml:3", "protected attribute 'g'"),
         {"m.skops": MODEL, "d.csv": APPLICANTS, "r.yaml": REASON_TABLE}, "olivia"),
    Case("explain-model-missing", ("explain", "lime", "{in}/none.skops", "{in}/d.csv",
         "--rows", "0"), EXIT_USAGE, ("{in}/none.skops", "no such model file"),
         {"d.csv": APPLICANTS}, workspace=False),
    Case("explain-data-missing", ("explain", "shap", "{in}/m.skops", "{in}/none.csv",
         *RECORD), EXIT_USAGE, ("{in}/none.csv", "does not exist"), {"m.skops": MODEL},
         "olivia"),
    Case("explain-ig-text-column-missing", ("explain", "ig", "{in}/m.skops", "{in}/t.csv",
         "--text-column", "body", *RECORD), EXIT_USAGE, ("--text-column 'body'", "t.csv"),
         {"m.skops": MODEL, "t.csv": TEXTS}, "olivia"),
    Case("explain-ig-head-is-not-a-text-head", ("explain", "ig", "{in}/m.skops",
         "{in}/t.csv", "--text-column", "message", *RECORD), EXIT_USAGE,
         ("LogisticRegression", "coef_ of shape (1, 2)", "(1, 384)"),
         {"m.skops": MODEL, "t.csv": TEXTS}, "olivia"),
    Case("explain-attention-row-out-of-range", ("explain", "attention", "{in}/m.skops",
         "{in}/t.csv", "--text-column", "message", "--rows", "7"), EXIT_USAGE,
         ("--rows [7]", "t.csv has rows 0 to 1"), {"m.skops": MODEL, "t.csv": TEXTS},
         workspace=False),
]  # fmt: skip

MITIGATE = (
    "mitigate",
    "thresholds",
    "{in}/d.csv",
    "--score",
    "s",
    "--label",
    "y",
    "--sensitive",
    "g",
    "--n-boot",
    "0",
)
SCORED = "y,s,g\n" + "1,0.9,a\n0,0.2,a\n1,0.6,b\n0,0.4,b\n" * 10
MITIGATE_CASES = [
    Case("mitigate-no-score-column", MITIGATE, EXIT_USAGE, ("'s' (score)", "y, p, g"),
         {"d.csv": DECISIONS}, workspace=False),
    Case("mitigate-score-out-of-range", MITIGATE, EXIT_USAGE, ("outside [0, 1]",),
         {"d.csv": "y,s,g\n1,1.5,a\n0,0.2,a\n1,0.6,b\n0,0.4,b\n"}, workspace=False),
    Case("mitigate-group-without-positives", MITIGATE, EXIT_USAGE,
         ("group 'b' has no positive labels",),
         {"d.csv": "y,s,g\n" + "1,0.9,a\n0,0.2,a\n0,0.6,b\n0,0.4,b\n" * 5},
         workspace=False),
    Case("mitigate-one-group", MITIGATE, EXIT_USAGE, ("1 group(s)",),
         {"d.csv": "y,s,g\n1,0.9,a\n0,0.2,a\n"}, workspace=False),
    Case("mitigate-context-by-hand-and-system", (*MITIGATE, "--domain", "hiring", *RECORD),
         EXIT_USAGE, ("--domain/--region", "drop them"), {"d.csv": SCORED}, "olivia"),
    Case("mitigate-not-allowed", (*MITIGATE, *RECORD), EXIT_FAILURE, ("user 'hana'", "may not"),
         {"d.csv": SCORED}, "hana"),
    Case("mitigate-unknown-version", (*MITIGATE, "--system", "credit-scoring", "--version",
         "9.9"), EXIT_USAGE, ("9.9",), {"d.csv": SCORED}, "olivia"),
    Case("explain-xgboost-model-damaged", ("explain", "shap", "{in}/m.json", "{in}/d.csv",
         *RECORD), EXIT_USAGE, ("{in}/m.json", "a damaged XGBoost JSON model"),
         {"m.json": '{"learner": {"attributes": {}, "gradient_booster": {"na', "d.csv": APPLICANTS},
         "olivia"),
    Case("explain-model-of-the-wrong-kind", ("explain", "shap", "{in}/m.txt", "{in}/d.csv",
         *RECORD), EXIT_USAGE, ("{in}/m.txt", "expected a LightGBM text model",
         "it begins 'a,b,g,ok'"), {"m.txt": APPLICANTS, "d.csv": APPLICANTS}, "olivia"),
    Case("explain-rate-gap-fpr-without-label", ("explain", "rate-gap", "{in}/m.skops",
         "{in}/d.csv", "--sensitive", "g", "--rate", "fpr", *RECORD), EXIT_USAGE,
         ("--rate fpr needs --label",), {"m.skops": MODEL, "d.csv": APPLICANTS}, "olivia"),
    Case("explain-rate-gap-unknown-group", ("explain", "rate-gap", "{in}/m.skops",
         "{in}/d.csv", "--sensitive", "g", "--groups", "x,z", *RECORD), EXIT_USAGE,
         ("--groups: ['z'] not among",), {"m.skops": MODEL, "d.csv": APPLICANTS}, "olivia"),
    Case("explain-rate-gap-not-allowed", ("explain", "rate-gap", "{in}/m.skops",
         "{in}/d.csv", "--sensitive", "g", *RECORD), EXIT_FAILURE,
         ("may not evidence.record",), {"m.skops": MODEL, "d.csv": APPLICANTS}, "hana"),
]  # fmt: skip

NAME_CASES = [
    Case("unknown-system", ("system", "show", "no-such-system"), EXIT_USAGE,
         ("no-such-system",)),
    Case("unknown-version", ("gate", "check", "credit-scoring", "--version", "9.9"),
         EXIT_USAGE, ("9.9",)),
    Case("unknown-user", ("user", "add", "x", "--role", "owner"), EXIT_USAGE, ("'nobody'",),
         as_user="nobody"),
]  # fmt: skip

WORKSPACE_CASES = [
    Case("verify-audit-table-dropped", ("audit-log", "verify"), EXIT_FAILURE,
         ("the audit log is damaged", "audit_events"), damage=_drop_audit_events),
    Case("verify-details-not-json", ("audit-log", "verify"), EXIT_FAILURE,
         ("the audit log is damaged", "first bad event #3"), damage=_details_not_json),
    Case("list-with-table-dropped", ("system", "list"), EXIT_ENVIRONMENT,
         ("workspace database failed", "ai_systems"), damage=_drop_systems),
    Case("settings-point-nowhere", ("system", "list"), EXIT_ENVIRONMENT,
         ("/nonexistent/folder/ombud.db",), damage=_settings_point_nowhere),
    Case("settings-not-toml", ("system", "list"), EXIT_ENVIRONMENT,
         ("{ws}/ombud-workspace.toml",), damage=_settings_not_toml),
    Case("chain-key-lost", ("system", "list"), EXIT_ENVIRONMENT, ("audit-chain.key",),
         damage=_chain_key_lost),
]  # fmt: skip

# The three answers issue #21 called calm and wrong: a policy typo that passed a gate, a
# manifest that registered a system before its answers were refused, and a red-team run
# that reached nothing yet reported a rate.
TYPO_POLICY = POLICY.replace(
    "        not_in: [fail]\n",
    "        not_in: [fail]\n"
    "      - id: fpr\n"
    "        description: false positive rates within four-fifths\n"
    '        metric: "fairness.*.fpr_ratio_mn"\n'
    '        op: ">="\n'
    "        value: 0.8\n"
    "        if_missing: pass\n"
    "        justification: pilot\n",
)
FAIL_CLOSED_CASES = [
    Case("policy-metric-typo", ("policy", "validate", "{in}/policy.yaml"), EXIT_USAGE,
         ("{in}/policy.yaml:", "fairness.*.fpr_ratio_mn"), {"policy.yaml": TYPO_POLICY}),
    Case("gate-under-a-policy-typo", ("gate", "check", "credit-scoring", "--policy",
         "{in}/policy.yaml"), EXIT_USAGE, ("fairness.*.fpr_ratio_mn",),
         {"policy.yaml": TYPO_POLICY}, "olivia"),
    Case("manifest-registers-nothing-when-its-answers-are-refused",
         ("system", "register", "-f", "{in}/system.yaml"), EXIT_USAGE,
         ("{in}/system.yaml:", "annex_iii_area"),
         {"system.yaml": MANIFEST.replace("id: credit-scoring", "id: half-registered")
          + "classification:\n  answers:\n    annex_iii_area: [not_an_area]\n"},
         "olivia"),
    Case("redteam-run-against-a-closed-port",
         ("redteam", "run", "--out", "{tmp}/run", "-o", "base_url=http://127.0.0.1:9/v1",
          "-o", "model=bot", "-o", "timeout=0.5", "--probe", "leakage.planted_secret",
          "--secret", "S3CRET", "--retries", "0"), EXIT_ENVIRONMENT,
         ("connection refused", "127.0.0.1:9"), workspace=False),
]  # fmt: skip

MON_REF = "ts,p,g,x\n" + "".join(
    f"2026-01-{d:02d}T{h:02d}:00:00Z,{(d + h) % 2},{'ab'[h % 2]},{d * h}\n"
    for d in range(1, 8)
    for h in range(8)
)
MON_INIT = ("monitor", "init", "credit-scoring", "--version", "1.0", "--reference",
            "{in}/ref.csv", "--timestamp", "ts", "--pred", "p", "--sensitive", "g",
            "--features", "x", "--name", "second")  # fmt: skip
MON_INGEST = ("monitor", "ingest", "credit-scoring", "{in}/log.csv")
# Monitor 'labelled' joins late labels by the id column 'rid'; its log (February) has the
# labels of even rows, the odd ones arrive later.
MON_LAB_REF = "ts,p,g,x,rid,y\n" + "".join(
    f"2026-01-{d:02d}T{h:02d}:00:00Z,{(d + h) % 2},{'ab'[h % 2]},{d * h},q{d}-{h},{h % 2}\n"
    for d in range(1, 8)
    for h in range(8)
)
MON_LAB_LOG = "ts,p,g,x,rid,y\n" + "".join(
    f"2026-02-0{1 + i % 3}T0{i % 9}:00:00Z,{i % 2},{'ab'[i % 2]},{i},r{i},"
    + (f"{(i // 2) % 2}\n" if i % 2 == 0 else "\n")
    for i in range(12)
)
MON_LABELS = ("monitor", "ingest", "credit-scoring", "--name", "labelled", "--labels",
              "{in}/labels.csv")  # fmt: skip
MON_SQL = ("monitor", "ingest", "credit-scoring", "--sql")
MONITOR_CASES = [
    Case("monitor-init-reference-missing", MON_INIT, EXIT_USAGE,
         ("{in}/ref.csv", "does not exist"), {}, "olivia"),
    Case("monitor-init-unknown-column", (*MON_INIT[:-4], "--features", "nope", *MON_INIT[-2:]),
         EXIT_USAGE,
         ("feature column 'nope' is absent",), {"ref.csv": MON_REF}, "olivia"),
    Case("monitor-init-unknown-period", (*MON_INIT, "--period", "fortnight"), EXIT_USAGE,
         ("unknown period 'fortnight'",), {"ref.csv": MON_REF}, "olivia"),
    Case("monitor-init-unknown-system", ("monitor", "init", "no-such-system", *MON_INIT[3:]),
         EXIT_USAGE, ("no AI system 'no-such-system'",), {"ref.csv": MON_REF}, "olivia"),
    Case("monitor-init-twice", MON_INIT[:-2], EXIT_FAILURE, ("already has a monitor",
         "--name"), {"ref.csv": MON_REF}, "olivia"),
    Case("monitor-ingest-unknown-system", ("monitor", "ingest", "no-such-system",
         "{in}/log.csv"), EXIT_USAGE, ("no AI system 'no-such-system'",),
         {"log.csv": MON_REF}, "olivia"),
    Case("monitor-ingest-missing-file", MON_INGEST, EXIT_USAGE,
         ("{in}/log.csv", "does not exist"), {}, "olivia"),
    Case("monitor-ingest-unknown-column", MON_INGEST, EXIT_USAGE,
         ("lacks 'x' (feature)",), {"log.csv": MON_REF.replace(",x\n", ",y\n", 1)}, "olivia"),
    Case("monitor-ingest-bad-timestamp", MON_INGEST, EXIT_USAGE,
         ("column 'ts', row 2", "'2026-02-30T01:00:00'"),
         {"log.csv": "ts,p,g,x\n2026-02-01T01:00:00Z,1,a,3\n2026-02-01T02:00:00Z,0,b,4\n"
          "2026-02-30T01:00:00,1,a,5\n"}, "olivia"),
    Case("monitor-ingest-not-parquet", ("monitor", "ingest", "credit-scoring",
         "{in}/log.parquet"), EXIT_USAGE, ("log.parquet", "cannot read it as Parquet"),
         {"log.parquet": MON_REF}, "olivia"),
    Case("monitor-ingest-late-batch", MON_INGEST, EXIT_FAILURE,
         ("already stored with other rows", "--amend"),
         {"log.csv": "ts,p,g,x\n2026-01-03T23:59:00Z,1,a,3\n"}, "olivia"),
    Case("monitor-ingest-not-allowed", MON_INGEST, EXIT_FAILURE,
         ("may not monitor.ingest",), {"log.csv": MON_REF}, "hana"),
    Case("monitor-ingest-nothing", ("monitor", "ingest", "credit-scoring"), EXIT_USAGE,
         ("give a prediction log FILE", "--labels"), {}, "olivia"),
    Case("monitor-labels-monitor-without-ids", ("monitor", "ingest", "credit-scoring",
         "--labels", "{in}/labels.csv"), EXIT_USAGE, ("has no id column", "--id COL"),
         {"labels.csv": "rid,y\nr1,1\n"}, "olivia"),
    Case("monitor-labels-no-id-column", MON_LABELS, EXIT_USAGE,
         ("labels.csv lacks column 'rid' (id)",), {"labels.csv": "case,y\nr1,1\n"}, "olivia"),
    Case("monitor-labels-duplicate-id", MON_LABELS, EXIT_USAGE,
         ("id 'r1' appears in rows 0 and 2",), {"labels.csv": "rid,y\nr1,1\nr3,0\nr1,1\n"},
         "olivia"),
    Case("monitor-labels-unknown-value", MON_LABELS, EXIT_USAGE,
         ("row 1: label 7 is not one of the monitor's labels",),
         {"labels.csv": "rid,y\nr1,1\nr3,7\n"}, "olivia"),
    Case("monitor-labels-missing-label", MON_LABELS, EXIT_USAGE,
         ("column 'y', row 1: missing value",), {"labels.csv": "rid,y\nr1,1\nr3,\n"},
         "olivia"),
    Case("monitor-labels-all-unknown", MON_LABELS, EXIT_USAGE,
         ("none of its 2 id(s) is a record", "'zz1'"), {"labels.csv": "rid,y\nzz1,1\nzz2,0\n"},
         "olivia"),
    Case("monitor-labels-conflict", MON_LABELS, EXIT_FAILURE,
         ("id 'r2' (row 1) has label 0 but 1 was recorded",),
         {"labels.csv": "rid,y\nr1,1\nr2,0\n"}, "olivia"),
    Case("monitor-labels-not-allowed", MON_LABELS, EXIT_FAILURE,
         ("may not monitor.ingest",), {"labels.csv": "rid,y\nr1,1\n"}, "hana"),
    Case("monitor-ingest-sql-syntax", (*MON_SQL, "SELEC * FROM read_csv('{in}/log.csv')"),
         EXIT_USAGE, ("SQL query: Parser Error",), {"log.csv": MON_REF}, "olivia"),
    Case("monitor-ingest-sql-missing-file", (*MON_SQL, "SELECT * FROM read_csv('{in}/no.csv')"),
         EXIT_USAGE, ("SQL query:", "no.csv"), {}, "olivia"),
    Case("monitor-ingest-sql-missing-column",
         (*MON_SQL, "SELECT ts, p, g FROM read_csv('{in}/log.csv')"), EXIT_USAGE,
         ("the query's result lacks 'x' (feature)",), {"log.csv": MON_REF}, "olivia"),
    Case("monitor-ingest-sql-not-numeric",
         (*MON_SQL, "SELECT * REPLACE ('many' AS x) FROM read_csv('{in}/log.csv')"),
         EXIT_USAGE, ("column 'x': 56 row(s) (e.g. 'many'): not a number",),
         {"log.csv": MON_REF}, "olivia"),
    Case("monitor-ingest-sql-not-binary",
         (*MON_SQL, "SELECT * REPLACE (p + 2 AS p) FROM read_csv('{in}/log.csv')"),
         EXIT_USAGE, ("column 'p'", "not 0/1"), {"log.csv": MON_REF}, "olivia"),
    Case("monitor-ingest-sql-text-time",
         (*MON_SQL, "SELECT * REPLACE (CAST(ts AS VARCHAR) AS ts) FROM read_csv('{in}/log.csv')"),
         EXIT_USAGE, ("column 'ts' is VARCHAR", "CAST(ts AS TIMESTAMPTZ)"),
         {"log.csv": MON_REF}, "olivia"),
    Case("monitor-ingest-sql-and-file", (*MON_INGEST, "--sql", "SELECT 1"), EXIT_USAGE,
         ("a FILE or as --sql QUERY, not both",), {"log.csv": MON_REF}, "olivia"),
    Case("monitor-ingest-no-log", MON_INGEST[:-1], EXIT_USAGE,
         ("give a prediction log FILE (or --sql QUERY)",), {}, "olivia"),
    Case("monitor-check-unknown-system", ("monitor", "check", "no-such-system"), EXIT_USAGE,
         ("no AI system 'no-such-system'",), {}, "olivia"),
    Case("monitor-show-bad-date", ("monitor", "show", "credit-scoring", "--from",
         "2026-13-01"), EXIT_USAGE, ("--from '2026-13-01' is not a date",), {}, "olivia"),
    Case("monitor-report-unknown-system", ("monitor", "report", "no-such-system", "-o",
         "{tmp}/r.html"), EXIT_USAGE, ("no AI system 'no-such-system'",), {}, "olivia"),
    Case("monitor-report-unknown-monitor", ("monitor", "report", "credit-scoring",
         "--monitor", "nope", "-o", "{tmp}/r.html"), EXIT_USAGE,
         ("'credit-scoring' has no monitor 'nope'",), {}, "olivia"),
    Case("monitor-report-no-windows", ("monitor", "report", "credit-scoring", "--from",
         "2020-01-01", "--to", "2020-02-01", "-o", "{tmp}/r.html"), EXIT_USAGE,
         ("no windows stored for credit-scoring/default in that range",), {}, "olivia"),
    Case("monitor-report-bad-by", ("monitor", "report", "credit-scoring", "--by",
         "fortnight", "-o", "{tmp}/r.html"), EXIT_USAGE, ("use day, week or month",), {},
         "olivia"),
    Case("monitor-report-output-folder-missing", ("monitor", "report", "credit-scoring",
         "-o", "{tmp}/nowhere/r.html"), EXIT_ENVIRONMENT, ("{tmp}/nowhere", "does not exist"),
         {}, "olivia"),
    Case("monitor-report-output-unwritable", ("monitor", "report", "credit-scoring", "-o",
         "/sys/r.html"), EXIT_ENVIRONMENT, ("/sys", "cannot write"), {}, "olivia"),
]  # fmt: skip

DISCOVER_CASES = [
    Case("discover-path-missing", ("discover", "code", "{in}/nowhere"), EXIT_USAGE,
         ("{in}/nowhere", "no such file or folder")),
    Case("discover-second-path-missing", ("discover", "code", "{in}", "{in}/gone.py"),
         EXIT_USAGE, ("{in}/gone.py", "no such file or folder"), {"a.py": "import os\n"}),
    Case("discover-max-file-size-zero", ("discover", "code", "{in}", "--max-file-size", "0"),
         EXIT_USAGE, ("--max-file-size 0", "positive")),
    Case("discover-output-folder-missing", ("discover", "code", "{in}", "--format", "sarif",
         "-o", "{tmp}/nowhere/d.sarif"), EXIT_ENVIRONMENT, ("{tmp}/nowhere", "does not exist"),
         {"bot.py": "import openai\nopenai.OpenAI()\n"}),
]  # fmt: skip

CASES: list[Case] = [
    *FAIL_CLOSED_CASES,
    *MANIFEST_CASES,
    *ANSWER_CASES,
    *POLICY_CASES,
    *DATASHEET_CASES,
    *SUPPLIER_CASES,
    *FINDING_CASES,
    *OUTPUT_CASES,
    *NAME_CASES,
    *WORKSPACE_CASES,
    *MONITOR_CASES,
    *EXPLAIN_CASES,
    *MITIGATE_CASES,
    *DISCOVER_CASES,
]


def _cli(*args: str) -> None:
    code: object = 0
    try:
        run(list(args))
    except SystemExit as exc:
        code = exc.code
    assert not code, f"ombud {' '.join(args)} failed with {code}"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Users ada (admin), olivia (owner), lena (RAI lead), hana (owner of nothing) and
    credit-scoring 1.0, monitored (monitor 'default', a week of hourly rows stored)."""
    root = tmp_path_factory.mktemp("corpus")
    ws = root / "ws"
    with pytest.MonkeyPatch.context() as mp:
        for name in ("OMBUD_WORKSPACE", "OMBUD_DATABASE_URL", "OMBUD_USER"):
            mp.delenv(name, raising=False)
        _cli("init", str(ws), "--admin", "ada")
        w = ("-w", str(ws), "--as", "ada")
        for user, role in (("olivia", "owner"), ("lena", "rai_lead")):
            _cli(*w, "user", "add", user, "--role", role)
        (root / "system.yaml").write_text(MANIFEST, encoding="utf-8")
        _cli("-w", str(ws), "--as", "olivia", "system", "register", "-f", str(root / "system.yaml"))
        # A monitor with stored windows, for the ``monitor`` rows.
        (root / "ref.csv").write_text(MON_REF, encoding="utf-8")
        _cli(*w, "user", "add", "hana", "--role", "owner")
        init = [a.replace("{in}", str(root)) for a in MON_INIT[:-2]]
        _cli("-w", str(ws), "--as", "olivia", *init)
        _cli("-w", str(ws), "--as", "olivia", "monitor", "ingest", "credit-scoring",
             str(root / "ref.csv"))  # fmt: skip
        (root / "lab-ref.csv").write_text(MON_LAB_REF, encoding="utf-8")
        (root / "lab-log.csv").write_text(MON_LAB_LOG, encoding="utf-8")
        _cli("-w", str(ws), "--as", "olivia", "monitor", "init", "credit-scoring", "--version",
             "1.0", "--reference", str(root / "lab-ref.csv"), "--timestamp", "ts", "--pred", "p",
             "--label", "y", "--sensitive", "g", "--id", "rid", "--name", "labelled")  # fmt: skip
        _cli("-w", str(ws), "--as", "olivia", "monitor", "ingest", "credit-scoring",
             str(root / "lab-log.csv"), "--name", "labelled")  # fmt: skip
    return ws


def _expand(text: str, where: Mapping[str, Path]) -> str:
    for key, path in where.items():
        text = text.replace("{" + key + "}", str(path))
    return text


def _row_counts(ws: Path) -> dict[str, int]:
    connection = sqlite3.connect(ws / "ombud.db")
    try:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return {t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        connection.close()


def check_one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    return lines[0]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_input_gets_one_line_and_its_exit_code(
    case: Case, invoke: Invoke, template: Path, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(template, ws)
    inputs = tmp_path / "in"
    inputs.mkdir()
    where = {"ws": ws, "in": inputs, "tmp": tmp_path}
    for name, content in case.files.items():
        target = inputs / _expand(name, where)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    if case.damage is not None:
        case.damage(ws)
    before = None if case.damage else _row_counts(ws)
    argv = [_expand(arg, where) for arg in case.argv]
    if case.workspace:
        argv = ["-w", str(ws), "--as", case.as_user, *argv]

    result = invoke(*argv)

    shown = result.out + result.err
    assert result.code == case.code, f"exit {result.code} (want {case.code}):\n{shown}"
    assert "Traceback" not in shown
    line = check_one_line(result.err)
    for text in case.says:
        assert _expand(text, where) in line, line
    assert not list(tmp_path.rglob("*.partial")), "a partial output file was left behind"
    assert not (tmp_path / "nowhere").exists()
    if before is not None:
        assert _row_counts(ws) == before, "the failed command left a partial record"
        verified = invoke("-w", str(ws), "audit-log", "verify")
        assert verified.code == 0, verified.err


# --- mutation fuzzing: valid files, slightly broken ----------------------------------------
#
# Hypothesis breaks a valid manifest, answers file or policy pack in small ways (a YAML
# token inserted, a line dropped, doubled or re-indented, a value replaced) and asserts
# only what must hold for ANY input: no traceback and an exit code of 0, 1, 2 or 3. A
# seed it ever finds failing becomes an explicit row in the table above.

_TOKENS = [
    ":", "- ", "[", "]", "{", "}", "'", '"', "\t", "&a ", "*a", "!!binary ", "!!float ",
    "!!python/object/apply:os.system ", "2026-13-01", "2026-02-30", "1e999", "0x1G", "~",
    "null", "\x00", "\ufeff", "\\", "%YAML 9.9\n", "---\n", "...\n", "|", ">", "? ", "yes",
    "-1", "9" * 40, "\x85", "é", "<<: *a\n", "#", "@", "`",
]  # fmt: skip


@st.composite
def _mutated(draw: st.DrawFn, text: str) -> str:
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(lines) - 1)) if lines else 0
        op = draw(st.sampled_from(["insert", "drop", "double", "indent", "value", "swap"]))
        if not lines:
            lines = [draw(st.sampled_from(_TOKENS))]
        elif op == "insert":
            line = lines[at]
            cut = draw(st.integers(0, len(line)))
            lines[at] = line[:cut] + draw(st.sampled_from(_TOKENS)) + line[cut:]
        elif op == "drop":
            del lines[at]
        elif op == "double":
            lines.insert(at, lines[at])
        elif op == "indent":
            lines[at] = draw(st.sampled_from([" ", "  ", "\t", "    "])) + lines[at]
        elif op == "value" and ":" in lines[at]:
            key = lines[at].split(":", 1)[0]
            lines[at] = f"{key}: {draw(st.sampled_from(_TOKENS))}\n"
        elif op == "swap" and at + 1 < len(lines):
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
    return "".join(lines)


_FUZZ_TARGETS = {
    "manifest": (MANIFEST, ("--as", "olivia", "system", "register", "-f")),
    "answers": (ANSWERS, ("--as", "olivia", "classify", "credit-scoring", "--no-interactive",
                          "--answers")),
    "policy": (POLICY, ("policy", "validate")),
}  # fmt: skip


@pytest.mark.parametrize("target", sorted(_FUZZ_TARGETS))
def test_mutated_files_never_crash(
    target: str, invoke: Invoke, template: Path, tmp_path: Path
) -> None:
    valid, command = _FUZZ_TARGETS[target]
    ws = tmp_path / "ws"
    shutil.copytree(template, ws)
    file = tmp_path / "input.yaml"

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(text=_mutated(valid))
    def check(text: str) -> None:
        file.write_text(text, encoding="utf-8", errors="surrogatepass")
        result = invoke("-w", str(ws), *command, str(file))
        shown = result.out + result.err
        if result.code not in (0, 1, 2, 3):  # show the bug's traceback in the report
            shown += invoke("-w", str(ws), "--debug", *command, str(file)).err
        assert result.code in (0, 1, 2, 3), shown
        assert "Traceback" not in shown
        if result.code:
            check_one_line(result.err)

    check()
