"""Integrity of the shipped catalogs and crosswalks, and the loader's errors on bad files."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from ombud.compliance import load_catalog
from ombud.compliance.control_catalogs import (
    FRAMEWORKS,
    CatalogError,
    UnknownFrameworkError,
    check_crosswalks,
    load_control_catalog,
    load_crosswalks,
    parse_control_catalog,
)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_ids_are_unique_well_formed_and_items_complete(framework: str) -> None:
    catalog = load_control_catalog(framework)
    ids = catalog.ids()
    assert len(ids) == len(set(ids))
    for item in catalog:
        assert re.fullmatch(catalog.id_pattern, item.id), item.id
        assert item.title.strip()
        assert item.summary.strip()
        assert item.license.strip()
        assert item.source.strip()
        assert item.parent is None or item.parent in catalog


def test_nist_ai_rmf_has_the_published_shape() -> None:
    """Oracle: NIST AI 100-1 Tables 1-4 (and the shared OSCAL README): 4 functions,
    19 categories, 72 subcategories (GOVERN 19, MAP 18, MEASURE 22, MANAGE 13)."""
    catalog = load_control_catalog("nist-ai-rmf")
    assert len(catalog.of_kind("function")) == 4
    assert len(catalog.of_kind("category")) == 19
    subcategories = catalog.of_kind("subcategory")
    assert len(subcategories) == 72
    assert Counter(i.id.split()[0] for i in subcategories) == {
        "GOVERN": 19,
        "MAP": 18,
        "MEASURE": 22,
        "MANAGE": 13,
    }
    assert subcategories[0].id == "GOVERN 1.1"
    assert subcategories[-1].id == "MANAGE 4.3"
    assert catalog.get("MEASURE 2.11").parent == "MEASURE 2"
    assert catalog.get("MEASURE 2").parent == "MEASURE"


def test_nist_ai_600_1_lists_twelve_risks() -> None:
    """Oracle: NIST AI 600-1 Section 2 names 12 risks."""
    catalog = load_control_catalog("nist-ai-600-1")
    assert len(catalog.of_kind("risk")) == 12
    assert "GAI-confabulation" in catalog


def test_iso_42001_is_ids_and_titles_only_and_marked_unverified() -> None:
    catalog = load_control_catalog("iso-42001")
    assert len(catalog.of_kind("control")) == 38
    assert all(not item.verified for item in catalog)
    assert all(len(item.summary) < 140 for item in catalog)  # one line, our own words
    assert catalog.get("A.6.2.4").parent == "A.6"


def test_eu_ai_act_catalog_references_the_classifier_catalog() -> None:
    """Oracle: the legal catalog the classifier reads; nothing is restated."""
    legal = load_catalog()
    catalog = load_control_catalog("eu-ai-act")
    assert catalog.version == legal.version
    assert catalog.ids() == tuple(rule.id for rule in legal.obligations)
    art_10 = catalog.get("art_10")
    rule = next(r for r in legal.obligations if r.id == "art_10")
    assert (art_10.title, art_10.summary, art_10.citation) == (
        rule.title,
        rule.paraphrase,
        rule.citation,
    )
    for wanted in ("art_9", "art_15", "art_17", "art_26", "art_27", "art_43", "art_72", "art_73"):
        assert wanted in catalog


def test_sector_rules_name_regimes_the_classifier_knows() -> None:
    regimes = {regime.id for regime in load_catalog().regimes}
    catalog = load_control_catalog("sector-rules")
    for item in catalog:
        assert item.regimes, item.id
        assert set(item.regimes) <= regimes, item.id
        assert item.citation
    cited = " ".join(item.citation for item in catalog)
    for law in ("12 CFR 1002", "29 CFR 1607", "20-871", "GDPR Art. 22", "GDPR Art. 35", "45 CFR"):
        assert law in cited


def test_every_crosswalk_end_exists_and_names_a_declared_source() -> None:
    walks = load_crosswalks()
    refs = {item.ref for framework in FRAMEWORKS for item in load_control_catalog(framework)}
    assert walks.links
    assert walks.evidence
    for link in walks.links:
        assert link.source_ref in refs, link.source_ref
        assert link.target_ref in refs, link.target_ref
        assert link.source_ref != link.target_ref
        assert link.source in walks.sources
        assert link.basis
    for link in walks.evidence:
        assert link.control_ref in refs, link.control_ref
        assert link.source in walks.sources
        assert link.basis
    pairs = [(link.source_ref, link.target_ref) for link in walks.links]
    assert len(pairs) == len(set(pairs))


def test_check_crosswalks_finds_nothing_in_the_shipped_file_and_flags_bad_links() -> None:
    catalogs = {name: load_control_catalog(name) for name in FRAMEWORKS}
    assert check_crosswalks(load_crosswalks(), catalogs) == ()
    bad = load_crosswalks(
        "w.yaml",
        "version: '1'\nsources: {a: A}\nlinks:\n"
        "  - {from: 'eu-ai-act:art_10', to: 'nist-ai-rmf:MAP 9.9', source: a}\n"
        "  - {from: 'eu-ai-act:art_10', to: 'eu-ai-act:art_10', source: a}\n"
        "  - {from: 'nist-ai-rmf:MAP 2.3', to: 'eu-ai-act:art_10', source: a}\n"
        "  - {from: 'eu-ai-act:art_10', to: 'nist-ai-rmf:MAP 2.3', source: a}\n"
        "evidence:\n  - {kind: k, control: 'iso-42001:A.99', source: a}\n",
    )
    assert check_crosswalks(bad, catalogs) == (
        "links[0]: 'nist-ai-rmf:MAP 9.9' is in no catalog",
        "links[1]: 'eu-ai-act:art_10' links to itself",
        "links[3]: eu-ai-act:art_10 <-> nist-ai-rmf:MAP 2.3 appears twice",
        "evidence[0]: 'iso-42001:A.99' is in no catalog",
    )


def test_the_issue_example_crosswalk_is_present() -> None:
    walks = load_crosswalks()
    assert {"nist-ai-rmf:MAP 2.3", "nist-ai-rmf:MEASURE 2.11"} <= set(
        walks.neighbours("eu-ai-act:art_10")
    )
    assert any(r.startswith("iso-42001:A.7.") for r in walks.neighbours("nist-ai-rmf:MAP 2.3"))
    assert "fairness_audit" in walks.kinds_for("nist-ai-rmf:MEASURE 2.11")


def test_unknown_framework_lists_the_known_ones() -> None:
    with pytest.raises(UnknownFrameworkError, match="known: eu-ai-act, nist-ai-rmf"):
        load_control_catalog("nist-csf")


_HEAD = "framework: x\ntitle: X\nversion: '1'\nsource: s\nlicense: l\nid_pattern: '^X\\d$'\n"


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (
            "items:\n  - {id: X1, kind: k, title: t, summary: s}\n"
            "  - {id: X1, kind: k, title: t, summary: s}\n",
            r"c\.yaml:9: duplicate id 'X1'",
        ),
        (
            "items:\n  - {id: Y1, kind: k, title: t, summary: s}\n",
            r"c\.yaml:8: id 'Y1' does not match",
        ),
        ("items:\n  - {id: X1, kind: k, title: t}\n", r"c\.yaml:8: missing key\(s\) \['summary'\]"),
        (
            "items:\n  - {id: X1, kind: k, title: t, summary: s, colour: red}\n",
            r"unknown key\(s\) \['colour'\]",
        ),
        ("items: []\n", r"c\.yaml:7: expected a non-empty list"),
    ],
)
def test_bad_catalog_files_get_line_numbered_errors(items: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_control_catalog("c.yaml", _HEAD + items)


def test_crosswalk_with_undeclared_source_is_refused() -> None:
    text = "version: '1'\nsources: {a: A}\nlinks:\n  - {from: 'x:1', to: 'y:2', source: b}\n"
    with pytest.raises(CatalogError, match=r"w\.yaml:4: unknown source 'b'"):
        load_crosswalks("w.yaml", text)
    with pytest.raises(CatalogError, match="not a framework:id reference"):
        load_crosswalks(
            "w.yaml", "version: '1'\nsources: {a: A}\nlinks:\n  - {from: x, to: 'y:2', source: a}\n"
        )
