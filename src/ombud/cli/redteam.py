"""``ombud redteam``: the red-team harness from the command line.

Thin on purpose: it parses options into a request, leaves building and running the
run to ``ombud.services.redteam_runs`` (and the rest to ``ombud.redteam``), and renders.
Every command works on a run folder (``run.json`` spec, ``manifest.json``,
``attempts.jsonl``), so ``resume`` and ``rescore`` need nothing but the folder.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ombud.cli._errors import EXIT_ENVIRONMENT
from ombud.cli._output import check_output, write_output
from ombud.cli._redteam_exec import (
    ProgressBar,
    console,
    fail,
    has_manifest,
    parse_options,
    print_rates,
    show_run,
)
from ombud.redteam import (
    RedteamError,
    RunLog,
    compare_runs,
    latest_attempts,
    probe_registry,
    read_log,
    read_manifest,
    score_attempt,
)
from ombud.redteam.detectors import measure_accuracy
from ombud.redteam.importers import import_garak, import_promptfoo
from ombud.redteam.probes import attacker_probes
from ombud.redteam.reports import render_report
from ombud.redteam.runner import (
    LOG_NAME,
    close_detectors,
    detectors_for,
    read_spec,
    run_outcome,
    select_probes,
    write_spec,
)
from ombud.services.redteam_runs import (
    RedteamRequest,
    estimate_redteam,
    resumable_spec,
    resume_redteam,
    run_redteam,
)

app = typer.Typer(
    help="LLM red-teaming: probes, mutators, targets, detectors.", no_args_is_help=True
)


@app.command()
def run(
    out: Annotated[Path, typer.Option(help="Run folder to create.")],
    target: Annotated[
        str, typer.Option(help="Target plugin: openai, rest, python, subprocess, llama_cpp.")
    ] = "openai",
    target_option: Annotated[
        list[str], typer.Option("--target-option", "-o", help="key=value (JSON values allowed).")
    ] = [],  # noqa: B006
    probe: Annotated[
        list[str], typer.Option("--probe", "-p", help="Probe id or glob; repeatable.")
    ] = [],  # noqa: B006
    mutator: Annotated[
        list[str],
        typer.Option("--mutator", "-m", help="Mutator chain such as base64 or rot13+roleplay."),
    ] = [],  # noqa: B006
    secret: Annotated[
        list[str], typer.Option(help="Secret planted in the target's system prompt.")
    ] = [],  # noqa: B006
    judge_option: Annotated[
        list[str],
        typer.Option(
            "--judge-option",
            help="key=value for an OpenAI-compatible judge model; adds the 'judge' detector.",
        ),
    ] = [],  # noqa: B006
    attacker_option: Annotated[
        list[str],
        typer.Option(
            "--attacker-option",
            help="key=value for an OpenAI-compatible attacker model; enables "
            "jailbreak.crescendo_attacker.",
        ),
    ] = [],  # noqa: B006
    crescendo_max_turns: Annotated[
        int, typer.Option(help="Accepted turns per attacker-driven conversation.")
    ] = 6,
    crescendo_max_backtracks: Annotated[
        int, typer.Option(help="Refused turns taken back per conversation.")
    ] = 3,
    prompts: Annotated[
        list[Path],
        typer.Option("--prompts", help="Prompt-set file to run as a probe; repeatable."),
    ] = [],  # noqa: B006
    prompts_format: Annotated[
        str, typer.Option(help="Format of --prompts files: csv, pyrit or garak-data.")
    ] = "csv",
    prompts_license: Annotated[
        str | None, typer.Option(help="License of the --prompts files, recorded per prompt.")
    ] = None,
    prompts_detector: Annotated[
        list[str],
        typer.Option(help="Detectors for the --prompts files (default: compliance)."),
    ] = [],  # noqa: B006
    concurrency: int = 8,
    requests_per_minute: Annotated[float | None, typer.Option("--rpm")] = None,
    tokens_per_minute: Annotated[float | None, typer.Option("--tpm")] = None,
    retries: int = 4,
    seed: int = 0,
    stop_when_halfwidth: Annotated[
        float | None,
        typer.Option(
            help="Stop sending a group's attempts once its Wilson interval half-width is "
            "below this (e.g. 0.05)."
        ),
    ] = None,
    stop_by: Annotated[str, typer.Option(help="Group for early stopping: probe or category.")] = (
        "probe"
    ),
    stop_min_scored: Annotated[
        int, typer.Option(help="Scored attempts a group needs before it may stop.")
    ] = 30,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Estimate calls, tokens, time and cost; send nothing.")
    ] = False,
    latency: Annotated[float, typer.Option(help="Assumed seconds per call for --dry-run.")] = 1.0,
    price_per_1k_tokens: Annotated[
        float | None, typer.Option(help="For the --dry-run cost.")
    ] = None,
) -> None:
    """Start a run into a new folder."""
    try:
        request = RedteamRequest(
            run_dir=out,
            target=target,
            target_options=parse_options(target_option),
            probes=probe,
            mutators=mutator,
            secrets=secret,
            judge_options=parse_options(judge_option, "--judge-option"),
            attacker_options=parse_options(attacker_option, "--attacker-option"),
            crescendo_max_turns=crescendo_max_turns,
            crescendo_max_backtracks=crescendo_max_backtracks,
            prompt_files=prompts,
            prompts_format=prompts_format,
            prompts_license=prompts_license,
            prompts_detectors=prompts_detector,
            seed=seed,
            concurrency=concurrency,
            requests_per_minute=requests_per_minute,
            tokens_per_minute=tokens_per_minute,
            max_retries=retries,
            stop_halfwidth=stop_when_halfwidth,
            stop_by=stop_by,
            stop_min_scored=stop_min_scored,
        )
        if dry_run:
            guess = estimate_redteam(
                request, latency_s=latency, price_per_1k_tokens=price_per_1k_tokens
            )
            console.print(
                f"{guess.attempts} attempts, {guess.target_calls} target calls, "
                f"~{guess.prompt_tokens} prompt + {guess.completion_tokens} completion "
                f"tokens, ~{guess.seconds:.0f} s"
                + (f", ~{guess.cost:.2f} cost" if guess.cost is not None else "")
            )
            return
        # No workspace: the run is not recorded here (`ombud redteam record` does that).
        finished = run_redteam(request, observer=ProgressBar())
    except (RedteamError, OSError) as exc:
        raise fail(exc) from exc
    show_run(finished)


@app.command()
def resume(
    run_dir: Path,
    target_option: Annotated[
        list[str], typer.Option("--target-option", "-o", help="Options not stored (API keys).")
    ] = [],  # noqa: B006
    attacker_option: Annotated[
        list[str], typer.Option("--attacker-option", help="Attacker options not stored.")
    ] = [],  # noqa: B006
    allow_target_change: Annotated[
        bool,
        typer.Option(
            "--allow-target-change",
            help="Resume against a different target (URL, model or kind) than the run "
            "started with; recorded in the manifest.",
        ),
    ] = False,
) -> None:
    """Finish an interrupted run without repeating finished attempts."""
    try:
        spec = resumable_spec(run_dir)
        finished = resume_redteam(
            run_dir,
            spec,
            target_options=parse_options(target_option),
            attacker_options=parse_options(attacker_option, "--attacker-option"),
            allow_target_change=allow_target_change,
            observer=ProgressBar(),
        )
    except (RedteamError, OSError) as exc:
        raise fail(exc) from exc
    show_run(finished)


@app.command()
def rescore(
    run_dir: Path,
    out: Annotated[Path, typer.Option(help="Folder for the re-scored log.")],
    detector: Annotated[
        list[str],
        typer.Option(
            "--detector", "-d", help="Detectors to apply instead of the probes' defaults."
        ),
    ] = [],  # noqa: B006
    secret: Annotated[list[str], typer.Option(help="Secrets for the canary detector.")] = [],  # noqa: B006
) -> None:
    """Score logged responses again with other detectors, without calling the target."""
    try:
        spec = read_spec(run_dir)
        manifest = read_manifest(run_dir)
        attempts = latest_attempts(read_log(run_dir / LOG_NAME))
        if (out / LOG_NAME).exists():
            raise RedteamError(f"{out / LOG_NAME} exists; choose an empty folder")
        detectors = detectors_for(secret or spec.get("secrets", []), spec.get("judge_options"))

        async def go() -> None:
            try:
                with RunLog(out / LOG_NAME) as log:
                    for attempt in attempts:
                        if detector:
                            attempt = replace(attempt, detectors=tuple(detector))
                        log.append(
                            await score_attempt(attempt, detectors)
                            if attempt.response is not None
                            else attempt
                        )
            finally:
                await close_detectors(detectors)

        out.mkdir(parents=True, exist_ok=True)
        write_spec(out, {**spec, "secrets": secret or spec.get("secrets", [])})
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        asyncio.run(go())
        print_rates(latest_attempts(read_log(out / LOG_NAME)), "category")
    except (RedteamError, OSError) as exc:
        raise fail(exc) from exc


@app.command()
def compare(
    baseline: Path,
    candidate: Path,
    by: Annotated[str, typer.Option(help="probe, family, category or mutator")] = "probe",
    alpha: float = 0.05,
) -> None:
    """Per-group difference between two runs with a significance test; exit 1 on a regression."""
    try:
        runs = [latest_attempts(read_log(folder / LOG_NAME)) for folder in (baseline, candidate)]
        rows = compare_runs(runs[0], runs[1], by, alpha=alpha)
        outcomes = [
            run_outcome(
                attempts,
                (read_manifest(folder).get("target") or {}) if has_manifest(folder) else {},
            )
            for folder, attempts in zip((baseline, candidate), runs, strict=True)
        ]
    except (RedteamError, OSError) as exc:
        raise fail(exc) from exc
    for folder, outcome in zip((baseline, candidate), outcomes, strict=True):
        if not outcome.measured:
            # "No regression" between a run and one that measured nothing would be a false pass.
            console.print(
                f"[red]error:[/red] {folder} is not a result, no attempt was scored "
                f"({outcome.causes_text()}); nothing to compare"
            )
            raise typer.Exit(code=EXIT_ENVIRONMENT)
    table = Table(title=f"candidate − baseline by {by}")
    for column in (by, "baseline", "candidate", "difference", "p-value", "test", "regression"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.key,
            f"{r.hits_a}/{r.scored_a}",
            f"{r.hits_b}/{r.scored_b}",
            f"{r.difference:+.1%}",
            f"{r.pvalue:.3g}",
            r.method,
            "YES" if r.regression else "",
        )
    console.print(table)
    if any(r.regression for r in rows):
        raise typer.Exit(code=1)


@app.command()
def report(
    run_dir: Path,
    out: Annotated[
        Path | None, typer.Option(help="HTML file (default: RUN_DIR/report.html).")
    ] = None,
    redact: Annotated[bool, typer.Option(help="Hide model responses in the examples.")] = False,
) -> None:
    """Write the self-contained HTML report."""
    path = out or run_dir / "report.html"
    check_output(path, "--out")
    try:
        attempts = latest_attempts(read_log(run_dir / LOG_NAME))
        manifest = read_manifest(run_dir) if (run_dir / "manifest.json").exists() else {}
        spec_secrets = (
            read_spec(run_dir).get("secrets", []) if (run_dir / "run.json").exists() else []
        )
        html = render_report(
            attempts,
            manifest,
            accuracy=measure_accuracy(detectors_for(spec_secrets)),
            redact=redact,
        )
    except (RedteamError, OSError) as exc:
        raise fail(exc) from exc
    write_output(path, html)
    console.print(f"report: {path}")
    outcome = run_outcome(attempts, manifest.get("target") or {})
    if not outcome.measured:
        console.print(
            f"[yellow]warning:[/yellow] not a result, no attempt was scored "
            f"({outcome.causes_text()}); the report says so and shows no rate"
        )


@app.command()
def probes(pattern: Annotated[list[str] | None, typer.Argument()] = None) -> None:
    """List registered probes (optionally filtered by id or glob)."""
    try:
        chosen = (
            select_probes(pattern or [], with_attacker=True)
            if pattern
            else [*probe_registry().values(), *attacker_probes().values()]
        )
    except (RedteamError, OSError) as exc:
        raise fail(exc) from exc
    table = Table()
    for column in ("id", "category", "family", "severity", "detectors", "OWASP", "goal"):
        table.add_column(column, no_wrap=column == "id")
    for p in chosen:
        i = p.info
        table.add_row(
            i.id, i.category, i.family, i.severity, ",".join(i.detectors), ",".join(i.owasp), i.goal
        )
    console.print(table)


@app.command("import")
def import_results(
    source: Path,
    out: Annotated[Path, typer.Option(help="Run folder to create with the imported attempts.")],
    kind: Annotated[str, typer.Option("--format", help="garak or promptfoo")] = "garak",
) -> None:
    """Import a garak report JSONL or a promptfoo results JSON as an Ombud run folder."""
    try:
        if kind not in ("garak", "promptfoo"):
            raise RedteamError(f"--format must be garak or promptfoo, got '{kind}'")
        if (out / LOG_NAME).exists():
            raise RedteamError(f"{out / LOG_NAME} exists; choose an empty folder")
        attempts = import_garak(source) if kind == "garak" else import_promptfoo(source)
        out.mkdir(parents=True, exist_ok=True)
        with RunLog(out / LOG_NAME) as log:
            for attempt in attempts:
                log.append(attempt)
        manifest = {
            "imported_from": str(source),
            "format": kind,
            "target": {"type": kind},
            "seed": None,
            "plan_sha256": None,
            "attempts_planned": len(attempts),
        }
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    except (RedteamError, OSError) as exc:
        raise fail(exc) from exc
    console.print(f"{len(attempts)} attempts imported into {out / LOG_NAME}")
    print_rates(attempts, "category")
    outcome = run_outcome(attempts, {"type": kind})
    if not outcome.measured:
        console.print(
            f"[yellow]warning:[/yellow] no imported attempt was scored ({outcome.causes_text()}); "
            "the import holds no result and cannot be recorded as evidence"
        )
