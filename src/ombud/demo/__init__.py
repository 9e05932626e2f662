"""The main job, ``ombud demo``: the whole flow on a realistic portfolio from real data.

register → classify → audit (real models, real data) → gate → review board → launch,
findings and an incident → explanations → monitoring after launch (real decision dates,
and one clearly labelled simulated stream) → documents. Each step calls the same
services as the CLI; ``ombud demo`` only renders the report.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ombud.demo._audits import audit_portfolio, audit_resume_decisions
from ombud.demo._board import run_board
from ombud.demo._documents import write_documents
from ombud.demo._explanations import explain_portfolio
from ombud.demo._monitoring import monitor_portfolio
from ombud.demo._portfolio import DEMO_ADMIN, DemoReport, build_portfolio, fresh_folder
from ombud.demo._redteam import redteam_assistant
from ombud.services import auth, coverage, systems, workspaces
from ombud.services.context import open_context

__all__ = ["DEMO_ADMIN", "DEMO_LOGINS", "DEMO_PASSWORD", "DemoReport", "run_demo"]

#: A password for the demo's people so the web app can be tried at once. Demo only.
DEMO_PASSWORD = "ombud-demo-2026"
DEMO_LOGINS = ("lena", "rex", "hana", "audrey")


def run_demo(
    root: Path,
    *,
    fresh: bool,
    os_user: str,
    redteam: bool = True,
    progress: Callable[[str], None] = lambda _: None,
) -> DemoReport:
    """Build the demo workspace; a re-run without ``fresh`` leaves existing systems alone.

    ``redteam=False`` skips loading the local LLM (the slowest step).
    """
    if fresh:
        fresh_folder(root)
    workspace, _, _ = workspaces.init_workspace(
        root, database_url=None, admin=DEMO_ADMIN, os_user=os_user
    )
    report = DemoReport(workspace.root)
    context = open_context(workspace)
    try:
        new = build_portfolio(context, report, progress)
        if new:  # the later steps tell one story, once, on a freshly registered portfolio
            audit_portfolio(context, report, progress)
            audit_resume_decisions(context, report, progress)
            run_board(context, report, progress)
            if redteam:
                redteam_assistant(context, report, progress)
            explain_portfolio(context, report, progress)
            monitor_portfolio(context, report, progress)
            write_documents(context, report, progress)
            admin = context.actor(DEMO_ADMIN)
            for username in DEMO_LOGINS:
                auth.set_password(context, admin, username, DEMO_PASSWORD)
        progress("computing compliance coverage")
        report.coverage = coverage.coverage_matrix(context)
        report.systems = [systems.get_system(context, s.id) for s in systems.list_systems(context)]
    finally:
        context.close()
    return report
