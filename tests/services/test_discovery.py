"""Discovery matched against a real workspace (SQLite and PostgreSQL).

Oracle: the labelled corpus (tests/discover/corpus) and what the test registers: the
hits a manifest's ``code_paths``, a marker or a pinned model digest claim are exactly the
ones reported as matched; the rest stay unregistered; the scan writes nothing.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ombud.discover import Confidence, ScanOptions
from ombud.governance import SystemProfile, VersionSpec
from ombud.services import discovery, systems, workspaces
from ombud.services.context import AppContext
from ombud.store.models import AuditEventRow

CORPUS = Path(__file__).parents[1] / "discover" / "corpus"
OPTIONS = ScanOptions(min_confidence=Confidence.MEDIUM)


def _profile(kind: str = "decision_model") -> SystemProfile:
    return SystemProfile(
        name="A system",
        purpose="Tested",
        owner="olivia",
        owner_team="credit-risk",
        domain="lending",
        kind=kind,
        operator_role="provider",
        automation="human_on_the_loop",
    )


@pytest.fixture
def people(context: AppContext) -> AppContext:
    workspaces.add_user(context, context.actor("ada"), username="olivia", roles=["owner"])
    return context


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(CORPUS / "scoring", root / "scoring")
    shutil.copytree(CORPUS / "support_bot", root / "support_bot")
    models = root / "scoring" / "models"
    models.mkdir()
    (models / "v1.gguf").write_bytes(b"GGUF" + bytes(28))
    (models / "v2.gguf").write_bytes(b"GGUF" + bytes(29))
    return root


def _events(context: AppContext) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(AuditEventRow)).scalar_one())


def test_manifest_marker_and_digest_claims_match_registered_systems(
    people: AppContext, tree: Path
) -> None:
    olivia = people.actor("olivia")
    systems.register_system(people, olivia, "credit-scoring", _profile())
    pinned = hashlib.sha256((tree / "scoring/models/v1.gguf").read_bytes()).hexdigest()
    spec = VersionSpec("scorer", "s3://models/v1.gguf", pinned)
    systems.add_version(people, olivia, "credit-scoring", "2.1.0", models=(spec,))
    systems.register_system(people, olivia, "support-assistant", _profile("llm_application"))
    answer = tree / "support_bot/src/support_bot/answer.py"
    answer.write_text("# ombud: support-assistant\n" + answer.read_text(encoding="utf-8"))
    before = _events(people)

    result = discovery.discover_code(people, [tree], OPTIONS)

    assert _events(people) == before  # a scan asks; it records nothing
    matched = {
        (h.file.relative_to(tree).as_posix(), h.matched, h.matched_by)
        for h in result.hits
        if h.matched
    }
    by_manifest = {f for f, s, how in matched if how == "manifest system.yaml"}
    assert by_manifest == {"scoring/scoring/train.py", "scoring/scoring/serve.py",
                           "scoring/scoring/deep.py"}  # fmt: skip
    assert ("scoring/models/v1.gguf", ("credit-scoring",), "sha256") in matched
    assert {f for f, s, how in matched if how == "marker"} == {
        "support_bot/src/support_bot/answer.py"
    }
    unregistered = {h.file.relative_to(tree).as_posix() for h in result.unregistered}
    assert "scoring/models/v2.gguf" in unregistered  # not pinned by any version
    assert "support_bot/src/support_bot/escalate.py" in unregistered
    statuses = {c.name: c.status for c in result.candidates}
    assert statuses == {"scoring": "partly", "support_bot": "partly"}
    assert result.notes == ()


def test_claims_of_unregistered_or_unreadable_manifests_match_nothing(
    people: AppContext, tree: Path
) -> None:
    broken = tree / "support_bot" / "system.yaml"
    broken.write_text("id: support-assistant\nowner_team: x\nkind: llm_application\n")
    result = discovery.discover_code(people, [tree], OPTIONS)
    assert all(not h.matched for h in result.hits)
    assert len(result.notes) == 2
    assert any("'credit-scoring', which is not registered" in n for n in result.notes)
    assert any(f"manifest {broken} was not read" in n for n in result.notes)
