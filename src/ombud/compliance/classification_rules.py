"""Classification under the EU AI Act and the other regimes the answers trigger.

Which legal tests fire is data (the catalog); how they combine is law that rarely
changes, so it is code here, each step citing its source:

* out of scope (Art. 2) beats everything: the Act does not reach the system at all;
* a prohibited practice (Art. 5) beats every other category;
* high-risk comes from Annex I products with third-party assessment (Art. 6(1)) or from
  Annex III uses (Art. 6(2)), the latter lifted by an Art. 6(3) condition unless the
  system profiles people;
* Art. 50 transparency duties stack on top of high-risk; alone they make the category
  ``limited_risk_transparency``;
* general-purpose model duties (Arts 53-55) stack on any category, being duties of the
  model's provider rather than of a use.

Unanswered applicable questions are read as "no" and listed in ``unanswered`` and in a
reason, so a partial questionnaire can never pass silently for a complete one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ombud.compliance._conditions import Facts, evaluate
from ombud.compliance._errors import ClassificationInputError
from ombud.compliance.classification_result import (
    Classification,
    ClassificationFlags,
    EUCategory,
    Obligation,
    Reason,
    TriggeredRegime,
)
from ombud.compliance.law_catalog import LegalCatalog, LegalItem, ObligationRule, load_catalog
from ombud.compliance.questionnaire import (
    Questionnaire,
    effective_answers,
    load_questionnaire,
    validate_answers,
)

__all__ = ["classify"]


def _reason(item: LegalItem, suffix: str = "", text: str | None = None) -> Reason:
    return Reason(item.id + suffix, text or f"{item.title}: {item.paraphrase}", item.citation)


def _fire(catalog: LegalCatalog, facts: Facts) -> tuple[list[LegalItem], list[LegalItem]]:
    """Items whose test holds, and items whose test holds but whose exception applies."""
    fired, excepted = [], []
    for item in catalog.items:
        if evaluate(item.when, facts):
            if item.unless is not None and evaluate(item.unless, facts):
                excepted.append(item)
            else:
                fired.append(item)
    return fired, excepted


def _required(answers: Mapping[str, Any], questionnaire: Questionnaire) -> None:
    missing = [q for q in questionnaire.questions if q.required and q.id not in answers]
    if missing:
        first = missing[0]
        hint = f"one of: {', '.join(first.option_ids)}" if first.options else "e.g. [EU, US-CO]"
        raise ClassificationInputError(
            [
                f"answers: question '{q.id}' is required to classify; answer it ({hint})"
                for q in missing
            ]
        )


def _obligation_date(
    rule: ObligationRule,
    catalog: LegalCatalog,
    annex_i_only: bool,
    prohibitions: list[LegalItem],
) -> dt.date | None:
    # Art. 113(c): the duties that exist only because of high-risk status under Art. 6(1)
    # apply later than those of Annex III systems; duties for every system (Art. 4) do not move.
    deferred = {d.id: d.date for d in catalog.application_dates}.get("art_6_1")
    if annex_i_only and set(rule.applies_to) == {"high_risk"} and deferred is not None:
        return deferred if rule.applies_from is None else max(rule.applies_from, deferred)
    # A ban binds from the day the earliest of the prohibitions that fired applies (Art. 113(a),
    # as amended: points (ba) and (bb) of Art. 5(1) apply later than (a)-(h)).
    dated = [item.applies_from for item in prohibitions if item.applies_from is not None]
    if set(rule.applies_to) == {"prohibited"} and dated:
        earliest = min(dated)
        return earliest if rule.applies_from is None else max(rule.applies_from, earliest)
    return rule.applies_from


def classify(
    answers: Mapping[str, Any],
    catalog: LegalCatalog | None = None,
    questionnaire: Questionnaire | None = None,
) -> Classification:
    """Classify one system from its questionnaire answers (see module docstring)."""
    catalog = catalog or load_catalog()
    # Questions come with the law that asks them: a 2024.1 classification neither asks
    # nor reads the questions added for catalog 2026.1 (their answers are 'ignored').
    questionnaire = (questionnaire or load_questionnaire()).for_catalog(catalog.version)
    normalised = validate_answers(answers, load_questionnaire())
    _required(normalised, questionnaire)
    effective, applicable, ignored = effective_answers(normalised, questionnaire)
    unanswered = tuple(q.id for q in applicable if q.id not in effective)
    fired, excepted = _fire(catalog, Facts(effective))

    def of(kind: str) -> list[LegalItem]:
        return [item for item in fired if item.kind == kind]

    reasons = [_reason(item) for item in of("operator_role")]
    exclusions, prohibited = of("scope_exclusion"), of("prohibited_practice")
    annex_i, annex_iii = of("annex_i"), of("annex_iii_point")
    derogations, overrides = of("derogation_condition"), of("derogation_override")
    transparency = of("transparency")
    gpai, systemic = bool(of("gpai")), bool(of("gpai_systemic"))

    derogated = bool(annex_iii and derogations and not overrides)
    high_risk_routes = set()
    if annex_i:
        high_risk_routes.add("high_risk.annex_i")
    if annex_iii and not derogated:
        high_risk_routes.add("high_risk.annex_iii")
    art_50 = tuple(item.id for item in transparency)

    if exclusions:
        category = EUCategory.OUT_OF_SCOPE
        reasons += [_reason(item) for item in exclusions]
    else:
        reasons += [_reason(item) for item in prohibited]
        reasons += [
            _reason(item, ".exception", f"Exception applies: {item.exception}") for item in excepted
        ]
        reasons += [_reason(item) for item in annex_i]
        if derogated:
            reasons += [
                _reason(
                    item,
                    ".derogated",
                    f"{item.title}: listed in Annex III, but an Art. 6(3) "
                    "condition applies and the system does not profile people",
                )
                for item in annex_iii
            ]
            reasons += [_reason(item) for item in derogations]
        else:
            reasons += [_reason(item) for item in annex_iii]
            if annex_iii and derogations:
                reasons += [_reason(overrides[0], ".blocks_derogation")]
        reasons += [_reason(item) for item in of("carve_out")]
        reasons += [_reason(item) for item in transparency]
        if prohibited:
            category = EUCategory.PROHIBITED
        elif high_risk_routes:
            category = EUCategory.HIGH_RISK
        elif transparency:
            category = EUCategory.LIMITED_RISK_TRANSPARENCY
        else:
            category = EUCategory.MINIMAL_RISK
            reasons.append(
                Reason(
                    "minimal_risk",
                    "No prohibited practice, high-risk use or transparency trigger was found; "
                    "only AI literacy and voluntary codes of conduct apply.",
                    "EU AI Act Art. 4, Art. 95",
                )
            )
        reasons += [_reason(item) for item in of("gpai") + of("gpai_systemic")]

    tags = {category.value}
    if category is not EUCategory.OUT_OF_SCOPE:
        if gpai:
            tags.add("gpai")
        if systemic:
            tags.add("gpai_systemic_risk")
        if category is not EUCategory.PROHIBITED:
            tags |= high_risk_routes | set(art_50)
            if derogated:
                tags.add("art_6_3_derogation")
    if unanswered:
        reasons.append(
            Reason(
                "incomplete_answers",
                f"{len(unanswered)} applicable question(s) unanswered and read as 'no': "
                + ", ".join(unanswered),
                "Ombud questionnaire",
            )
        )

    role = str(effective["operator_role"])
    fired_ids = frozenset(item.id for item in fired)
    outcome_facts = Facts(effective, fired_ids, frozenset(tags))
    annex_i_only = high_risk_routes == {"high_risk.annex_i"}
    obligations = tuple(
        Obligation(
            rule.id,
            rule.title,
            rule.citation,
            rule.paraphrase,
            role,
            _obligation_date(rule, catalog, annex_i_only, prohibited),
        )
        for rule in catalog.obligations
        if role in rule.roles
        and tags.intersection(rule.applies_to)
        and (rule.when is None or evaluate(rule.when, outcome_facts))
    )
    regimes = tuple(
        TriggeredRegime(
            r.id, r.jurisdiction, r.title, r.citation, r.paraphrase, r.why, r.applies_from, r.note
        )
        for r in catalog.regimes
        if evaluate(r.when, outcome_facts)
    )
    in_scope = category is not EUCategory.OUT_OF_SCOPE
    return Classification(
        eu_category=category,
        operator_role=role,
        flags=ClassificationFlags(
            gpai=gpai and in_scope,
            gpai_systemic_risk=systemic and in_scope,
            art_50_duties=art_50 if in_scope else (),
            art_6_3_derogation_applied=derogated and in_scope,
        ),
        reasons=tuple(reasons),
        obligations=obligations,
        other_regimes=regimes,
        catalog_version=catalog.version,
        triggered_items=tuple(sorted(fired_ids)),
        unanswered=unanswered,
        ignored_answers=ignored,
    )
