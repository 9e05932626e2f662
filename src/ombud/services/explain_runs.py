"""The explanation engine as runs: SHAP, LIME, a group gap by feature, adverse-action reasons.

Adapters (``ombud explain shap|lime|gap|reasons``, later the web and the demo) describe the
work as a request and call :func:`explain_shap_run` and its siblings; each builds an
:class:`EngineRun` and hands it to :func:`ombud.services.runs.run_engine`, so the target is
checked before the model is even read, the engine runs outside any transaction and the
``explainability_report`` evidence is recorded in one, or nothing is recorded at all.

The request and report types live in :mod:`ombud.services.explain_requests` and are
re-exported here. Two things are decided here rather than in the engine, because they
need the record:

* **which digest a trusted pickle must have.** ``load_model`` refuses a pickle unless it is
  trusted *and* its sha256 equals a pinned digest. When the run is recorded, that digest is
  the one pinned on the system version (``models[].sha256`` of the version), never one the
  caller types: a file that differs from what was reviewed is refused. A run that is only
  shown takes the caller's ``--model-sha256``.
* **which columns are features.** A data file usually holds more than the model's inputs
  (the sensitive attribute, the decision, an id). The model's own ``feature_names_in_``
  select them; a model without names gets every column that plays no other role.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from ombud.explain import (
    ExplainInputError,
    LoadedModel,
    UnsafeModelError,
    adverse_action_reasons,
    attention_maps,
    attribute_gap,
    explain_lime,
    explain_shap,
    explain_text_ig,
    group_moments,
    load_model,
    load_reason_table,
    proxy_scores,
    text_model,
)
from ombud.fairness import detect_proxies
from ombud.governance import InvalidInput
from ombud.records import EvidenceDraft, InputRef, sha256_file
from ombud.services.evidence import check_evidence_target
from ombud.services.explain_requests import (
    AttentionReport,
    AttentionRequest,
    ExplainReport,
    GapRequest,
    LimeRequest,
    ModelSource,
    ReasonsRequest,
    ShapRequest,
    TextIgRequest,
)
from ombud.services.runs import EngineRun, RecordTarget, RunOutcome, run_engine
from ombud.services.systems import get_system

__all__ = [
    "AttentionReport",
    "AttentionRequest",
    "ExplainReport",
    "GapRequest",
    "LimeRequest",
    "ModelSource",
    "ReasonsRequest",
    "ShapRequest",
    "TextIgRequest",
    "attention_run",
    "explain_attention_run",
    "explain_gap_run",
    "explain_lime_run",
    "explain_reasons_run",
    "explain_shap_run",
    "explain_text_ig_run",
    "gap_run",
    "lime_run",
    "reasons_run",
    "shap_run",
    "text_ig_run",
]

# --- model and data ------------------------------------------------------------------------


def _pinned_digest(target: RecordTarget, file: Path) -> str:
    """The digest a trusted model file must have: the one pinned on the recorded version."""
    check_evidence_target(target.context, target.actor, target.system_id, target.version)
    detail = get_system(target.context, target.system_id)
    version = next(v for v in detail.versions if v.label == target.version)
    pins = [str(m.get("sha256", "")) for m in version.models]
    where = f"{target.system_id}@{target.version}"
    if not pins:
        raise UnsafeModelError(
            f"{file}: --trust-model needs the model's sha256 pinned on {where}, which pins no "
            "model; add the model (name, uri, sha256) to a version first"
        )
    digest = sha256_file(str(file)) if file.is_file() else ""
    if digest in pins:
        return digest
    if len(pins) == 1:
        return pins[0]  # load_model names both digests in its refusal
    raise UnsafeModelError(
        f"{file}: sha256 {digest} is none of the {len(pins)} model digests pinned on {where}; "
        "the file is not the reviewed model: do not load it"
    )


def _load(source: ModelSource, target: RecordTarget | None) -> LoadedModel:
    if not source.trust:
        return load_model(source.path, trusted=source.trusted_types)
    expected = source.sha256
    if target is not None:
        if source.sha256 is not None:
            raise InvalidInput(
                "--model-sha256 is for runs that are not recorded; a recorded run checks the "
                f"model against the digest pinned on {target.system_id}@{target.version}"
            )
        expected = _pinned_digest(target, source.path)
    return load_model(
        source.path, trusted=source.trusted_types, trust=True, expected_sha256=expected
    )


def _read(path: Path) -> tuple[pd.DataFrame, InputRef]:
    """A CSV or Parquet file as a frame, with its content reference."""
    if not path.is_file():
        raise ExplainInputError(f"data file {str(path)!r} does not exist; check the path")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ExplainInputError(
            f"cannot read data file {str(path)!r} as CSV or Parquet ({first})"
        ) from None
    return frame, InputRef(path.name, sha256_file(str(path)), rows=len(frame))


def _features(
    frame: pd.DataFrame, model: LoadedModel, path: Path, roles: Sequence[str]
) -> pd.DataFrame:
    """The model's input columns of ``frame``, or a one-line error naming what is missing."""
    names = getattr(model.model, "feature_names_in_", None)
    if names is None:
        kept = frame.drop(columns=[c for c in roles if c in frame.columns])
        wanted = getattr(model.model, "n_features_in_", None)
        if wanted is not None and kept.shape[1] != int(wanted):
            raise ExplainInputError(
                f"{path.name}: model {type(model.model).__name__} ({Path(model.path).name}) "
                f"records no feature names and takes {wanted} features, but {kept.shape[1]} "
                f"columns are left ({', '.join(map(str, list(kept.columns)[:12]))}); name "
                "each column that is not a model input with --ignore"
            )
        return kept
    expected = [str(n) for n in names]
    missing = [n for n in expected if n not in frame.columns]
    if missing:
        shown = ", ".join(map(str, list(frame.columns)[:12]))
        raise ExplainInputError(
            f"{path.name}: model {type(model.model).__name__} ({Path(model.path).name}) was "
            f"fitted on feature(s) {missing} that the data lacks (its columns: {shown}); "
            "give the data the model was trained on"
        )
    return frame[expected]


