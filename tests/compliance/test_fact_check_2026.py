"""Fact-check table for catalog 2026.1: the EU AI Act as amended by Regulation (EU) 2026/1744.

Oracle: the text of the Regulation as published (Art. 5, 6, 49, 50, 51-55, Annex III)
and, for what the amendment changed, the application dates read second-hand (the
catalog marks those entries ``verified: false`` and names the sources). Each row names
the article or Annex III point that decides the case and, for a day, which duties
must and must not be in force then, so the dates of the amended Art. 113 are checked at
their boundaries: the day before a duty applies and the day it does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from ombud.compliance import EUCategory, classify, load_catalog

from ._answers import BASE, HIGH, LIMITED, MINIMAL, OUT, PROHIBITED

CATALOG = load_catalog("2026.1")

D = dt.date
TODAY = D(2026, 12, 3)


def annex(area: str, *uses: str) -> dict[str, Any]:
    question = {
        "biometrics": "annex_iii_biometrics",
        "critical_infrastructure": "annex_iii_critical_infrastructure",
        "education": "annex_iii_education",
        "employment": "annex_iii_employment",
        "essential_services": "annex_iii_essential_services",
        "law_enforcement": "annex_iii_law_enforcement",
        "migration": "annex_iii_migration",
        "justice_democracy": "annex_iii_justice_democracy",
    }[area]
    return {"annex_iii_area": [area], question: list(uses)}


@dataclass(frozen=True)
class Case:
    name: str
    answers: dict[str, Any]
    category: EUCategory
    reason: str  # the decisive reason code
    citation: str  # text its citation must contain
    on: dt.date = TODAY
    in_force: tuple[str, ...] = ()  # obligation or regime ids that must apply on ``on``
    not_in_force: tuple[str, ...] = ()  # ids that must be present but not apply yet, or absent
    absent: tuple[str, ...] = field(default=())  # ids that must not be in the result at all


ANNEX_III_DAY = D(2027, 12, 2)
EVE_ANNEX_III = D(2027, 12, 1)
GEN = {"generates_synthetic_content": True, "synthetic_content_assistive_only": False}
NCII = {**GEN, "intimate_or_csam_output": ["intimate_content_identifiable_person"]}
CSAM = {**GEN, "intimate_or_csam_output": ["child_sexual_abuse_material"]}

ANNEX_III_POINTS = [
    ("biometrics", "remote_identification", "annex_iii.1.a", "point 1(a)"),
    ("biometrics", "categorisation_sensitive_attributes", "annex_iii.1.b", "point 1(b)"),
    ("biometrics", "emotion_recognition", "annex_iii.1.c", "point 1(c)"),
    ("education", "admission", "annex_iii.3.a", "point 3(a)"),
    ("education", "evaluate_learning_outcomes", "annex_iii.3.b", "point 3(b)"),
    ("education", "assess_education_level", "annex_iii.3.c", "point 3(c)"),
    ("education", "exam_proctoring", "annex_iii.3.d", "point 3(d)"),
    ("employment", "recruitment_selection", "annex_iii.4.a", "point 4(a)"),
    ("employment", "work_relationship_decisions", "annex_iii.4.b", "point 4(b)"),
    ("essential_services", "public_benefits_eligibility", "annex_iii.5.a", "point 5(a)"),
    ("essential_services", "creditworthiness", "annex_iii.5.b", "point 5(b)"),
    ("essential_services", "life_health_insurance_pricing", "annex_iii.5.c", "point 5(c)"),
    ("essential_services", "emergency_triage", "annex_iii.5.d", "point 5(d)"),
    ("law_enforcement", "victim_risk", "annex_iii.6.a", "point 6(a)"),
    ("law_enforcement", "polygraph", "annex_iii.6.b", "point 6(b)"),
    ("law_enforcement", "evidence_reliability", "annex_iii.6.c", "point 6(c)"),
    ("law_enforcement", "offending_risk", "annex_iii.6.d", "point 6(d)"),
    ("law_enforcement", "profiling_in_investigation", "annex_iii.6.e", "point 6(e)"),
    ("migration", "polygraph", "annex_iii.7.a", "point 7(a)"),
    ("migration", "risk_assessment", "annex_iii.7.b", "point 7(b)"),
    ("migration", "application_examination", "annex_iii.7.c", "point 7(c)"),
    ("migration", "person_identification", "annex_iii.7.d", "point 7(d)"),
    ("justice_democracy", "judicial_research_interpretation", "annex_iii.8.a", "point 8(a)"),
    ("justice_democracy", "election_influence", "annex_iii.8.b", "point 8(b)"),
]

CASES = [
    # Every Annex III point (Art. 6(2)); its Chapter III duties apply from 2 December 2027
    # (amended Art. 113(c)) and it registers in the EU database (Art. 49(1)).
    *[
        Case(
            f"Annex III {point}",
            annex(area, use),
            HIGH,
            code,
            f"Annex III {point}",
            on=ANNEX_III_DAY,
            in_force=("art_9", "art_13", "art_15", "art_49.1", "art_73"),
            absent=("art_49.5",),
        )
        for area, use, code, point in ANNEX_III_POINTS
    ],
    Case(
        "Annex III point 2: national registration, not the EU database",
        annex("critical_infrastructure", "utility_supply_safety"),
        HIGH,
        "annex_iii.2",
        "Annex III point 2",
        on=ANNEX_III_DAY,
        in_force=("art_9", "art_49.5"),
        absent=("art_49.1",),
    ),
    Case(
        "Annex III duties not yet in force the day before 2 December 2027",
        annex("employment", "recruitment_selection"),
        HIGH,
        "annex_iii.4.a",
        "point 4(a)",
        on=EVE_ANNEX_III,
        in_force=("art_4",),
        not_in_force=("art_9", "art_10", "art_11", "art_49.1", "art_72", "art_73"),
    ),
    # Art. 5(1)(a)-(h) and their exceptions.
    Case("5(1)(a)", {"manipulative_techniques": True}, PROHIBITED, "art_5.1.a", "Art. 5(1)(a)"),
    Case("5(1)(b)", {"exploits_vulnerabilities": True}, PROHIBITED, "art_5.1.b", "Art. 5(1)(b)"),
    Case("5(1)(c)", {"social_scoring": True}, PROHIBITED, "art_5.1.c", "Art. 5(1)(c)"),
    Case("5(1)(d)", {"crime_prediction_profiling": True}, PROHIBITED, "art_5.1.d", "5(1)(d)"),
    Case(
        "5(1)(d) exception: supports a fact-based human assessment",
        {"crime_prediction_profiling": True, "crime_prediction_supports_human_assessment": True},
        MINIMAL,
        "art_5.1.d.exception",
        "Art. 5(1)(d)",
    ),
    Case("5(1)(e)", {"untargeted_face_scraping": True}, PROHIBITED, "art_5.1.e", "5(1)(e)"),
    Case(
        "5(1)(f) emotion recognition at work",
        {"emotion_recognition": True, "emotion_recognition_setting": "workplace"},
        PROHIBITED,
        "art_5.1.f",
        "Art. 5(1)(f)",
    ),
    Case(
        "5(1)(f) exception: medical reasons, then Annex III point 1(c)",
        {
            "emotion_recognition": True,
            "emotion_recognition_setting": "workplace",
            "emotion_recognition_purpose": "medical",
        },
        HIGH,
        "annex_iii.1.c",
        "point 1(c)",
    ),
    Case(
        "5(1)(g) biometric categorisation by sensitive traits",
        {"biometric_categorisation": True, "biometric_categorisation_sensitive": True},
        PROHIBITED,
        "art_5.1.g",
        "Art. 5(1)(g)",
    ),
    Case(
        "5(1)(g) exception: labelling lawful data sets, then Annex III point 1(b)",
        {
            "biometric_categorisation": True,
            "biometric_categorisation_sensitive": True,
            "biometric_categorisation_exception": True,
        },
        HIGH,
        "annex_iii.1.b",
        "point 1(b)",
    ),
    Case(
        "5(1)(h) real-time RBI for law enforcement",
        {"remote_biometric_identification": True, "rbi_real_time_public_law_enforcement": True},
        PROHIBITED,
        "art_5.1.h",
        "Art. 5(1)(h)",
    ),
    Case(
        "5(1)(h) exception: searching for victims, then Annex III point 1(a)",
        {
            "remote_biometric_identification": True,
            "rbi_real_time_public_law_enforcement": True,
            "rbi_exception": "search_for_victims",
        },
        HIGH,
        "annex_iii.1.a",
        "point 1(a)",
    ),
    Case(
        "5(1)(a) binds from 2 February 2025",
        {"manipulative_techniques": True},
        PROHIBITED,
        "art_5.1.a",
        "Art. 5(1)(a)",
        on=D(2025, 2, 2),
        in_force=("art_5",),
    ),
    Case(
        "5(1)(a) before 2 February 2025",
        {"manipulative_techniques": True},
        PROHIBITED,
        "art_5.1.a",
        "Art. 5(1)(a)",
        on=D(2025, 2, 1),
        not_in_force=("art_5",),
    ),
    # New Art. 5(1)(ba) and (bb), from 2 December 2026.
    Case(
        "5(1)(ba) nudifier: its purpose, on 2 December 2026",
        {**NCII, "intimate_or_csam_basis": "intended_purpose"},
        PROHIBITED,
        "art_5.1.ba",
        "Art. 5(1)(ba)",
        on=D(2026, 12, 2),
        in_force=("art_5",),
    ),
    Case(
        "5(1)(ba) the day before it applies",
        {**NCII, "intimate_or_csam_basis": "intended_purpose"},
        PROHIBITED,
        "art_5.1.ba",
        "Art. 5(1)(ba)",
        on=D(2026, 12, 1),
        not_in_force=("art_5",),
    ),
    Case(
        "5(1)(ba) foreseeable outcome without adequate safeguards",
        {**NCII, "intimate_or_csam_basis": "foreseeable_without_safeguards"},
        PROHIBITED,
        "art_5.1.ba",
        "5(1a)",
    ),
    Case(
        "5(1)(ba) not for a safeguarded image generator (provider)",
        {**NCII, "intimate_or_csam_basis": "prevented_by_safeguards"},
        LIMITED,
        "art_5.1.ba.exception",
        "Art. 5(1)(ba)",
        in_force=("art_50.2",),
        absent=("art_5",),
    ),
    Case(
        "5(1)(bb) CSAM generator",
        {**CSAM, "intimate_or_csam_basis": "intended_purpose"},
        PROHIBITED,
        "art_5.1.bb",
        "Art. 5(1)(bb)",
        in_force=("art_5",),
    ),
    Case(
        "5(1)(bb) a deployer using a safeguarded system to produce it",
        {
            **CSAM,
            "operator_role": "deployer",
            "intimate_or_csam_basis": "prevented_by_safeguards",
            "deployer_uses_for_intimate_or_csam": True,
        },
        PROHIBITED,
        "art_5.1.bb",
        "5(1a)-(1b)",
    ),
    Case(
        "5(1)(bb) a deployer not using a safeguarded system for it",
        {
            **CSAM,
            "operator_role": "deployer",
            "intimate_or_csam_basis": "prevented_by_safeguards",
            "deployer_uses_for_intimate_or_csam": False,
        },
        LIMITED,
        "art_5.1.bb.exception",
        "Art. 5(1)(bb)",
    ),
    # Art. 6(3) with and without profiling.
    Case(
        "6(3)(a) narrow procedural task, no profiling",
        {
            **annex("employment", "recruitment_selection"),
            "art_6_3_conditions": ["narrow_procedural_task"],
            "profiles_natural_persons": False,
        },
        MINIMAL,
        "art_6.3.a",
        "Art. 6(3)(a)",
        on=ANNEX_III_DAY,
        in_force=("art_6.4", "art_49.2"),
        absent=("art_9",),
    ),
    Case(
        "6(3)(d) preparatory task but the system profiles: high-risk",
        {
            **annex("essential_services", "creditworthiness"),
            "art_6_3_conditions": ["preparatory_task"],
            "profiles_natural_persons": True,
        },
        HIGH,
        "art_6.3.profiling.blocks_derogation",
        "Art. 6(3), last subparagraph",
        absent=("art_6.4",),
    ),
    # Art. 50(1)-(4); general date 2 August 2026, Art. 111(4) transition for 50(2).
    Case(
        "50(1) chatbot on 2 August 2026",
        {"interacts_with_people": True},
        LIMITED,
        "art_50.1",
        "Art. 50(1)",
        on=D(2026, 8, 2),
        in_force=("art_50.1",),
    ),
    Case(
        "50(1) chatbot the day before",
        {"interacts_with_people": True},
        LIMITED,
        "art_50.1",
        "Art. 50(1)",
        on=D(2026, 8, 1),
        not_in_force=("art_50.1",),
    ),
    Case(
        "50(2) new generator marks output from 2 August 2026",
        {**GEN, "synthetic_content_on_market_before_2026_08_02": False},
        LIMITED,
        "art_50.2",
        "Art. 50(2)",
        on=D(2026, 8, 2),
        in_force=("art_50.2",),
        absent=("art_50.2.transition",),
    ),
    Case(
        "50(2) generator on the market before 2 August 2026: not on 1 December 2026",
        {**GEN, "synthetic_content_on_market_before_2026_08_02": True},
        LIMITED,
        "art_50.2",
        "Art. 50(2)",
        on=D(2026, 12, 1),
        not_in_force=("art_50.2.transition",),
        absent=("art_50.2",),
    ),
    Case(
        "50(2) generator on the market before 2 August 2026: from 2 December 2026",
        {**GEN, "synthetic_content_on_market_before_2026_08_02": True},
        LIMITED,
        "art_50.2",
        "Art. 50(2)",
        on=D(2026, 12, 2),
        in_force=("art_50.2.transition",),
    ),
    Case(
        "50(2) exception: assistive editing only",
        {"generates_synthetic_content": True, "synthetic_content_assistive_only": True},
        MINIMAL,
        "art_50.2.exception",
        "Art. 50(2)",
    ),
    Case(
        "50(3) deployer of emotion recognition outside work",
        {
            "operator_role": "deployer",
            "emotion_recognition": True,
            "emotion_recognition_setting": "other",
        },
        HIGH,
        "art_50.3",
        "Art. 50(3)",
        in_force=("art_50.3",),
    ),
    Case(
        "50(4) deployer of deep fakes",
        {"operator_role": "deployer", **GEN, "deep_fake": True},
        LIMITED,
        "art_50.4",
        "Art. 50(4)",
        in_force=("art_50.4",),
        absent=("art_50.2",),
    ),
    Case(
        "50(4) deployer publishing AI-written public-interest text",
        {"operator_role": "deployer", **GEN, "public_interest_text": True},
        LIMITED,
        "art_50.4",
        "Art. 50(4)",
        in_force=("art_50.4",),
    ),
    # General-purpose AI models (Arts 51-55), from 2 August 2025.
    Case(
        "GPAI without systemic risk on 2 August 2025",
        {"system_kind": "general_purpose_model", "gpai_training_flop": 1e24},
        MINIMAL,
        "art_51.gpai",
        "Art. 53",
        on=D(2025, 8, 2),
        in_force=("art_53.1.ab", "art_53.1.cd"),
        absent=("art_55",),
    ),
    Case(
        "GPAI the day before Chapter V applies",
        {"system_kind": "general_purpose_model", "gpai_training_flop": 1e24},
        MINIMAL,
        "art_51.gpai",
        "Art. 53",
        on=D(2025, 8, 1),
        not_in_force=("art_53.1.ab",),
    ),
    Case(
        "GPAI above 10^25 FLOP: systemic risk",
        {"system_kind": "general_purpose_model", "gpai_training_flop": 3e25},
        MINIMAL,
        "art_51.2",
        "Art. 51(2)",
        in_force=("art_55",),
    ),
    Case(
        "GPAI designated by the Commission",
        {"system_kind": "general_purpose_model", "gpai_designated_systemic": True},
        MINIMAL,
        "art_51.1.b",
        "Art. 51(1)(b)",
        in_force=("art_55",),
    ),
    Case(
        "open-source GPAI without systemic risk",
        {"system_kind": "general_purpose_model", "gpai_open_source": True},
        MINIMAL,
        "art_51.gpai",
        "Art. 53",
        in_force=("art_53.1.cd",),
        absent=("art_53.1.ab", "art_55"),
    ),
    # Annex I (Art. 6(1)), from 2 August 2028.
    Case(
        "Annex I product: not yet on 1 August 2028",
        {"annex_i_safety_component": True, "annex_i_third_party_assessment": True},
        HIGH,
        "art_6.1",
        "Art. 6(1)",
        on=D(2028, 8, 1),
        not_in_force=("art_9", "art_43"),
    ),
    Case(
        "Annex I product: from 2 August 2028",
        {"annex_i_safety_component": True, "annex_i_third_party_assessment": True},
        HIGH,
        "art_6.1",
        "Art. 6(1)",
        on=D(2028, 8, 2),
        in_force=("art_9", "art_43", "art_73"),
        absent=("art_49.1",),
    ),
    # Art. 4 and the new Art. 4a.
    Case(
        "Art. 4a: special-category data for a fairness audit, from 27 July 2026",
        {"bias_detection_special_categories": True},
        MINIMAL,
        "minimal_risk",
        "Art. 4",
        on=D(2026, 7, 27),
        in_force=("art_4", "art_4a"),
    ),
    Case(
        "Art. 4a: the day before the amendment entered into force",
        {"bias_detection_special_categories": True},
        MINIMAL,
        "minimal_risk",
        "Art. 4",
        on=D(2026, 7, 26),
        in_force=("art_4",),
        not_in_force=("art_4a",),
    ),
    # Deployer against provider.
    Case(
        "credit model, provider",
        annex("essential_services", "creditworthiness"),
        HIGH,
        "annex_iii.5.b",
        "point 5(b)",
        on=ANNEX_III_DAY,
        in_force=("art_9", "art_17", "art_73"),
        absent=("art_26", "art_27"),
    ),
    Case(
        "credit model, deployer: FRIA for point 5(b)",
        {**annex("essential_services", "creditworthiness"), "operator_role": "deployer"},
        HIGH,
        "annex_iii.5.b",
        "point 5(b)",
        on=ANNEX_III_DAY,
        in_force=("art_26", "art_27"),
        absent=("art_9", "art_73", "art_49.3"),
    ),
    Case(
        "hiring, public authority deployer: registers its use",
        {
            **annex("employment", "recruitment_selection"),
            "operator_role": "deployer",
            "deployer_public_body_or_service": True,
            "deployer_public_authority": True,
        },
        HIGH,
        "annex_iii.4.a",
        "point 4(a)",
        on=ANNEX_III_DAY,
        in_force=("art_26", "art_27", "art_49.3"),
    ),
    Case(
        "hiring, private provider of a public service: FRIA, no Art. 49(3) registration",
        {
            **annex("employment", "recruitment_selection"),
            "operator_role": "deployer",
            "deployer_public_body_or_service": True,
            "deployer_public_authority": False,
        },
        HIGH,
        "annex_iii.4.a",
        "point 4(a)",
        on=ANNEX_III_DAY,
        in_force=("art_27",),
        absent=("art_49.3",),
    ),
    Case(
        "grid control, public authority deployer: point 2 has no Art. 49(3) registration",
        {
            **annex("critical_infrastructure", "utility_supply_safety"),
            "operator_role": "deployer",
            "deployer_public_body_or_service": True,
            "deployer_public_authority": True,
        },
        HIGH,
        "annex_iii.2",
        "point 2",
        on=ANNEX_III_DAY,
        in_force=("art_26",),
        absent=("art_49.3", "art_27"),
    ),
    Case(
        "importer of a hiring system",
        {**annex("employment", "recruitment_selection"), "operator_role": "importer"},
        HIGH,
        "annex_iii.4.a",
        "point 4(a)",
        on=ANNEX_III_DAY,
        in_force=("art_23",),
        absent=("art_9", "art_24"),
    ),
    Case(
        "distributor of a hiring system",
        {**annex("employment", "recruitment_selection"), "operator_role": "distributor"},
        HIGH,
        "annex_iii.4.a",
        "point 4(a)",
        on=ANNEX_III_DAY,
        in_force=("art_24",),
        absent=("art_9", "art_23"),
    ),
    # Colorado SB 26-189, from 1 January 2027.
    Case(
        "Colorado lending decisions on 31 December 2026",
        {
            "deployment_regions": ["US-CO"],
            "output_used_in_eu": False,
            "significant_decisions": True,
        },
        OUT,
        "art_2.1.no_eu_nexus",
        "Art. 2(1)",
        on=D(2026, 12, 31),
        not_in_force=("us.colorado_sb26_189",),
        absent=("us.colorado_sb24_205",),
    ),
    Case(
        "Colorado lending decisions on 1 January 2027",
        {
            "deployment_regions": ["US-CO"],
            "output_used_in_eu": False,
            "significant_decisions": True,
        },
        OUT,
        "art_2.1.no_eu_nexus",
        "Art. 2(1)",
        on=D(2027, 1, 1),
        in_force=("us.colorado_sb26_189",),
    ),
    # Scope.
    Case(
        "military use only",
        {"exclusive_purpose": "military_defence_national_security", "social_scoring": True},
        OUT,
        "art_2.3",
        "Art. 2(3)",
        absent=("art_5",),
    ),
]


def _applies(result: Any, ref: str, on: dt.date) -> bool | None:
    """True/False when ``ref`` is an obligation or regime of the result, None when absent."""
    found = [o for o in (*result.obligations, *result.other_regimes) if o.id == ref]
    return found[0].in_force(on) if found else None


def test_the_table_is_large_and_covers_every_point() -> None:
    assert len(CASES) >= 60
    assert len({case.name for case in CASES}) == len(CASES)
    reasons = {case.reason.removesuffix(".exception") for case in CASES}
    points = {item.id for item in CATALOG.items_of("annex_iii_point")}
    bans = {item.id for item in CATALOG.items_of("prohibited_practice")}
    assert points <= reasons
    assert bans <= reasons


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_fact_check(case: Case) -> None:
    result = classify({**BASE, **case.answers}, CATALOG)
    assert result.catalog_version == "2026.1"
    assert result.eu_category is case.category
    by_code = {reason.code: reason for reason in result.reasons}
    assert case.reason in by_code, result.reason_codes()
    assert case.citation in by_code[case.reason].citation
    for ref in case.in_force:
        assert _applies(result, ref, case.on) is True, ref
    for ref in case.not_in_force:
        assert _applies(result, ref, case.on) is not True, ref
    for ref in case.absent:
        assert _applies(result, ref, case.on) is None, ref


def test_amended_dates_differ_from_the_act_as_published() -> None:
    """The same hiring system: Art. 9 from 2 August 2026 (2024.1), 2 December 2027 (2026.1)."""
    answers = {**BASE, **annex("employment", "recruitment_selection")}
    old = {o.id: o.applies_from for o in classify(answers, load_catalog("2024.1")).obligations}
    new = {o.id: o.applies_from for o in classify(answers, CATALOG).obligations}
    assert old["art_9"] == D(2026, 8, 2)
    assert new["art_9"] == D(2027, 12, 2)


def test_colorado_sb24_205_is_kept_in_2024_1_with_its_repeal_noted() -> None:
    answers = {
        **BASE,
        "deployment_regions": ["US-CO"],
        "output_used_in_eu": False,
        "significant_decisions": True,
    }
    regime = next(
        r
        for r in classify(answers, load_catalog("2024.1")).other_regimes
        if r.id == "us.colorado_sb24_205"
    )
    assert regime.note is not None
    assert "SB 26-189" in regime.note


def test_every_amendment_entry_names_its_source() -> None:
    entries = [*CATALOG.items, *CATALOG.obligations, *CATALOG.regimes]
    unverified = [e for e in entries if not e.verified]
    assert unverified, "the amendment was read second-hand; it must say so"
    assert all(e.source for e in unverified)
    assert {"art_5.1.ba", "art_5.1.bb", "art_4a", "us.colorado_sb26_189"} <= {
        e.id for e in unverified
    }
