"""The system page at volume: the newest records in full, older ones one row each.

Oracle: the evidence service's own list (oldest first, by id) of the same system.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from ombud.services import evidence
from ombud.services.context import AppContext
from ombud.services.supplier import attach_evidence
from ombud.web._system_view import EVIDENCE_CARDS

from ._seed import Seeded

Login = Callable[[str], tuple[TestClient, str]]


def test_newest_evidence_in_full_and_the_rest_as_rows(
    as_user: Login, seeded: Seeded, context: AppContext, tmp_path: Path
) -> None:
    owner = context.actor("omar")
    for n in range(EVIDENCE_CARDS + 3):
        note = tmp_path / f"note-{n}.txt"
        note.write_text(f"review note {n}\n", encoding="utf-8")
        attach_evidence(
            context,
            owner,
            seeded.other_system,
            "1.0.0",
            kind="third_party_audit",
            file=note,
            summary=f"note {n}",
            metrics={"fairness.sex.selection_rate.ratio_min": 0.9},
        )
    ids = [e.id for e in evidence.list_evidence(context, seeded.other_system)]
    client, _ = as_user("lena")
    page = client.get(f"/systems/{seeded.other_system}").text
    cards = [int(n) for n in re.findall(r'<details class="card" id="evidence-(\d+)"', page)]
    rows = [int(n) for n in re.findall(r'<tr id="evidence-(\d+)">', page)]
    newest_first = list(reversed(ids))
    assert cards == newest_first[:EVIDENCE_CARDS]
    assert rows == newest_first[EVIDENCE_CARDS:]
    assert f"Older evidence ({len(ids) - EVIDENCE_CARDS})" in page


def test_a_system_with_few_records_shows_them_all_in_full(
    context: AppContext, seeded: Seeded
) -> None:
    ids = [e.id for e in evidence.list_evidence(context, seeded.blocked_system)]
    detailed, rest = evidence.evidence_overview(context, seeded.blocked_system, full=20)
    assert [e.id for e in detailed] == list(reversed(ids))
    assert rest == []
    assert detailed[0].metrics == evidence.list_evidence(context, seeded.blocked_system)[-1].metrics
    one, others = evidence.evidence_overview(context, seeded.blocked_system, full=1)
    assert [e.id for e in [*one, *others]] == list(reversed(ids))
    assert not hasattr(others[0], "metrics")
