"""``ombud explain shap|lime|gap|rate-gap|reasons|ig|attention MODEL DATA ...``: explanations.

A thin adapter like ``ombud audit fairness``: parse the options into a request of
:mod:`ombud.services.explain_runs`, hand it to the run service (which checks a
``--system/--version`` target before reading the model, runs the engine and records the
``explainability_report`` evidence, or nothing on failure), then render a table, JSON or a
self-contained HTML report. Engine errors are ``ValueError`` subclasses, reworded here to
name this command's flags, which the root command prints as one line with exit code 2.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from ombud.cli._explain_render import (
    render_attention,
    render_html,
    render_json,
    render_table,
    wording,
)
from ombud.cli._output import check_output
from ombud.cli._rate_gap_render import (
    render_rate_gap_html,
    render_rate_gap_json,
    render_rate_gap_table,
)
from ombud.cli._runs import OutputOption, SystemOption, VersionOption, announce, recording, show
from ombud.services.explain_rate_gap import explain_rate_gap_run
from ombud.services.explain_requests import RateGapReport, RateGapRequest
from ombud.services.explain_runs import (
    AttentionRequest,
    ExplainReport,
    GapRequest,
    LimeRequest,
    ModelSource,
    ReasonsRequest,
    ShapRequest,
    TextIgRequest,
    explain_attention_run,
    explain_gap_run,
    explain_lime_run,
    explain_reasons_run,
    explain_shap_run,
    explain_text_ig_run,
)
from ombud.services.runs import RecordTarget, RunOutcome

__all__ = ["app"]

app = typer.Typer(
    help="Explain a model's outputs: SHAP, LIME, group gaps (mean output and thresholded "
    "rate), adverse-action reasons, and integrated gradients and attention for text models.",
    no_args_is_help=True,
)

Q = TypeVar("Q")
R = TypeVar("R")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    html = "html"


class Method(StrEnum):
    auto = "auto"
    tree = "tree"
    linear = "linear"
    exact = "exact"
    permutation = "permutation"
    kernel = "kernel"


class Output(StrEnum):
    auto = "auto"
    margin = "margin"
    probability = "probability"
    prediction = "prediction"


ModelArg = Annotated[
    Path,
    typer.Argument(
        help="Model file: a skops archive, an XGBoost .json/.ubj or LightGBM .txt model "
        "(or a trusted pickle)."
    ),
]
DataArg = Annotated[Path, typer.Argument(help="CSV or Parquet file of the rows to explain.")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format")]
TrustOpt = Annotated[
    bool,
    typer.Option(
        "--trust-model",
        help="Allow a pickle/joblib model whose sha256 is pinned on --version (or given by "
        "--model-sha256 when not recording). Loading a pickle runs code from the file.",
    ),
]
ShaOpt = Annotated[
    str | None,
    typer.Option("--model-sha256", help="The reviewed digest of a trusted pickle (not recorded)."),
]
TypesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--trusted-type", help="A skops type you reviewed (e.g. sklearn.tree._tree.Tree)."
    ),
]
IgnoreOpt = Annotated[
    list[str] | None,
    typer.Option("--ignore", help="A column that is not a model input (model without names)."),
]
SeedOpt = Annotated[int, typer.Option("--seed")]
MethodOpt = Annotated[Method, typer.Option("--method", help="SHAP explainer.")]
OutputKindOpt = Annotated[Output, typer.Option("--output-kind", help="Model output explained.")]
BackgroundSizeOpt = Annotated[int, typer.Option("--background-size")]
MaxRowsOpt = Annotated[
    int, typer.Option("--max-rows", help="Explain a random sample of at most this many rows.")
]


def _model(model: Path, trust: bool, sha: str | None, types: list[str] | None) -> ModelSource:
    return ModelSource(model, trust=trust, sha256=sha, trusted_types=tuple(types or ()))


def _execute(
    ctx: typer.Context,
    label: str,
    request: Q,
    service: Callable[[Q, RecordTarget | None], RunOutcome[R]],
    where: tuple[str | None, str | None],
    output: Path | None,
) -> R:
    """Run (and record) through the service; engine messages reworded to name flags."""
    check_output(output)
    err = Console(stderr=True)
    with recording(ctx, *where) as target:
        try:
            with err.status(f"explaining ({label}) ..."):
                outcome = service(request, target)
        except ValueError as exc:
            if not type(exc).__module__.startswith("ombud."):
                raise
            raise type(exc)(wording(str(exc))) from None
    announce(outcome.evidence)
    return outcome.result


def _run(
    ctx: typer.Context,
    label: str,
    request: Q,
    service: Callable[[Q, RecordTarget | None], RunOutcome[ExplainReport]],
    where: tuple[str | None, str | None],
    output_format: OutputFormat,
    output: Path | None,
) -> None:
    report = _execute(ctx, label, request, service, where, output)
    if output_format is OutputFormat.table:
        show(output, table=lambda console: render_table(report, console))
    elif output_format is OutputFormat.json:
        show(output, text=render_json(report))
    else:
        show(output, text=render_html(report))


@app.command("shap")
def shap(
    ctx: typer.Context,
    model: ModelArg,
    data: DataArg,
    method: MethodOpt = Method.auto,
    output_kind: OutputKindOpt = Output.auto,
    background: Annotated[
        Path | None, typer.Option("--background", help="Rows to explain against (default: DATA).")
    ] = None,
    background_size: BackgroundSizeOpt = 100,
    max_rows: MaxRowsOpt = 2000,
    max_evaluations: Annotated[int, typer.Option("--max-evaluations")] = 5_000_000,
    seed: SeedOpt = 0,
    ignore: IgnoreOpt = None,
    trust_model: TrustOpt = False,
    model_sha256: ShaOpt = None,
    trusted_type: TypesOpt = None,
    output_format: FormatOpt = OutputFormat.table,
    output: OutputOption = None,
    system: SystemOption = None,
    version: VersionOption = None,
) -> None:
    """SHAP attributions of the rows of DATA, with the additivity check and global importance."""
    request = ShapRequest(
        _model(model, trust_model, model_sha256, trusted_type),
        data,
        method=method.value,
        output=output_kind.value,
        background=background,
        background_size=background_size,
        max_rows=max_rows,
        seed=seed,
        max_evaluations=max_evaluations,
        ignore=tuple(ignore or ()),
    )
    _run(ctx, "SHAP", request, explain_shap_run, (system, version), output_format, output)


def _row_numbers(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r}: give row numbers (0-based) separated by commas, e.g. 0,5,7"
        ) from None


@app.command("lime")
def lime(
    ctx: typer.Context,
    model: ModelArg,
    data: DataArg,
    rows: Annotated[str, typer.Option("--rows", help="Row numbers of DATA (0-based), e.g. 0,5.")],
    output_kind: OutputKindOpt = Output.auto,
    n_seeds: Annotated[int, typer.Option("--n-seeds", help="Seeds for the stability score.")] = 10,
    top_k: Annotated[int, typer.Option("--top-k")] = 4,
    threshold: Annotated[float, typer.Option("--threshold", help="Stable at or above.")] = 0.8,
    num_samples: Annotated[int, typer.Option("--num-samples")] = 1000,
    seed: SeedOpt = 0,
    ignore: IgnoreOpt = None,
    trust_model: TrustOpt = False,
    model_sha256: ShaOpt = None,
    trusted_type: TypesOpt = None,
    output_format: FormatOpt = OutputFormat.table,
    output: OutputOption = None,
    system: SystemOption = None,
    version: VersionOption = None,
) -> None:
    """LIME weights of chosen rows, each re-run under several seeds for a stability score."""
    request = LimeRequest(
        _model(model, trust_model, model_sha256, trusted_type),
        data,
        rows=_row_numbers(rows),
        output=output_kind.value,
        seed=seed,
        n_seeds=n_seeds,
        top_k=top_k,
        threshold=threshold,
        num_samples=num_samples,
        ignore=tuple(ignore or ()),
    )
    _run(ctx, "LIME", request, explain_lime_run, (system, version), output_format, output)


def _pair(groups: str | None) -> tuple[str, str] | None:
    if groups is None:
        return None
    parts = [g.strip() for g in groups.split(",")]
    if len(parts) != 2 or not all(parts):
        raise typer.BadParameter(f"--groups {groups!r}: give two groups as A,B")
    return parts[0], parts[1]


@app.command("gap")
def gap(
    ctx: typer.Context,
    model: ModelArg,
    data: DataArg,
    sensitive: Annotated[str, typer.Option("--sensitive", help="The group column.")],
    groups: Annotated[
        str | None, typer.Option("--groups", help="A,B: the two groups (default: largest two).")
    ] = None,
    method: MethodOpt = Method.auto,
    output_kind: OutputKindOpt = Output.auto,
    background_size: BackgroundSizeOpt = 100,
    max_rows: MaxRowsOpt = 2000,
    confidence: Annotated[float, typer.Option("--confidence")] = 0.95,
    proxies: Annotated[
        bool,
        typer.Option("--proxies/--no-proxies", help="Score each feature as a proxy of S."),
    ] = True,
    seed: SeedOpt = 0,
    ignore: IgnoreOpt = None,
    trust_model: TrustOpt = False,
    model_sha256: ShaOpt = None,
    trusted_type: TypesOpt = None,
    output_format: FormatOpt = OutputFormat.table,
    output: OutputOption = None,
    system: SystemOption = None,
    version: VersionOption = None,
) -> None:
    """The gap in mean model output between two groups, split by feature, with intervals."""
    request = GapRequest(
        _model(model, trust_model, model_sha256, trusted_type),
        data,
        sensitive=sensitive,
        groups=_pair(groups),
        method=method.value,
        output=output_kind.value,
        background_size=background_size,
        max_rows=max_rows,
        seed=seed,
        confidence=confidence,
        ignore=tuple(ignore or ()),
        proxies=proxies,
    )
    _run(ctx, "gap", request, explain_gap_run, (system, version), output_format, output)


class Rate(StrEnum):
    selection = "selection"
    fpr = "fpr"
    tpr = "tpr"


@app.command("rate-gap")
def rate_gap(
    ctx: typer.Context,
    model: ModelArg,
    data: DataArg,
    sensitive: Annotated[str, typer.Option("--sensitive", help="The group column.")],
    groups: Annotated[
        str | None, typer.Option("--groups", help="A,B: the two groups (default: largest two).")
    ] = None,
    rate: Annotated[
        Rate, typer.Option("--rate", help="selection (all rows), fpr or tpr (needs --label).")
    ] = Rate.selection,
    label: Annotated[
        str | None, typer.Option("--label", help="True-outcome column (for --rate fpr/tpr).")
    ] = None,
    pos_label: Annotated[str, typer.Option("--pos-label", help="Positive outcome value.")] = "1",
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold", help="Selected when output >= this (default 0 margin, 0.5 prob.)."
        ),
    ] = None,
    output_kind: OutputKindOpt = Output.auto,
    pairs: Annotated[int, typer.Option("--pairs", help="Random (A, B) row pairs drawn.")] = 2000,
    permutations: Annotated[
        int, typer.Option("--permutations", help="Permutations above 8 features.")
    ] = 64,
    n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap replicates.")] = 200,
    confidence: Annotated[float, typer.Option("--confidence")] = 0.95,
    seed: SeedOpt = 0,
    ignore: IgnoreOpt = None,
    trust_model: TrustOpt = False,
    model_sha256: ShaOpt = None,
    trusted_type: TypesOpt = None,
    output_format: FormatOpt = OutputFormat.table,
    output: OutputOption = None,
    system: SystemOption = None,
    version: VersionOption = None,
) -> None:
    """The gap in a thresholded rate (selection, FPR, TPR) between two groups, by feature."""
    request = RateGapRequest(
        _model(model, trust_model, model_sha256, trusted_type),
        data,
        sensitive=sensitive,
        groups=_pair(groups),
        rate=rate.value,
        label=label,
        pos_label=pos_label,
        threshold=threshold,
        output=output_kind.value,
        pairs=pairs,
        permutations=permutations,
        n_boot=n_boot,
        confidence=confidence,
        seed=seed,
        ignore=tuple(ignore or ()),
    )
    report: RateGapReport = _execute(
        ctx, "rate gap", request, explain_rate_gap_run, (system, version), output
    )
    if output_format is OutputFormat.table:
        show(output, table=lambda console: render_rate_gap_table(report, console))
    elif output_format is OutputFormat.json:
        show(output, text=render_rate_gap_json(report))
    else:
        show(output, text=render_rate_gap_html(report))


@app.command("reasons")
def reasons(
    ctx: typer.Context,
    model: ModelArg,
    data: DataArg,
    decision: Annotated[str, typer.Option("--decision", help="The decision column.")],
    reason_table: Annotated[
        Path, typer.Option("--reasons", help="Reason-code table (YAML): feature -> code.")
    ],
    declined_value: Annotated[
        str, typer.Option("--declined-value", help="The decision value of a decline.")
    ] = "0",
    cutoff: Annotated[
        float | None,
        typer.Option(
            "--cutoff", help="Approval cutoff on the output (default 0 margin, 0.5 prob.)."
        ),
    ] = None,
    higher_declines: Annotated[
        bool, typer.Option("--higher-declines", help="The model scores the risk of a decline.")
    ] = False,
    output_kind: OutputKindOpt = Output.auto,
    background: Annotated[
        str, typer.Option("--background", help="cutoff (Reg B comment 9(b)(2)-5) or all.")
    ] = "cutoff",
    background_size: BackgroundSizeOpt = 100,
    sensitive: Annotated[
        str | None, typer.Option("--sensitive", help="Protected column: never a reason.")
    ] = None,
    protected: Annotated[
        list[str] | None, typer.Option("--protected", help="Another protected column.")
    ] = None,
    id_column: Annotated[str | None, typer.Option("--id", help="Applicant id column.")] = None,
    top_n: Annotated[int, typer.Option("--top-n")] = 4,
    seed: SeedOpt = 0,
    ignore: IgnoreOpt = None,
    trust_model: TrustOpt = False,
    model_sha256: ShaOpt = None,
    trusted_type: TypesOpt = None,
    output_format: FormatOpt = OutputFormat.table,
    output: OutputOption = None,
    system: SystemOption = None,
    version: VersionOption = None,
) -> None:
    """Principal reasons for each declined applicant (Regulation B), and their stability."""
    if background not in ("cutoff", "all"):
        raise typer.BadParameter(f"--background {background!r}: use cutoff or all")
    request = ReasonsRequest(
        _model(model, trust_model, model_sha256, trusted_type),
        data,
        decision=decision,
        reasons=reason_table,
        declined_value=declined_value,
        cutoff=cutoff,
        higher_approves=not higher_declines,
        output=output_kind.value,
        background="cutoff" if background == "cutoff" else "all",
        background_size=background_size,
        sensitive=sensitive,
        protected=tuple(protected or ()),
        id_column=id_column,
        top_n=top_n,
        seed=seed,
        ignore=tuple(ignore or ()),
    )
    _run(ctx, "reasons", request, explain_reasons_run, (system, version), output_format, output)


class Baseline(StrEnum):
    pad = "pad"
    mask = "mask"


HeadArg = Annotated[
    Path,
    typer.Argument(
        help="The text model's head: a skops LogisticRegression fitted on MiniLM embeddings."
    ),
]
TextColumnOpt = Annotated[
    str, typer.Option("--text-column", help="The column of DATA that holds the texts.")
]
TextRowsOpt = Annotated[
    str | None, typer.Option("--rows", help="Row numbers of DATA (0-based), e.g. 0,5.")
]
TextMaxRowsOpt = Annotated[
    int, typer.Option("--max-rows", help="Without --rows: the first this many texts.")
]


@app.command("ig")
def ig(
    ctx: typer.Context,
    model: HeadArg,
    data: DataArg,
    text_column: TextColumnOpt,
    rows: TextRowsOpt = None,
    max_rows: TextMaxRowsOpt = 20,
    n_steps: Annotated[int, typer.Option("--n-steps", help="First number of IG steps.")] = 50,
    max_steps: Annotated[
        int, typer.Option("--max-steps", help="Steps are doubled up to this until converged.")
    ] = 800,
    tolerance: Annotated[
        float, typer.Option("--tolerance", help="Converged: |delta| <= this x |f(x) - f(b)|.")
    ] = 0.01,
    baseline: Annotated[
        Baseline, typer.Option("--baseline", help="Tokens of the baseline text.")
    ] = Baseline.pad,
    trusted_type: TypesOpt = None,
    output_format: FormatOpt = OutputFormat.table,
    output: OutputOption = None,
    system: SystemOption = None,
    version: VersionOption = None,
) -> None:
    """Integrated gradients of a MiniLM text model: each token's share of the output."""
    request = TextIgRequest(
        _model(model, False, None, trusted_type),
        data,
        text_column=text_column,
        rows=_row_numbers(rows) if rows else (),
        max_rows=max_rows,
        n_steps=n_steps,
        max_steps=max_steps,
        tolerance=tolerance,
        baseline="pad" if baseline is Baseline.pad else "mask",
    )
    _run(
        ctx,
        "integrated gradients",
        request,
        explain_text_ig_run,
        (system, version),
        output_format,
        output,
    )


# The method's full name, as `ombud explain integrated-gradients` (same command, hidden).
app.command("integrated-gradients", hidden=True)(ig)


@app.command("attention")
def attention(
    model: HeadArg,
    data: DataArg,
    text_column: TextColumnOpt,
    rows: TextRowsOpt = None,
    max_rows: TextMaxRowsOpt = 20,
    residual: Annotated[
        float, typer.Option("--residual", help="Identity share in attention rollout.")
    ] = 0.5,
    trusted_type: TypesOpt = None,
    output_format: FormatOpt = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Attention per layer and head and attention rollout of a MiniLM text model (shown,
    not recorded: attention is not an explanation of the output)."""
    check_output(output)
    request = AttentionRequest(
        _model(model, False, None, trusted_type),
        data,
        text_column=text_column,
        rows=_row_numbers(rows) if rows else (),
        max_rows=max_rows,
        residual=residual,
    )
    try:
        with Console(stderr=True).status("attention maps ..."):
            outcome = explain_attention_run(request)
    except ValueError as exc:
        if not type(exc).__module__.startswith("ombud."):
            raise
        raise type(exc)(wording(str(exc))) from None
    render_attention(outcome.result, output_format.value, output)
