"""Golden (snapshot) tests of every kind of document on the demo portfolio.

The unit goldens in this folder pin the templates on a small synthetic record; these pin
what a reader of the demo actually gets, so a change anywhere between the data sets, the
audits, the record and the templates shows up as a reviewable diff. The oracle is the
reviewed golden file itself: each was read against the demo's story (ProPublica's COMPAS
disparities, Bertrand and Mullainathan's callback gap) when it was written.

What legitimately varies between runs or machines is normalised before comparing:
timestamps and dates, sha256 digests, evidence ids, the workspace's temporary folder and
the install location of the package and its data sets. Bootstrap seeds are fixed, so the
numbers are compared exactly.

The numbers themselves have an oracle other than these files:
tests/demo/test_demo_oracles.py recomputes every per-group figure of each demo model card from
the raw data and the model's predictions with fairlearn, scikit-learn and statsmodels. The
goldens therefore pin layout and wording on top of numbers checked elsewhere.

Regenerate after an intended change with (refused when CI is set; the run skips every case it
rewrote instead of comparing a file with itself)::

    OMBUD_UPDATE_GOLDEN=1 pytest tests/cards/test_demo_goldens.py -m slow

then read the diff of tests/cards/golden/demo/ before committing it. A missing golden fails
with that command; it is never written silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

import ombud
from ombud.cards import Document, render, validate_document
from ombud.demo._documents import DATASHEET_SYSTEMS, datasheet_for
from ombud.services import cards
from ombud.services.context import AppContext

pytestmark = pytest.mark.slow

GOLDEN = Path(__file__).parent / "golden" / "demo"

# (system, document kind): every kind the demo writes, for every system it writes it for.
CASES = (
    ("recidivism-risk", "model"),
    ("mortgage-underwriting", "model"),
    ("resume-screening", "model"),
    ("benefit-eligibility", "model"),
    ("recidivism-risk", "annex-iv"),
    ("mortgage-underwriting", "annex-iv"),
    ("benefit-eligibility", "annex-iv"),
    ("support-assistant", "system"),
    *((system_id, "datasheet") for system_id in DATASHEET_SYSTEMS),
)

_TIME = re.compile(r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:\+00:00|Z)?)?")
_DIGEST = re.compile(r"\b[0-9a-f]{64}\b")
_EVIDENCE = re.compile(r"(evidence #|\n  - #|\(evidence #|\"evidence_id\": |evidence:)(\d+)\b")
_SITE = re.compile(r"(?:file://)?/[^\s\"'()]*/site-packages/")
# A residue of floating-point rounding (SHAP additivity's 1e-15) depends on the BLAS build
# and the order of summation, not on the method: the golden pins that it is tiny, not its
# digits. Numbers of that size carry no meaning in the documents' prose.
_ROUNDING = re.compile(r"\b\d(?:\.\d+)?e-1[3-9]\b")


@pytest.fixture(scope="module")
def context(demo_workspace: tuple[AppContext, Path]) -> tuple[AppContext, Path]:
    return demo_workspace  # built once per session in tests/conftest.py


def normalise(text: str, workspace: Path) -> str:
    text = text.replace(str(workspace), "<workspace>")
    text = text.replace(str(Path(ombud.__file__).parent), "<ombud>")
    text = _SITE.sub("<site-packages>/", text)
    text = _TIME.sub("<time>", text)
    text = _DIGEST.sub("<sha256>", text)
    text = _ROUNDING.sub("<rounding>", text)
    return _EVIDENCE.sub(lambda m: f"{m.group(1)}<id>", text)


def _document(context: AppContext, system_id: str, kind: str) -> Document:
    if kind == "datasheet":
        document = datasheet_for(context, system_id)
        assert document is not None, f"{system_id} has no training data set"
        return document
    return cards.generate(context, kind, system_id)


@pytest.mark.parametrize(("system_id", "kind"), CASES, ids=[f"{s}.{k}" for s, k in CASES])
def test_demo_document_matches_its_golden(
    context: tuple[AppContext, Path],
    golden: Callable[[Mapping[Path, str]], None],
    system_id: str,
    kind: str,
) -> None:
    opened, root = context
    document = _document(opened, system_id, kind)
    as_json = render(document, "json").decode()
    validate_document(json.loads(as_json))  # the shipped schema, checked here explicitly
    markdown = normalise(render(document, "md").decode(), root)
    golden(
        {
            GOLDEN / f"{system_id}.{kind}.md": markdown,
            GOLDEN / f"{system_id}.{kind}.json": normalise(as_json, root),
        }
    )