def _column(frame: pd.DataFrame, name: str, path: Path, flag: str) -> pd.Series:
    if name not in frame.columns:
        raise ExplainInputError(
            f"{flag} {name!r}: no such column in {path.name} (columns: "
            f"{', '.join(map(str, list(frame.columns)[:12]))})"
        )
    return frame[name]


def _sample(frame: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """At most ``size`` rows, drawn with ``seed``; index kept, so other columns align."""
    if size < 1:
        raise ExplainInputError(f"--max-rows must be at least 1, got {size}")
    return frame if len(frame) <= size else frame.sample(n=size, random_state=seed).sort_index()


# --- the four runs -------------------------------------------------------------------------


def _run(command: str, work: Callable[[], ExplainReport]) -> EngineRun[ExplainReport]:
    return EngineRun(label=f"explain {command}", execute=work, draft=lambda r: r.draft())


def shap_run(request: ShapRequest, target: RecordTarget | None = None) -> EngineRun[ExplainReport]:
    def execute() -> ExplainReport:
        model = _load(request.model, target)
        frame, ref = _read(request.data)
        rows = _sample(frame, request.max_rows, request.seed)
        X = _features(rows, model, request.data, request.ignore)
        # The background defaults to the whole file (sampled to background_size): the
        # attributions then say how a row differs from the rows it came with.
        background = _features(frame, model, request.data, request.ignore)
        if request.background is not None:
            bg_frame, _ = _read(request.background)
            background = _features(bg_frame, model, request.background, request.ignore)
        explanation = explain_shap(
            model.model,
            X,
            background=background,
            method=request.method,
            output=request.output,
            background_size=request.background_size,
            seed=request.seed,
            max_evaluations=request.max_evaluations,
        )
        return ExplainReport("shap", model, ref, explanation, notes=_sampled(frame, rows))

    return _run("shap", execute)


def _sampled(frame: pd.DataFrame, rows: pd.DataFrame) -> tuple[str, ...]:
    if len(rows) == len(frame):
        return ()
    return (f"explained a random sample of {len(rows)} of the {len(frame)} rows",)


def lime_run(request: LimeRequest, target: RecordTarget | None = None) -> EngineRun[ExplainReport]:
    def execute() -> ExplainReport:
        if not request.rows:
            raise ExplainInputError("--rows: give at least one row number (0-based), e.g. 0,5")
        model = _load(request.model, target)
        frame, ref = _read(request.data)
        bad = [r for r in request.rows if not 0 <= r < len(frame)]
        if bad:
            raise ExplainInputError(
                f"--rows {bad}: {request.data.name} has rows 0 to {len(frame) - 1}"
            )
        X = _features(frame, model, request.data, request.ignore)
        explanation = explain_lime(
            model.model,
            X.iloc[list(request.rows)],
            training_data=X,
            output=request.output,
            seed=request.seed,
            n_seeds=request.n_seeds,
            top_k=request.top_k,
            threshold=request.threshold,
            num_samples=request.num_samples,
        )
        labels = tuple(str(r) for r in request.rows)
        return ExplainReport("lime", model, ref, explanation, row_labels=labels)

    return _run("lime", execute)


def _pick_groups(values: pd.Series, given: tuple[str, str] | None, flag: str) -> tuple[str, str]:
    labels = values.astype(str)
    if given is not None:
        missing = [g for g in given if g not in set(labels)]
        if missing:
            raise ExplainInputError(
                f"--groups: {missing} not among the values of {flag} ({sorted(set(labels))[:12]})"
            )
        return given
    counts = labels.value_counts()
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if len(ordered) < 2:
        raise ExplainInputError(f"{flag} has fewer than two groups; nothing to compare")
    return str(ordered[0][0]), str(ordered[1][0])


def _proxy_scores(
    X: pd.DataFrame, groups: pd.Series, attribute: str, seed: int
) -> dict[str, float]:
    """Feature -> cross-validated AUC for predicting ``attribute`` (the fairness engine's
    proxy detection; an engine does not import another, so the service joins them)."""
    table = X.reset_index(drop=True).assign(**{attribute: groups.astype(str).to_numpy()})
    features = [c for c in X.columns if c != attribute]
    report = detect_proxies(table, attribute, features=features, random_state=seed)
    return proxy_scores(report.findings, attribute)


def gap_run(request: GapRequest, target: RecordTarget | None = None) -> EngineRun[ExplainReport]:
    def execute() -> ExplainReport:
        model = _load(request.model, target)
        frame, ref = _read(request.data)
        groups_all = _column(frame, request.sensitive, request.data, "--sensitive")
        if groups_all.isna().any():
            raise ExplainInputError(
                f"--sensitive {request.sensitive!r} has {int(groups_all.isna().sum())} missing "
                f"value(s) in {request.data.name}; fill or drop those rows first"
            )
        a, b = _pick_groups(groups_all, request.groups, f"--sensitive {request.sensitive!r}")
        rows = _sample(frame, request.max_rows, request.seed)
        roles = (request.sensitive, *request.ignore)
        X = _features(rows, model, request.data, roles)
        explanation = explain_shap(
            model.model,
            X,
            background=_features(frame, model, request.data, roles),
            method=request.method,
            output=request.output,
            background_size=request.background_size,
            seed=request.seed,
        )
        moments = group_moments(explanation, rows[request.sensitive].astype(str))
        scores, notes = None, list(_sampled(frame, rows))
        if request.proxies:
            scores = _proxy_scores(X, rows[request.sensitive], request.sensitive, request.seed)
            notes.append(
                f"proxy score: cross-validated AUC of each feature alone for predicting "
                f"{request.sensitive} (ombud.fairness.detect_proxies) on the explained rows"
            )
        gap = attribute_gap(moments, a, b, confidence=request.confidence, proxy_scores=scores)
        return ExplainReport(
            "gap",
            model,
            ref,
            explanation,
            gap=gap,
            gap_attribute=request.sensitive,
            importance=moments.importance(),
            notes=tuple(notes),
        )

    return _run("gap", execute)


def _cutoff(request: ReasonsRequest, model: LoadedModel) -> float:
    if request.cutoff is not None:
        return request.cutoff
    margin = request.output == "margin" or (
        request.output == "auto" and hasattr(model.model, "decision_function")
    )
    return 0.0 if margin else 0.5


def reasons_run(
    request: ReasonsRequest, target: RecordTarget | None = None
) -> EngineRun[ExplainReport]:
    def execute() -> ExplainReport:
        protected = tuple(p for p in (request.sensitive, *request.protected) if p)
        table = load_reason_table(request.reasons, protected=protected)
        model = _load(request.model, target)
        frame, ref = _read(request.data)
        decision = _column(frame, request.decision, request.data, "--decision")
        declined = (decision.astype(str) == request.declined_value).to_numpy()
        ids = None
        if request.id_column is not None:
            ids = list(_column(frame, request.id_column, request.data, "--id"))
        roles = [request.decision, *protected, *request.ignore]
        roles += [request.id_column] if request.id_column else []
        X = _features(frame, model, request.data, roles)
        if not declined.any():
            raise ExplainInputError(
                f"--decision {request.decision!r}: no row of {request.data.name} has the "
                f"declined value {request.declined_value!r}; check --declined-value"
            )
        reasons = adverse_action_reasons(
            model.model,
            X,
            table=table,
            cutoff=_cutoff(request, model),
            background=request.background,
            higher_approves=request.higher_approves,
            declined=list(declined),
            ids=ids,
            protected=protected,
            top_n=request.top_n,
            background_size=request.background_size,
            seed=request.seed,
            output=request.output,
        )
        distribution = None
        if request.sensitive is not None:
            groups = _column(frame, request.sensitive, request.data, "--sensitive")
            distribution = reasons.distribution(list(groups[declined].astype(str)))
        return ExplainReport(
            "reasons",
            model,
            ref,
            reasons.explanation,
            reasons=reasons,
            reason_distribution=distribution,
            gap_attribute=request.sensitive or "",
        )

    return _run("reasons", execute)


def explain_shap_run(
    request: ShapRequest, target: RecordTarget | None = None
) -> RunOutcome[ExplainReport]:
    """SHAP attributions; with ``target``, recorded as ``explainability_report`` evidence."""
    return run_engine(shap_run(request, target), target)


def explain_lime_run(
    request: LimeRequest, target: RecordTarget | None = None
) -> RunOutcome[ExplainReport]:
    """LIME weights with their stability; with ``target``, recorded as evidence."""
    return run_engine(lime_run(request, target), target)


def explain_gap_run(
    request: GapRequest, target: RecordTarget | None = None
) -> RunOutcome[ExplainReport]:
    """A group gap attributed to features, with intervals; with ``target``, recorded."""
    return run_engine(gap_run(request, target), target)


def explain_reasons_run(
    request: ReasonsRequest, target: RecordTarget | None = None
) -> RunOutcome[ExplainReport]:
    """Adverse-action reasons (counts and stability recorded, never the applicants)."""
    return run_engine(reasons_run(request, target), target)


# --- text models (the explain-torch extra) --------------------------------------------------


def _texts(
    path: Path, column: str, rows: tuple[int, ...], max_rows: int
) -> tuple[list[str], tuple[str, ...], InputRef]:
    """The texts to explain (chosen rows, or the first ``max_rows``) and their labels."""
    frame, ref = _read(path)
    values = _column(frame, column, path, "--text-column")
    if rows:
        bad = [r for r in rows if not 0 <= r < len(frame)]
        if bad:
            raise ExplainInputError(f"--rows {bad}: {path.name} has rows 0 to {len(frame) - 1}")
        chosen = list(rows)
    else:
        if max_rows < 1:
            raise ExplainInputError(f"--max-rows must be at least 1, got {max_rows}")
        chosen = list(range(min(max_rows, len(frame))))
    texts = values.iloc[chosen]
    empty = [r for r, t in zip(chosen, texts, strict=True) if not isinstance(t, str) or not t]
    if empty or not chosen:
        raise ExplainInputError(
            f"--text-column {column!r}: row(s) {empty[:10]} of {path.name} hold no text; "
            "pick rows with --rows"
        )
    return [str(t) for t in texts], tuple(f"row {r}" for r in chosen), ref


def text_ig_run(
    request: TextIgRequest, target: RecordTarget | None = None
) -> EngineRun[ExplainReport]:
    def execute() -> ExplainReport:
        texts, labels, ref = _texts(
            request.data, request.text_column, request.rows, request.max_rows
        )
        model = _load(request.model, target)
        explanation = explain_text_ig(
            text_model(model.model),
            texts,
            baseline=request.baseline,
            n_steps=request.n_steps,
            max_steps=request.max_steps,
            tolerance=request.tolerance,
        )
        return ExplainReport("ig", model, ref, explanation, row_labels=labels)

    return _run("ig", execute)


def attention_run(request: AttentionRequest) -> EngineRun[AttentionReport]:
    def execute() -> AttentionReport:
        texts, labels, ref = _texts(
            request.data, request.text_column, request.rows, request.max_rows
        )
        model = _load(request.model, None)
        maps = attention_maps(text_model(model.model), texts, residual=request.residual)
        return AttentionReport(model, ref, maps, row_labels=labels)

    def no_evidence(report: AttentionReport) -> EvidenceDraft:
        raise AssertionError("attention maps are never recorded")  # run_engine gets no target

    return EngineRun(label="explain attention", execute=execute, draft=no_evidence)


def explain_text_ig_run(
    request: TextIgRequest, target: RecordTarget | None = None
) -> RunOutcome[ExplainReport]:
    """Token attributions of a text model by integrated gradients; with ``target``, recorded
    (the completeness check is the evidence's quality verdict)."""
    return run_engine(text_ig_run(request, target), target)


def explain_attention_run(request: AttentionRequest) -> RunOutcome[AttentionReport]:
    """Attention maps and rollout of a text model, shown only: attention is not an
    explanation of the output, so it is never recorded as explanation evidence."""
    return run_engine(attention_run(request), None)
