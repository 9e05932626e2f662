"""Completeness: the required fields per tier, and the score's arithmetic."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ombud.cards import Field, Section, required_fields
from ombud.cards._document import completeness

KINDS = ("model_card", "system_card", "annex_iv", "datasheet")


def test_a_stricter_tier_requires_everything_a_laxer_one_does() -> None:
    for kind in KINDS:
        for tier in (1, 2, 3):
            assert set(required_fields(kind, tier + 1)) <= set(required_fields(kind, tier))
        assert required_fields(kind, None) == required_fields(kind, 1)


@given(
    kind=st.sampled_from(KINDS),
    tier=st.sampled_from([1, 2, 3, 4, None]),
    data=st.data(),
)
def test_score_is_the_share_of_required_fields_filled(
    kind: str, tier: int | None, data: st.DataObject
) -> None:
    """Oracle: counting filled required fields directly."""
    required = required_fields(kind, tier)
    filled = data.draw(st.sets(st.sampled_from(required)))
    fields = tuple(Field(f, f, "x" if f in filled else None, "s") for f in required)
    result = completeness(kind, tier, (Section("s", "S", fields),))
    assert result.score == len(filled) / len(required)
    assert set(result.missing) == set(required) - filled


def test_generative_systems_must_show_red_team_results() -> None:
    decision = required_fields("model_card", 4, "decision_model")
    llm = required_fields("model_card", 4, "llm_application")
    assert "redteam.results" not in decision
    assert set(llm) - set(decision) == {"redteam.results"}
