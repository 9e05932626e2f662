"""The datasheet for a dataset: answers people write, plus facts Ombud measures itself.

The answers to the seven sections (after Gebru et al.) live in a YAML file kept with the
data, so they are reviewed and versioned like code; a mistake in it is reported at its
line. The measured facts (rows, columns, missing values, group representation, label
balance by group) are computed from the data file every time, so they cannot drift from
the data the way a hand-copied number does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ombud.cards._document import CardError, Document, Field, Section, Table, completeness
from ombud.records import sha256_file
from ombud.yamlsource import LocatedYaml

__all__ = [
    "DATASHEET_QUESTIONS",
    "DataFacts",
    "DatasheetAnswers",
    "datasheet",
    "measure_data",
    "parse_datasheet",
]


def _questions() -> dict[str, tuple[str, dict[str, str]]]:
    text = (
        resources.files("ombud.cards").joinpath("data/datasheet-questions.yaml").read_text("utf-8")
    )
    raw = yaml.safe_load(text)
    return {k: (str(v["title"]), dict(v["questions"])) for k, v in raw.items()}


#: section id -> (title, {question id: question}).
DATASHEET_QUESTIONS = _questions()


@dataclass(frozen=True)
class DatasheetAnswers:
    dataset: str
    answers: Mapping[str, str | list[str]]  # "section.question" -> answer
    lines: Mapping[str, int]
    source: str


def parse_datasheet(located: LocatedYaml) -> DatasheetAnswers:
    """Check a datasheet YAML; every mistake is ``file:line: what, how to fix``."""
    data = located.data
    if not isinstance(data, dict):
        raise located.error((), "a datasheet is a mapping with `dataset:` and the sections")
    known = {"dataset", *DATASHEET_QUESTIONS}
    for key in data:
        if key not in known:
            raise located.error(
                (key,), f"unknown section '{key}'; sections: {', '.join(sorted(known))}"
            )
    name = data.get("dataset")
    if not isinstance(name, str) or not name.strip():
        raise located.error(("dataset",), "`dataset:` must name the dataset (text)")
    answers: dict[str, str | list[str]] = {}
    lines: dict[str, int] = {}
    for section, (_, questions) in DATASHEET_QUESTIONS.items():
        block = data.get(section)
        if block is None:
            continue
        if not isinstance(block, dict):
            raise located.error((section,), f"section '{section}' must map question ids to answers")
        for question, answer in block.items():
            if question not in questions:
                raise located.error(
                    (section, question),
                    f"unknown question '{question}' in '{section}'; questions: "
                    + ", ".join(questions),
                )
            if isinstance(answer, list) and all(isinstance(a, str) for a in answer):
                value: str | list[str] = [a.strip() for a in answer if a.strip()]
            elif isinstance(answer, str):
                value = answer.strip()
            elif answer is None:
                continue
            else:
                raise located.error(
                    (section, question),
                    f"answer to '{section}.{question}' must be text or a list of texts; "
                    "quote numbers and dates",
                )
            answers[f"{section}.{question}"] = value
            lines[f"{section}.{question}"] = located.line_of((section, question))
    return DatasheetAnswers(name.strip(), answers, lines, located.source)


@dataclass(frozen=True)
class DataFacts:
    source: str
    sha256: str
    rows: int
    columns: tuple[str, ...]
    missing: Mapping[str, int]
    representation: tuple[tuple[str, str, int], ...]  # (column, group, rows)
    label: str | None
    label_balance: tuple[tuple[str, str, str, int], ...]  # (column, group, label value, rows)


def _read(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix in (".csv", ".txt"):
            return pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise CardError(f"{path}: cannot read the data file ({exc})") from exc
    raise CardError(f"{path}: use a .csv or .parquet file")


def measure_data(path: Path, groups: Sequence[str] = (), label: str | None = None) -> DataFacts:
    """Facts about a data file; ``groups`` are columns whose representation is counted."""
    if not path.is_file():
        raise CardError(f"{path}: no such data file")
    frame = _read(path)
    wanted = [*groups, *([label] if label else [])]
    absent = [c for c in wanted if c not in frame.columns]
    if absent:
        raise CardError(
            f"{path}: no column(s) {', '.join(absent)}; "
            f"columns: {', '.join(map(str, frame.columns))}"
        )
    representation = []
    balance = []
    for column in groups:
        keys = frame[column].astype("str").where(frame[column].notna(), "(missing)")
        for group, count in keys.value_counts(sort=False).sort_index().items():
            representation.append((column, str(group), int(count)))
        if label:
            labels = frame[label].astype("str").where(frame[label].notna(), "(missing)")
            table = pd.crosstab(keys, labels)
            for group in table.index:
                for value in table.columns:
                    balance.append((column, str(group), str(value), int(table.loc[group, value])))
    return DataFacts(
        source=path.name,
        sha256=sha256_file(str(path)),
        rows=len(frame),
        columns=tuple(str(c) for c in frame.columns),
        missing={str(c): int(n) for c, n in frame.isna().sum().items() if int(n)},
        representation=tuple(representation),
        label=label,
        label_balance=tuple(balance),
    )


def _share(count: int, total: int) -> str:
    return f"{count / total:.1%}" if total else "n/a"


def _measured(facts: DataFacts | None) -> Section:
    if facts is None:
        hint = "give the data file: `ombud card dataset ... --data FILE --group COL --label COL`"
        return Section(
            "measured",
            "Measured by Ombud",
            tuple(
                Field(f"measured.{i}", label, None, "", hint)
                for i, label in (
                    ("data_file", "Data file"),
                    ("group_representation", "Group representation"),
                    ("label_balance", "Label balance by group"),
                )
            ),
        )
    src = f"measurement of {facts.source}, sha256 {facts.sha256}"
    totals: dict[tuple[str, str], int] = {}
    for column, group, _, count in facts.label_balance:
        totals[(column, group)] = totals.get((column, group), 0) + count
    tables = [
        Table(
            "Missing values by column",
            ("column", "missing", "share"),
            tuple((c, str(n), _share(n, facts.rows)) for c, n in facts.missing.items()),
            src,
        ),
        Table(
            "Group representation",
            ("column", "group", "rows", "share"),
            tuple((c, g, str(n), _share(n, facts.rows)) for c, g, n in facts.representation),
            src,
        ),
        Table(
            f"Label balance by group ({facts.label})",
            ("column", "group", "label", "rows", "share of group"),
            tuple(
                (c, g, v, str(n), _share(n, totals[(c, g)])) for c, g, v, n in facts.label_balance
            ),
            src,
        ),
    ]
    return Section(
        "measured",
        "Measured by Ombud",
        (
            Field(
                "measured.data_file",
                "Data file",
                f"{facts.source}: {facts.rows} rows, {len(facts.columns)} columns "
                f"({', '.join(facts.columns)}); {sum(facts.missing.values())} missing values",
                src,
            ),
            Field(
                "measured.group_representation",
                "Group representation",
                f"{len(facts.representation)} groups counted" if facts.representation else None,
                src,
                "name the group columns: `--group COLUMN`",
            ),
            Field(
                "measured.label_balance",
                "Label balance by group",
                f"label '{facts.label}' by group" if facts.label_balance else None,
                src,
                "name the label column and a group column: `--label COLUMN --group COLUMN`",
            ),
        ),
        tables=tuple(t for t in tables if t.rows),
    )


def datasheet(
    answers: DatasheetAnswers,
    facts: DataFacts | None = None,
    *,
    tier: int | None = None,
    subject: Mapping[str, str] | None = None,
) -> Document:
    """The datasheet; an unanswered question is a missing field naming its question."""
    sections = [
        Section(
            section,
            title,
            tuple(
                Field(
                    f"{section}.{qid}",
                    question,
                    answers.answers.get(f"{section}.{qid}"),
                    f"{answers.source}:{answers.lines.get(f'{section}.{qid}', 0)}",
                    f"answer it under `{section}: {qid}:` in {answers.source}",
                )
                for qid, question in questions.items()
            ),
        )
        for section, (title, questions) in DATASHEET_QUESTIONS.items()
    ]
    sections.append(_measured(facts))
    meta: dict[str, Any] = {"dataset": answers.dataset}
    if facts is not None:
        meta.update({"rows": facts.rows, "columns": len(facts.columns), "sha256": facts.sha256})
    return Document(
        kind="datasheet",
        title=f"Datasheet: {answers.dataset}",
        subject=dict(subject or {"dataset": answers.dataset}),
        metadata=meta,
        sections=tuple(sections),
        completeness=completeness("datasheet", tier, sections),
    )
