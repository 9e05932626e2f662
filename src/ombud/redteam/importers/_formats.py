"""Importers: other tools' results into Ombud attempts, and users' prompt sets into probes.

Teams already have garak and promptfoo runs; importing them into the same ``Attempt``
records means the same rates, intervals, comparisons and evidence apply. External
prompt sets keep their license and provenance per prompt, because a prompt set a user
was given is not ours to relabel.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from ombud.redteam.core import (
    Attempt,
    AttemptStatus,
    DetectorResult,
    Outcome,
    ProbeInfo,
    PromptSetError,
    Turn,
)
from ombud.redteam.probes import PromptSpec, StaticProbe
from ombud.yamlsource import KeyPath, LocatedYaml, YamlSourceError, load_yaml_file

__all__ = [
    "import_garak",
    "import_promptfoo",
    "probe_from_csv",
    "probe_from_garak_data",
    "probe_from_pyrit_yaml",
]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        if "text" in value:
            return _text(value["text"])
        if "content" in value:
            return _text(value["content"])
        turns = value.get("turns")
        if isinstance(turns, list) and turns:
            return _text(turns[-1])
    if value is None:
        return ""
    return json.dumps(value)


def _read_text(path: Path) -> str:
    """The whole file as UTF-8 text, or a one-line ``PromptSetError`` naming it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PromptSetError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PromptSetError(
            f"{path}:{line}: not UTF-8 text (byte {exc.start}); is this a binary file?"
        ) from exc


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PromptSetError(f"{path}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(data, dict):
            raise PromptSetError(f"{path}:{number}: expected a JSON object per line")
        yield number, data


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _wrong(where: str, field: str, expected: str, value: Any) -> PromptSetError:
    shown = json.dumps(value, default=str)
    return PromptSetError(
        f"{where}: '{field}' must be {expected}, found {type(value).__name__} "
        f"{shown[:40]}; is this file from the tool named by --format?"
    )


def _garak_fields(
    where: str, entry: Mapping[str, Any]
) -> tuple[str, list[Any], dict[str, list[Any]]]:
    """Probe, outputs and detector scores of a garak attempt entry, type-checked."""
    probe = entry.get("probe_classname")
    if not isinstance(probe, str) or not probe:
        raise _wrong(where, "probe_classname", "a probe class name", probe)
    outputs = entry.get("outputs", [])
    if not isinstance(outputs, list):
        raise _wrong(where, "outputs", "a list", outputs)
    scores_by_detector = entry.get("detector_results", {})
    if not isinstance(scores_by_detector, dict):
        raise _wrong(where, "detector_results", "an object of detector: scores", scores_by_detector)
    for detector, scores in scores_by_detector.items():
        if not isinstance(scores, list):
            raise _wrong(where, f"detector_results.{detector}", "a list of scores", scores)
        for position, score in enumerate(scores):
            if score is not None and not _number(score):
                raise _wrong(
                    where, f"detector_results.{detector}[{position}]", "a number or null", score
                )
    return probe, outputs, scores_by_detector


def import_garak(path: Path, *, threshold: float = 0.5) -> list[Attempt]:
    """Evaluated attempts (``entry_type == "attempt"``, ``status == 2``) of a garak report.

    One Ombud attempt per generated output; a detector score above ``threshold`` is a hit.
    A file with no evaluated attempt is refused: it holds nothing to import.
    """
    attempts: list[Attempt] = []
    for number, entry in _json_lines(path):
        if entry.get("entry_type") != "attempt" or entry.get("status") != 2:
            continue
        probe, outputs, detector_scores = _garak_fields(f"{path}:{number}", entry)
        prompt = _text(entry.get("prompt"))
        for position, output in enumerate(outputs):
            results = []
            for detector, scores in sorted(detector_scores.items()):
                score = scores[position] if position < len(scores) else None
                outcome = (
                    Outcome.UNSCORABLE
                    if score is None
                    else Outcome.HIT
                    if float(score) > threshold
                    else Outcome.MISS
                )
                results.append(
                    DetectorResult(
                        f"garak.{detector}", outcome, None if score is None else float(score)
                    )
                )
            family = probe.split(".")[0]
            attempts.append(
                Attempt(
                    probe=f"garak.{probe}",
                    index=len(attempts),
                    turns=(Turn("user", prompt),),
                    category=family,
                    family=family,
                    goal=str(entry.get("goal", "")),
                    detectors=tuple(r.detector for r in results),
                    context={
                        "provenance": f"garak report {path.name}",
                        "uuid": str(entry.get("uuid", "")),
                    },
                    status=AttemptStatus.DONE,
                    response=_text(output),
                    results=tuple(results),
                )
            )
    if not attempts:
        raise PromptSetError(
            f"{path}: no evaluated attempt (entry_type 'attempt' with status 2) found; "
            "is this a garak report.jsonl of a finished run?"
        )
    return attempts


def _mapping(where: str, field: str, value: Any) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _wrong(where, field, "an object", value)
    return value


def _promptfoo_rows(path: Path) -> list[Any]:
    text = _read_text(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PromptSetError(f"{path}:{exc.lineno}: not JSON ({exc.msg})") from exc
    if not isinstance(document, dict):
        raise PromptSetError(
            f"{path}: expected a promptfoo results object with results.results, found a JSON "
            f"{type(document).__name__}; export with `promptfoo eval --output results.json`"
        )
    results = document.get("results", {})
    rows = results.get("results") if isinstance(results, dict) else results
    if not isinstance(rows, list):
        raise PromptSetError(f"{path}: no results.results list; is this a promptfoo export?")
    if not rows:
        raise PromptSetError(f"{path}: results.results is empty; nothing to import")
    return rows


# promptfoo's ResultFailureReason: 0 none, 1 an assertion failed, 2 an error. A failed
# assertion also fills the row's ``error`` with the assertion's reason (seen in promptfoo's
# own export fixture), so ``error`` alone does not mean the test could not run.
_PROMPTFOO_ERROR = 2


def _promptfoo_error(row: Mapping[str, Any], response: Mapping[str, Any]) -> str | None:
    """The error text of a row that could not be evaluated, else None (a pass or a fail)."""
    if response.get("error"):
        return str(response["error"])
    reason = row.get("failureReason")
    if reason is not None:
        return str(row.get("error") or "promptfoo error") if reason == _PROMPTFOO_ERROR else None
    # Exports without failureReason: an error that no grading result explains.
    if row.get("error") and not row.get("gradingResult"):
        return str(row["error"])
    return None


def import_promptfoo(path: Path) -> list[Attempt]:
    """Rows of a promptfoo ``results.json``; a failed assertion (``success: false``) is a hit."""
    attempts = []
    for position, row in enumerate(_promptfoo_rows(path)):
        where = f"{path}: results.results[{position}]"
        if not isinstance(row, dict):
            raise _wrong(where, "row", "an object", row)
        test_case = _mapping(where, "testCase", row.get("testCase"))
        meta = {
            **_mapping(where, "testCase.metadata", test_case.get("metadata")),
            **_mapping(where, "metadata", row.get("metadata")),
        }
        plugin = str(meta.get("pluginId") or meta.get("plugin") or "promptfoo")
        response = _mapping(where, "response", row.get("response"))
        prompt = row.get("prompt", {})
        prompt_text = prompt if isinstance(prompt, str) else _mapping(where, "prompt", prompt)
        score = row.get("score")
        if score is not None and not _number(score):
            raise _wrong(where, "score", "a number or null", score)
        error = _promptfoo_error(row, response)
        results: tuple[DetectorResult, ...]
        if error:
            status, results = AttemptStatus.ERROR, ()
        else:
            outcome = Outcome.HIT if row.get("success") is False else Outcome.MISS
            status, results = (
                AttemptStatus.DONE,
                (DetectorResult("promptfoo.assertions", outcome, score),),
            )
        category = plugin.split(":")[0]
        attempts.append(
            Attempt(
                probe=f"promptfoo.{plugin}",
                index=position,
                turns=(
                    Turn(
                        "user",
                        prompt_text
                        if isinstance(prompt_text, str)
                        else _text(prompt_text.get("raw", "")),
                    ),
                ),
                category=category,
                family=category,
                detectors=("promptfoo.assertions",),
                context={"provenance": f"promptfoo results {path.name}"},
                status=status,
                response=_text(response.get("output")),
                results=results,
                error=str(error) if error else None,
            )
        )
    return attempts


def probe_from_csv(
    path: Path,
    *,
    probe_id: str,
    category: str,
    detectors: tuple[str, ...],
    license: str,
    provenance: str,
) -> StaticProbe:
    """A probe from a CSV with a ``prompt`` column (optional ``license``/``source`` columns)."""
    specs = []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "prompt" not in reader.fieldnames:
            raise PromptSetError(f"{path}:1: the header needs a 'prompt' column")
        for number, row in enumerate(reader, start=2):
            text = (row.get("prompt") or "").strip()
            if not text:
                raise PromptSetError(f"{path}:{number}: empty prompt")
            context = {
                "license": row.get("license") or license,
                "provenance": row.get("source") or provenance,
            }
            specs.append(PromptSpec((("user", text),), context))
    return _imported_probe(
        path,
        specs,
        probe_id=probe_id,
        category=category,
        detectors=detectors,
        license=license,
        provenance=provenance,
    )


def _imported_probe(
    path: Path,
    specs: list[PromptSpec],
    *,
    probe_id: str,
    category: str,
    detectors: tuple[str, ...],
    license: str,
    provenance: str,
) -> StaticProbe:
    if not specs:
        raise PromptSetError(f"{path}:1: no prompts found; is this the right file?")
    info = ProbeInfo(
        probe_id,
        f"imported prompts from {path.name}",
        category,
        "imported",
        "medium",
        detectors,
        license=license,
        provenance=provenance,
    )
    return StaticProbe(info, specs)


def probe_from_garak_data(
    path: Path,
    *,
    probe_id: str,
    category: str,
    detectors: tuple[str, ...],
    license: str,
    provenance: str,
    max_chars: int = 20_000,
) -> StaticProbe:
    """A probe from a garak-style data file: plain UTF-8 text, one prompt per line.

    Blank lines are skipped. Each prompt records ``license`` and ``provenance`` plus its
    ``file:line``, so a finding can be traced to the exact line it came from.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PromptSetError(f"{path}: cannot read file ({exc.strerror}); check the path") from exc
    specs = []
    for number, line in enumerate(raw.splitlines(), start=1):
        try:
            text = line.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            raise PromptSetError(
                f"{path}:{number}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
            ) from exc
        if not text:
            continue
        if len(text) > max_chars:
            raise PromptSetError(
                f"{path}:{number}: prompt of {len(text)} characters exceeds {max_chars}; "
                "is this a binary or JSON file rather than one prompt per line?"
            )
        if "\x00" in text:
            raise PromptSetError(f"{path}:{number}: NUL character in prompt; not a text file")
        context = {"license": license, "provenance": f"{provenance} ({path.name}:{number})"}
        specs.append(PromptSpec((("user", text),), context))
    return _imported_probe(
        path,
        specs,
        probe_id=probe_id,
        category=category,
        detectors=detectors,
        license=license,
        provenance=provenance,
    )


# PyRIT seed files (their public format, as documented): either one template with
# ``value`` and a ``parameters`` list, rendered as a Jinja template, or a dataset with
# defaults (``dataset_name``, ``source``, ``harm_categories``, ...) and a ``prompts`` or
# ``seeds`` list of items with their own ``value``. Objectives are not prompts to send.
_TEMPLATES = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)


def _render(
    doc: LocatedYaml, where: KeyPath, item: Mapping[str, Any], values: Mapping[str, Sequence[str]]
) -> list[str]:
    key = "value" if "value" in item else "template"
    template = item.get(key)
    if not isinstance(template, str) or not template.strip():
        raise PromptSetError(f"{doc.where(where)}: expected a text 'value' (or 'template')")
    names = item.get("parameters") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise PromptSetError(f"{doc.where((*where, 'parameters'))}: parameters must be a list")
    if not names:
        return [template.strip()]
    missing = [name for name in names if not values.get(name)]
    if missing:
        raise PromptSetError(
            f"{doc.where((*where, 'parameters'))}: no value for parameter(s) "
            f"{', '.join(missing)}; pass parameters={{{missing[0]!r}: [...]}}"
        )
    try:
        compiled = _TEMPLATES.from_string(template)
        return [
            compiled.render(dict(zip(names, combination, strict=True))).strip()
            for combination in itertools.product(*(values[name] for name in names))
        ]
    except jinja2.TemplateError as exc:
        raise PromptSetError(f"{doc.where((*where, key))}: template error ({exc})") from exc


def probe_from_pyrit_yaml(
    path: Path,
    *,
    probe_id: str,
    category: str,
    detectors: tuple[str, ...],
    license: str,
    provenance: str | None = None,
    parameters: Mapping[str, str | Sequence[str]] | None = None,
) -> StaticProbe:
    """A probe from a PyRIT-style YAML seed file (a prompt template or a prompt dataset).

    ``parameters`` gives the value(s) of each template parameter; several values yield
    one prompt per combination. Per prompt, ``license`` is the item's or document's
    ``license`` key if present, else the argument; provenance is the item's or
    document's ``source`` (else ``provenance``, else the file name) with ``file:line``.
    """
    try:
        doc = load_yaml_file(path)
    except YamlSourceError as exc:
        raise PromptSetError(str(exc)) from exc
    if not isinstance(doc.data, dict):
        raise PromptSetError(f"{doc.where(())}: expected a mapping with 'value' or 'prompts'")
    top: dict[str, Any] = doc.data
    values = {
        name: [given] if isinstance(given, str) else list(given)
        for name, given in (parameters or {}).items()
    }
    listed = "seeds" if "seeds" in top else "prompts" if "prompts" in top else None
    if listed is None:
        items: list[tuple[KeyPath, Mapping[str, Any]]] = [((), top)]
    elif not isinstance(top[listed], list):
        raise PromptSetError(f"{doc.where((listed,))}: '{listed}' must be a list of prompts")
    else:
        items = [((listed, i), item) for i, item in enumerate(top[listed])]
    for where, item in items:
        if not isinstance(item, dict):
            raise PromptSetError(f"{doc.where(where)}: each prompt must be a mapping with 'value'")

    # Dataset-level keys are defaults for every seed (PyRIT's own files set is_objective,
    # data_type and harm_categories once at the top). A seed group (prompt_group_alias or
    # prompt_group_id) holding an image, audio or video seed is skipped whole: its text
    # ("... that looks like this:") means nothing without the media it was written for.
    def field(item: Mapping[str, Any], key: str, default: Any = None) -> Any:
        return item[key] if key in item else top.get(key, default)

    def group(item: Mapping[str, Any]) -> Any:
        return field(item, "prompt_group_alias") or field(item, "prompt_group_id")

    media_groups = {
        group(item)
        for _, item in items
        if field(item, "data_type", "text") != "text" and group(item) is not None
    }
    specs = []
    skipped = {"objective": 0, "non-text": 0}
    for where, item in items:
        if field(item, "is_objective") or field(item, "seed_type") == "objective":
            skipped["objective"] += 1
            continue
        kind = field(item, "data_type", "text")
        if kind != "text" or (group(item) is not None and group(item) in media_groups):
            skipped["non-text"] += 1
            continue
        source = item.get("source") or top.get("source") or provenance or path.name
        harms = field(item, "harm_categories") or []
        context = {
            "license": str(item.get("license") or top.get("license") or license),
            "provenance": f"{source} ({path.name}:{doc.line_of(where)})",
        }
        if harms:
            harms = [harms] if isinstance(harms, str) else harms
            context["harm_categories"] = ",".join(str(h) for h in harms)
        for text in _render(doc, where, item, values):
            specs.append(PromptSpec((("user", text),), dict(context)))
    if not specs and any(skipped.values()):
        raise PromptSetError(
            f"{doc.where(())}: no text prompt to send: {skipped['objective']} seed(s) are "
            f"objectives (is_objective) and {skipped['non-text']} are image, audio or video "
            "seeds or belong to a group with one; objectives describe a goal, not a prompt"
        )
    return _imported_probe(
        path,
        specs,
        probe_id=probe_id,
        category=category,
        detectors=detectors,
        license=license,
        provenance=provenance or str(top.get("source") or path.name),
    )
