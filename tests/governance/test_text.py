"""Typed text: control characters, bidirectional overrides and oversized fields are refused
at the domain layer (every door: manifest, form, flag), and shown visibly on output."""

from __future__ import annotations

import pytest

from ombud.governance import (
    InvalidInput,
    SystemProfile,
    VersionSpec,
    check_system_id,
    check_version_label,
)
from ombud.governance.text import MAX_NAME_CHARS, MAX_TEXT_CHARS, check_name, check_text
from ombud.text import first_forbidden, visible

BASE = {
    "name": "Credit scoring",
    "purpose": "Scores consumer credit applications",
    "owner": "olivia",
    "owner_team": "credit-risk",
    "domain": "lending",
    "kind": "decision_model",
    "operator_role": "provider",
    "automation": "human_on_the_loop",
}


@pytest.mark.parametrize(
    "char", ["\x00", "\x1b", "\x7f", "\x85", "\u202a", "\u202e", "\u2066", "\u2069"]
)
def test_forbidden_characters_are_refused_with_their_code_point(char: str) -> None:
    with pytest.raises(InvalidInput, match=f"U\\+{ord(char):04X} at position 6"):
        check_text(f"hello{char}world", "field 'purpose'")


@pytest.mark.parametrize("text", ["tab\there", "two\nlines", "crlf\r\n", "Zürich – ok 名前 🙂"])
def test_ordinary_text_passes(text: str) -> None:
    assert check_text(text, "x") == text
    assert first_forbidden(text) is None


def test_limits_name_the_length_and_the_limit() -> None:
    assert check_text("a" * MAX_TEXT_CHARS, "x")
    with pytest.raises(InvalidInput, match="10,001 characters long, over the limit of 10,000"):
        check_text("a" * (MAX_TEXT_CHARS + 1), "field 'purpose'")
    with pytest.raises(InvalidInput, match="over the limit of 200"):
        check_name("a" * (MAX_NAME_CHARS + 1), "field 'name'")
    with pytest.raises(InvalidInput, match="one line"):
        check_name("two\nlines", "field 'name'")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "Credit\x00scoring", "field 'name' holds the character U\\+0000"),
        ("name", "txt.\u202eexe", "field 'name' holds the character U\\+202E"),
        ("purpose", "x" * 10_001, "field 'purpose' is 10,001 characters long"),
        ("owner_team", "risk\nteam", "field 'owner_team' must be one line"),
        ("out_of_scope_uses", ["ok", "bad\x1b[31m"], "out_of_scope_uses item holds"),
        ("deployment_regions", ["ZZ"], "'ZZ' is not an assigned ISO 3166-1"),
        ("deployment_regions", ["DE", "XX"], "'XX' is not an assigned ISO 3166-1"),
        ("deployment_regions", ["Germany"], "'GERMANY' is not a region code"),
    ],
)
def test_the_inventory_refuses_hostile_fields(field: str, value: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        SystemProfile.from_mapping({**BASE, field: value})


def test_regions_are_normalised_and_eu_subdivisions_pass() -> None:
    profile = SystemProfile.from_mapping({**BASE, "deployment_regions": ["de", " US-CO ", "EU"]})
    assert profile.deployment_regions == ("DE", "US-CO", "EU")


def test_version_labels_and_artifact_names_are_checked() -> None:
    with pytest.raises(InvalidInput, match="non-empty label"):
        check_version_label("  ")
    with pytest.raises(InvalidInput, match="U\\+0000"):
        check_version_label("1.0\x00")
    with pytest.raises(InvalidInput, match="artifact name holds the character U\\+202E"):
        VersionSpec("model\u202e", "s3://m", "ab" * 32)


def test_a_slug_with_a_trailing_newline_is_not_a_slug() -> None:
    with pytest.raises(InvalidInput, match="not a slug"):
        check_system_id("credit-scoring\n")


def test_visible_shows_what_input_would_refuse() -> None:
    assert visible("a\x00b\u202ec\td\n") == "a\\u0000b\\u202Ec\td\n"


def test_review_texts_are_checked() -> None:
    import datetime as dt

    from ombud.governance.review import check_risk_acceptance

    today = dt.date(2026, 12, 1)
    with pytest.raises(InvalidInput, match="justification holds the character U\\+202E"):
        check_risk_acceptance(
            system_id="s",
            signer="lena",
            signer_roles=["rai_lead"],
            owner="olivia",
            justification="fine \u202e",
            expires=today + dt.timedelta(days=30),
            today=today,
        )
