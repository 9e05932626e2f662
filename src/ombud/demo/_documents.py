"""Demo step 5: documents generated from the record, never hand-copied.

Model cards and EU AI Act Annex IV drafts for the high-risk systems, a system card for
the LLM assistant, and a datasheet of each high-risk system's training data set; each is
written to the workspace's ``documents/`` folder as HTML and recorded as documentation
evidence with its completeness score. A datasheet joins answers we wrote (in
``datasheets/``, one YAML file per data set) with facts measured from the data itself.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from ombud.cards import Document, render
from ombud.datasets import Dataset, DatasetNotFoundError, load
from ombud.demo._portfolio import VERSIONS, DemoReport
from ombud.services import cards
from ombud.services.context import AppContext

__all__ = ["DATASHEET_SYSTEMS", "datasheet_for", "datasheet_groups", "write_documents"]

# (system, documents) in the order that fills Annex IV point 1 from the model card.
DOCUMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("recidivism-risk", ("model", "annex-iv")),
    ("mortgage-underwriting", ("model", "annex-iv")),
    ("resume-screening", ("model",)),
    ("benefit-eligibility", ("model", "annex-iv")),
    ("support-assistant", ("system",)),
)

#: The high-risk systems whose training data set gets a datasheet.
DATASHEET_SYSTEMS = (
    "recidivism-risk",
    "mortgage-underwriting",
    "resume-screening",
    "benefit-eligibility",
)

# A protected attribute with more values than this (age in years) would turn the
# representation table into a histogram; the binned version (age_cat) is counted instead.
MOST_GROUPS = 20


def datasheet_groups(dataset: Dataset) -> tuple[str, ...]:
    """The data set's protected attributes that are categories rather than measurements."""
    return tuple(
        column
        for column in dataset.protected_attributes
        if dataset.frame[column].nunique(dropna=False) <= MOST_GROUPS
    )


def datasheet_for(context: AppContext, system_id: str) -> Document | None:
    """The datasheet of the data set ``system_id``'s demo version was trained on."""
    dataset_name = VERSIONS[system_id][1]
    if dataset_name is None:
        return None
    dataset = load(dataset_name)
    questions = resources.files("ombud.demo").joinpath("datasheets", f"{dataset_name}.yaml")
    # The engine measures a CSV or Parquet file. A data set shipped as CSV is measured
    # as is (its digest is the one pinned on the version); the others ship in other
    # formats (R pickles, UCI text), so their loaded frame is written out as CSV first.
    with tempfile.TemporaryDirectory() as folder, resources.as_file(questions) as answers:
        data = Path(dataset.source)
        if data.suffix.lower() not in (".csv", ".parquet"):
            data = Path(folder) / f"{dataset_name}.csv"
            dataset.frame.to_csv(data, index=False)
        return cards.datasheet_document(
            context,
            system_id,
            answers,
            data=data,
            groups=datasheet_groups(dataset),
            label=dataset.label.column,
        )


def write_documents(
    context: AppContext, report: DemoReport, progress: Callable[[str], None]
) -> None:
    folder = context.workspace.root / "documents"
    folder.mkdir(exist_ok=True)
    lena = context.actor("lena")
    planned: list[tuple[str, str]] = [(s, k) for s, kinds in DOCUMENTS for k in kinds]
    planned += [(s, "datasheet") for s in DATASHEET_SYSTEMS]
    for system_id, kind in planned:
        progress(f"writing the {kind} document of {system_id}")
        if kind == "datasheet":
            try:
                document = datasheet_for(context, system_id)
            except DatasetNotFoundError as exc:
                report.notes.append(f"{system_id}: no datasheet ({exc})")
                continue
            if document is None:
                continue
        else:
            document = cards.generate(context, kind, system_id)
        evidence = cards.record_document(context, lena, document, "md")
        path = folder / f"{system_id}.{kind}.html"
        path.write_bytes(render(document, "html"))
        report.documents.append(
            {
                "system_id": system_id,
                "document": kind,
                "path": str(path),
                "evidence_id": evidence.id,
                "completeness": document.completeness.score,
                "missing": list(document.completeness.missing),
            }
        )
