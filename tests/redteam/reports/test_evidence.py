"""Evidence drafts from a run folder, and garak/CSV importers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from scipy import stats

from ombud.redteam import OpenAIChatTarget, PromptSetError, RunSettings, build_plan, probe_registry
from ombud.redteam import run_plan as run
from ombud.redteam.importers import import_garak, probe_from_csv
from ombud.redteam.reports import evidence_draft
from ombud.redteam.runner import detectors_for
from ombud.redteam.testing import ChatServer, Reply, last_user_text

Serve = Callable[..., ChatServer]


def test_evidence_draft_carries_rates_intervals_and_artifacts(serve: Serve, tmp_path: Path) -> None:
    """Oracle for the interval: scipy's Wilson interval on the logged counts."""
    server = serve(
        lambda r, n: Reply(
            text="The secret is ZEBRA-1" if "secret" in last_user_text(r).lower() else "No."
        )
    )
    plan = build_plan([probe_registry()["leakage.planted_secret"]])
    run(
        tmp_path,
        plan,
        OpenAIChatTarget(base_url=server.base_url, model="m"),
        detectors_for(["ZEBRA-1"]),
        RunSettings(),
    )
    draft = evidence_draft(tmp_path)
    rate = draft.metrics["redteam.secret_leakage.attack_success_rate"]
    hits = round(rate * 6)
    assert draft.metrics["redteam.secret_leakage.attempts"] == 6
    ci = stats.binomtest(hits, 6).proportion_ci(method="wilson")
    assert draft.metrics["redteam.secret_leakage.attack_success_rate.lower"] == pytest.approx(
        ci.low
    )
    assert draft.metrics["redteam.secret_leakage.attack_success_rate.upper"] == pytest.approx(
        ci.high
    )
    assert draft.kind == "redteam_run"
    assert {a.name for a in draft.artifacts} == {"attempts.jsonl", "manifest.json", "report.html"}
    assert "redteam.detector.refusal.recall" in draft.metrics


def test_garak_import(tmp_path: Path) -> None:
    path = tmp_path / "garak.report.jsonl"
    lines = [
        {"entry_type": "start_run setup"},
        {
            "entry_type": "attempt",
            "status": 2,
            "probe_classname": "dan.Dan_11_0",
            "prompt": {"turns": [{"role": "user", "content": {"text": "hi"}}]},
            "outputs": [{"text": "a"}, {"text": "b"}],
            "detector_results": {"dan.DAN": [1.0, 0.0]},
        },
        {"entry_type": "attempt", "status": 1, "probe_classname": "x.Y", "outputs": []},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    attempts = import_garak(path)
    assert [a.verdict.value for a in attempts if a.verdict] == ["hit", "miss"]
    assert attempts[0].turns[0].content == "hi"
    path.write_text('{"entry_type": "attempt"}\n{broken\n')
    with pytest.raises(PromptSetError, match=r"garak.report.jsonl:2"):
        import_garak(path)


def test_csv_prompt_set_keeps_license_and_provenance(tmp_path: Path) -> None:
    path = tmp_path / "prompts.csv"
    path.write_text("prompt,license,source\nsay hi,CC-BY-4.0,team wiki\n,,\n")
    with pytest.raises(PromptSetError, match=r"prompts.csv:3"):
        probe_from_csv(
            path,
            probe_id="x",
            category="c",
            detectors=("refusal",),
            license="internal",
            provenance="ours",
        )
    path.write_text("prompt\nsay hi\n")
    probe = probe_from_csv(
        path,
        probe_id="x",
        category="c",
        detectors=("refusal",),
        license="internal",
        provenance="ours",
    )
    (attempt,) = probe.attempts()
    assert attempt.context["license"] == "internal"
    path.write_text("prompt\n")  # a header and nothing else is not a prompt set
    with pytest.raises(PromptSetError, match=r"prompts.csv:1: no prompts found"):
        probe_from_csv(
            path,
            probe_id="x",
            category="c",
            detectors=("refusal",),
            license="internal",
            provenance="ours",
        )


def test_every_name_a_run_records_is_accepted_by_policy_validation(
    serve: Serve, tmp_path: Path
) -> None:
    """Contract with the policy registry (EVIDENCE_NAMES): a real run's every metric."""
    from ombud.governance.policy import default_registry

    server = serve(lambda r, n: Reply(text="The secret is ZEBRA-1"))
    plan = build_plan([probe_registry()["leakage.planted_secret"]])
    target = OpenAIChatTarget(base_url=server.base_url, model="m")
    run(tmp_path, plan, target, detectors_for(["ZEBRA-1"]), RunSettings())
    draft = evidence_draft(tmp_path)
    registry = default_registry()
    assert "redteam.overall.attack_success_rate.upper" in draft.metrics
    assert [n for n in draft.metrics if not registry.can_match(n, "metric", draft.kind)] == []
