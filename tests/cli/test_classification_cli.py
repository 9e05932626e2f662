"""``ombud classify`` and ``ombud classification pending|confirm|reject``: the attacker
walk of issue #19 at the command line, and a downgrade waiting for a rai_lead."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

Invoke = Any  # the `invoke` fixture of tests/cli/conftest.py

_NO = [
    "manipulative_techniques", "exploits_vulnerabilities", "social_scoring",
    "untargeted_face_scraping", "emotion_recognition", "biometric_categorisation",
    "remote_biometric_identification", "annex_i_safety_component",
    "crime_prediction_profiling", "generates_synthetic_content", "deep_fake",
    "public_interest_text", "deployer_public_body_or_service", "uses_consumer_reports",
]  # fmt: skip
HIGH_RISK = {
    "interacts_with_people": False,
    "exclusive_purpose": "none",
    **dict.fromkeys(_NO, False),
    "significant_decisions": True,
    "annex_iii_area": ["essential_services"],
    "annex_iii_essential_services": ["creditworthiness"],
    "art_6_3_conditions": ["none"],
    "profiles_natural_persons": True,
}
DENIAL = {
    **{k: v for k, v in HIGH_RISK.items() if k != "annex_iii_essential_services"},
    "significant_decisions": False,
    "annex_iii_area": ["none"],
    "profiles_natural_persons": False,
}


def _answers(tmp_path: Path, name: str, answers: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(answers), encoding="utf-8")
    return str(path)


def _setup(invoke: Invoke, tmp_path: Path) -> tuple[str, ...]:
    folder = tmp_path / "ws"
    assert invoke("init", str(folder), "--admin", "ada").code == 0
    w = ("-w", str(folder))
    for user, role in (("olivia", "owner"), ("hana", "owner"), ("lena", "rai_lead")):
        assert invoke(*w, "--as", "ada", "user", "add", user, "--role", role).code == 0
    result = invoke(
        *w, "--as", "olivia", "system", "register", "credit", "--name", "Credit",
        "--purpose", "Scores applications", "--owner", "olivia", "--team", "risk",
        "--domain", "lending", "--kind", "decision_model", "--role", "deployer",
        "--automation", "human_on_the_loop", "--vendor", "Acme", "--region", "DE",
    )  # fmt: skip
    assert result.code == 0, result.err
    high = _answers(tmp_path, "high.yaml", HIGH_RISK)
    done = invoke(*w, "--as", "olivia", "classify", "credit", "--answers", high, "--no-interactive")
    assert done.code == 0, done.err
    return w


def _category(invoke: Invoke, w: tuple[str, ...]) -> str:
    shown = json.loads(invoke(*w, "system", "show", "credit", "--json").out)
    return str(shown["classification"]["eu_category"])


def test_another_owner_cannot_classify(invoke: Invoke, tmp_path: Path) -> None:
    w = _setup(invoke, tmp_path)
    denial = _answers(tmp_path, "denial.yaml", DENIAL)
    result = invoke(
        *w, "--as", "hana", "classify", "credit", "--answers", denial, "--no-interactive"
    )
    assert result.code == 1
    assert result.err.count("\n") == 1
    assert "user 'hana' (roles: owner) may not system.classify system 'credit'" in result.err
    assert _category(invoke, w) == "high_risk"


REQUEST_KEYS = (
    "id", "system_id", "status", "catalog_version", "from", "to", "tier_reasons",
    "requested_by", "requested_at", "decided_by", "decided_at", "note", "classification_id",
)  # fmt: skip


def test_an_owners_downgrade_waits_for_a_lead(invoke: Invoke, tmp_path: Path) -> None:
    w = _setup(invoke, tmp_path)
    denial = _answers(tmp_path, "denial.yaml", DENIAL)
    asked = invoke(
        *w, "--as", "olivia", "classify", "credit", "--answers", denial, "--no-interactive"
    )
    assert asked.code == 0, asked.err
    assert "PENDING" in asked.out
    assert _category(invoke, w) == "high_risk"  # not effective yet
    pending = json.loads(invoke(*w, "classification", "pending", "--json").out)
    assert [(p["system_id"], p["requested_by"]) for p in pending] == [("credit", "olivia")]
    # The --json shape served before requests were typed: keys and their order, pinned.
    assert tuple(pending[0]) == REQUEST_KEYS
    assert (tuple(pending[0]["from"]), tuple(pending[0]["to"])) == (
        ("eu_category", "tier"),
        ("eu_category", "tier", "tier_label"),
    )
    assert pending[0]["from"] == {"eu_category": "high_risk", "tier": pending[0]["from"]["tier"]}
    assert (pending[0]["status"], pending[0]["decided_at"]) == ("pending", None)
    request = str(pending[0]["id"])
    assert "credit: high_risk" in invoke(*w, "classification", "pending").out
    own = invoke(*w, "--as", "olivia", "classification", "confirm", request)
    assert own.code == 1
    assert "olivia" in own.err
    no_note = invoke(*w, "--as", "lena", "classification", "reject", request)
    assert no_note.code == 2
    confirmed = invoke(*w, "--as", "lena", "classification", "confirm", request, "--note", "ok")
    assert confirmed.code == 0, confirmed.err
    assert "asked by olivia" in confirmed.out
    assert _category(invoke, w) != "high_risk"
    assert json.loads(invoke(*w, "classification", "pending", "--json").out) == []
    events = json.loads(invoke(*w, "audit-log", "show", "--action", "classification", "--json").out)
    assert [(e["action"], e["actor"]) for e in events] == [
        ("classification.request", "olivia"),
        ("classification.confirm", "lena"),
    ]
    again = invoke(*w, "--as", "lena", "classification", "reject", request, "--note", "late")
    assert again.code == 1
    assert "not pending" in again.err
