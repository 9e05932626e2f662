"""The shipped EU AI Act catalog against the Regulation's structure, and catalog checks."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import pytest

from ombud.compliance import ClassificationInputError, available_catalog_versions, load_catalog

ANNEX_III_POINTS = {
    "1.a",
    "1.b",
    "1.c",
    "2",
    "3.a",
    "3.b",
    "3.c",
    "3.d",
    "4.a",
    "4.b",
    "5.a",
    "5.b",
    "5.c",
    "5.d",
    "6.a",
    "6.b",
    "6.c",
    "6.d",
    "6.e",
    "7.a",
    "7.b",
    "7.c",
    "7.d",
    "8.a",
    "8.b",
}


def shipped_text(version: str = "2024.1") -> str:
    resource = resources.files("ombud.compliance").joinpath("data", f"catalog-{version}.yaml")
    return resource.read_text(encoding="utf-8")


def test_latest_version_is_the_default() -> None:
    versions = available_catalog_versions()
    assert "2024.1" in versions
    assert load_catalog().version == versions[-1]
    assert load_catalog("2024.1").regulation["celex"] == "32024R1689"
    with pytest.raises(ClassificationInputError, match=r"not shipped; available: 2024\.1"):
        load_catalog("1999.1")


def test_application_dates_follow_article_113() -> None:
    """Oracle: Art. 113 of Regulation (EU) 2024/1689 (OJ L, 12.7.2024)."""
    dates = {d.id: d.date for d in load_catalog("2024.1").application_dates}
    assert dates == {
        "chapters_i_ii": dt.date(2025, 2, 2),
        "gpai_governance": dt.date(2025, 8, 2),
        "general": dt.date(2026, 8, 2),
        "art_6_1": dt.date(2027, 8, 2),
    }


def test_structure_matches_the_regulation() -> None:
    """Oracle: Art. 5(1)(a)-(h), Annex III points 1-8, Art. 6(3)(a)-(d), Art. 50(1)-(4)."""
    catalog = load_catalog("2024.1")
    ids = {item.id for item in catalog.items}
    assert {f"art_5.1.{letter}" for letter in "abcdefgh"} <= ids
    assert {
        i.id.removeprefix("annex_iii.") for i in catalog.items_of("annex_iii_point")
    } == ANNEX_III_POINTS
    assert {i.id for i in catalog.items_of("derogation_condition")} == {
        f"art_6.3.{x}" for x in "abcd"
    }
    assert {i.id for i in catalog.items_of("transparency")} == {f"art_50.{n}" for n in range(1, 5)}
    assert {i.id for i in catalog.items_of("operator_role")} == {
        "role.provider",
        "role.deployer",
        "role.authorised_representative",
        "role.importer",
        "role.distributor",
    }
    for item in catalog.items:
        assert item.citation.startswith("EU AI Act"), item.id


def test_obligations_named_in_the_issue_exist_with_roles() -> None:
    obligations = {o.id: o for o in load_catalog("2024.1").obligations}
    for provider_duty in (
        "art_9",
        "art_10",
        "art_11",
        "art_12",
        "art_13",
        "art_14",
        "art_15",
        "art_17",
        "art_43",
        "art_49.1",
        "art_72",
        "art_73",
        "art_53.1.ab",
        "art_55",
    ):
        assert obligations[provider_duty].roles == ("provider",), provider_duty
    assert obligations["art_26"].roles == ("deployer",)
    assert obligations["art_27"].roles == ("deployer",)
    assert {"art_50.1", "art_50.2", "art_50.3", "art_50.4"} <= set(obligations)


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        (
            "when: {q: social_scoring, is: true}",
            "when: {q: social_scorin, is: true}",
            "tests unknown question 'social_scorin'",
        ),
        ("has: creditworthiness}", "has: credit_worthiness}", "not one of its options"),
        ("kind: carve_out", "kind: carveout", "unknown kind 'carveout'"),
        ("applies_from: chapters_i_ii", "applies_from: chapter_one", "unknown application date"),
        (
            "{triggered: annex_iii.5.c}",
            "{triggered: annex_iii.5.z}",
            "unknown item 'annex_iii.5.z'",
        ),
        ('catalog_version: "2024.1"', 'catalog_version: "v2"', "must look like 2024.1"),
    ],
)
def test_broken_catalogs_are_rejected(tmp_path: Path, old: str, new: str, fragment: str) -> None:
    text = shipped_text()
    assert old in text
    path = tmp_path / "catalog.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ClassificationInputError, match=fragment):
        load_catalog(path=path)


def test_catalog_errors_point_at_the_line(tmp_path: Path) -> None:
    text = shipped_text()
    line = text.splitlines().index("  - id: art_5.1.c") + 2
    path = tmp_path / "catalog.yaml"
    path.write_text(
        text.replace(
            "  - id: art_5.1.c\n    kind: prohibited_practice",
            "  - id: art_5.1.c\n    kind: banned",
            1,
        ),
        encoding="utf-8",
    )
    with pytest.raises(ClassificationInputError, match=rf"catalog\.yaml:{line}: unknown kind"):
        load_catalog(path=path)
