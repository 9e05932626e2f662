"""Datasheets: YAML answers checked at their line, measured facts checked against DuckDB."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ombud.cards import (
    CardError,
    datasheet,
    measure_data,
    parse_datasheet,
    render_json,
    render_markdown,
    validate_document,
)
from ombud.yamlsource import YamlSourceError, parse_yaml

ANSWERS = """\
dataset: loans-2026
motivation:
  purpose: Train and evaluate the loan pre-screening model.
  creators: Credit risk team
composition:
  instances: One loan application each.
  label: Whether the loan was repaid within 24 months.
  sensitive_data: [sex, age band]
collection:
  process: Exported from the loan origination system.
uses:
  intended: Pre-screening research.
  not_for: [Marketing, Final credit decisions]
distribution:
  license: Internal use only
maintenance:
  maintainer: credit-risk@example.org
"""


@pytest.fixture
def data_file(tmp_path: Path, loans: pd.DataFrame) -> Path:
    frame = loans.head(200).copy()
    frame.loc[::17, "label"] = None
    path = tmp_path / "loans.csv"
    frame.to_csv(path, index=False)
    return path


def test_datasheet_golden(data_file: Path, check_golden: Callable[[str, str], None]) -> None:
    answers = parse_datasheet(parse_yaml(ANSWERS, "datasheet.yaml"))
    facts = measure_data(data_file, ["sex"], "label")
    document = datasheet(answers, facts, tier=2)
    check_golden("datasheet.md", render_markdown(document))
    validate_document(__import__("json").loads(render_json(document)))


def test_answers_carry_their_line_as_source() -> None:
    answers = parse_datasheet(parse_yaml(ANSWERS, "datasheet.yaml"))
    fields = datasheet(answers).fields()
    assert fields["motivation.purpose"].source == "datasheet.yaml:3"
    assert fields["uses.not_for"].value == ["Marketing", "Final credit decisions"]
    assert not fields["motivation.funding"].filled
    assert "motivation:" in fields["motivation.funding"].how_to_fill


def test_measured_facts_match_duckdb(data_file: Path) -> None:
    """Oracle: the same counts computed by DuckDB SQL over the CSV."""
    facts = measure_data(data_file, ["sex"], "label")
    con = duckdb.connect()
    table = f"read_csv_auto('{data_file}')"
    rows = con.execute(f"select count(*) from {table}").fetchone()
    assert rows is not None
    assert facts.rows == rows[0]
    missing = con.execute(f"select count(*) - count(label) from {table}").fetchone()
    assert missing is not None
    assert facts.missing == {"label": missing[0]}
    groups = dict(con.execute(f"select sex, count(*) from {table} group by sex").fetchall())
    assert {g: n for _, g, n in facts.representation} == groups
    balance = con.execute(
        f"select sex, coalesce(cast(cast(label as int) as varchar), '(missing)'), count(*) "
        f"from {table} group by all"
    ).fetchall()
    ours = {(g, v.removesuffix(".0")): n for _, g, v, n in facts.label_balance if n}
    assert ours == {(g, v): n for g, v, n in balance}


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("dataset: x\nmotivation:\n  purpos: typo\n", 3, "unknown question 'purpos'"),
        ("dataset: x\ncomposition:\n  instances: 3\n", 3, "must be text"),
        ("dataset: x\n\nmotivaton: {}\n", 3, "unknown section 'motivaton'"),
        ("motivation: {}\n", 1, "`dataset:` must name"),
    ],
)
def test_invalid_datasheet_is_a_line_numbered_error(text: str, line: int, what: str) -> None:
    with pytest.raises(YamlSourceError, match=rf"^ds.yaml:{line}: .*{what}"):
        parse_datasheet(parse_yaml(text, "ds.yaml"))


def test_unknown_columns_and_files_are_clear_errors(data_file: Path) -> None:
    with pytest.raises(CardError, match=r"no column.*race.*columns: sex, label, pred"):
        measure_data(data_file, ["race"])
    with pytest.raises(CardError, match="no such data file"):
        measure_data(data_file.with_name("absent.csv"))
