"""What the law says about each mitigation option, for the system's context.

A threshold that differs by protected group is, in some places, exactly what the law
forbids: the most accurate fair option on paper can be the one a team must never ship.
So every option carries a lawfulness note per regime, and the recommendation skips any
option a flag blocks. The table below is small on purpose: each provision is cited by
article or section, paraphrased (never quoted at length), and marked ``verified: False``
with its source when it was read second-hand rather than in the official text. It is a
reading to discuss with counsel, not legal advice; docs/mitigation.md says the same.

The engine takes the context as plain values (domain, jurisdictions), so it stays
usable without a workspace; the mitigation service derives them from the system record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "PROVISIONS",
    "RULE_OPTIONS",
    "LegalAssessment",
    "LegalContext",
    "LegalFlag",
    "Provision",
    "assess",
]

Status = Literal["prohibited", "disparate_treatment", "uncertain", "requires_basis", "caution"]

#: Statuses that keep an option out of any recommendation (still shown, marked).
BLOCKING = frozenset({"prohibited", "disparate_treatment"})

#: Options that apply a fairness rule (the recommendation is chosen among these).
RULE_OPTIONS = (
    "four_fifths",
    "equal_opportunity",
    "four_fifths_per_group",
    "equal_opportunity_per_group",
    "equalized_odds_randomised",
)


@dataclass(frozen=True)
class Provision:
    """One provision as read: citation, paraphrase, and how it was read."""

    id: str
    jurisdiction: str
    citation: str
    paraphrase: str
    verified: bool
    source: str


PROVISIONS: dict[str, Provision] = {
    p.id: p
    for p in (
        Provision(
            "us.title_vii.2000e-2l",
            "US",
            "42 U.S.C. 2000e-2(l) (Title VII, Civil Rights Act of 1964 s. 703(l), added 1991)",
            "In selecting or referring candidates for employment or promotion, an employer may "
            "not adjust scores, use different cut-off scores, or otherwise alter the results of "
            "employment-related tests on the basis of race, colour, religion, sex or national "
            "origin.",
            False,
            "EEOC fact sheet 'Employment Tests and Selection Procedures' as reproduced by "
            "jjkellercompliancenetwork.com; Chicago Tribune 14 Dec 1991 on the end of race "
            "norming; statute text itself not read",
        ),
        Provision(
            "us.title_vii.ricci",
            "US",
            "Ricci v. DeStefano, 557 U.S. 557 (2009); 42 U.S.C. 2000e-2(k)",
            "Race-conscious action taken to avoid disparate-impact liability (such as discarding "
            "or re-cutting test results because of their racial outcome) is itself disparate "
            "treatment unless the employer has a strong basis in evidence that it would "
            "otherwise be liable; a less discriminatory alternative practice must still be "
            "considered.",
            False,
            "case summaries on tba.org and employerlawreport.com (2009); opinion not read",
        ),
        Provision(
            "us.reg_b.1002.4a",
            "US",
            "ECOA, 15 U.S.C. 1691(a); Regulation B, 12 CFR 1002.4(a) and its official "
            "interpretation (comment 4(a)-1)",
            "A creditor may not discriminate against an applicant on a prohibited basis in any "
            "aspect of a credit transaction; treating applicants differently on a prohibited "
            "basis is disparate treatment whether or not it is intended.",
            True,
            "consumerfinance.gov, 12 CFR 1002.4 with official interpretation",
        ),
        Provision(
            "eu.positive_action",
            "EU",
            "Directive 2000/43/EC recital 17 and Art. 5; Directive 2006/54/EC Art. 3; "
            "CJEU C-450/93 Kalanke, C-409/95 Marschall",
            "EU equality law allows specific measures to prevent or compensate for "
            "disadvantages linked to a protected ground, but the Court of Justice has held that "
            "an absolute and unconditional preference goes too far; a group-specific cut-off is "
            "at best positive action whose lawfulness depends on national law, proportionality "
            "and an individual assessment. Uncertain.",
            False,
            "OJ L 180, 19.7.2000 (recital 17, scanned copy on adattar.minorityforum.info); "
            "CURIA press release 74/97 on Marschall; Art. 5 and Directive 2006/54 not read",
        ),
        Provision(
            "eu.gdpr.art9",
            "EU",
            "GDPR (Regulation (EU) 2016/679) Art. 9(1)-(2)",
            "Processing personal data revealing racial or ethnic origin (and the other special "
            "categories) is prohibited unless an Art. 9(2) condition applies, such as explicit "
            "consent or a substantial public interest under Union or Member State law.",
            False,
            "Art. 9 text as reproduced on privacy-web.nl and gdprism.eu; EUR-Lex not read",
        ),
        Provision(
            "eu.ai_act.art4a",
            "EU",
            "EU AI Act Art. 4a (inserted by Regulation (EU) 2026/1744); GDPR Art. 9",
            "Special categories of personal data may be processed to detect and correct bias "
            "only where strictly necessary and with safeguards (minimisation, security, no "
            "transfer, deletion once corrected); using the attribute to decide each case in "
            "production goes beyond detecting and correcting bias and needs its own basis.",
            False,
            "as in the legal catalog 2026.1 (art_4a): ThomasMoreAI/legal-skills-open "
            "timeline.md (Art. 1(6)); pebblous.ai and privalogy.com summaries; the amending "
            "act's text not read",
        ),
    )
}


@dataclass(frozen=True)
class LegalContext:
    """Where and for what the system decides: from the system record, or given by hand.

    ``domain`` is the inventory's (hiring, lending, ...); ``jurisdictions`` holds ``US``
    and/or ``EU`` as derived from the deployment regions; ``classification`` is shown.
    """

    domain: str = ""
    jurisdictions: frozenset[str] = frozenset()
    classification: str = ""

    @classmethod
    def of(
        cls, domain: str, jurisdictions: Iterable[str], classification: str = ""
    ) -> LegalContext:
        return cls(domain, frozenset(j.upper() for j in jurisdictions), classification)

    @property
    def known(self) -> bool:
        return bool(self.domain) and bool(self.jurisdictions)


@dataclass(frozen=True)
class LegalFlag:
    """One regime's reading of one option."""

    option: str
    status: Status
    provision: Provision
    reading: str

    @property
    def blocks(self) -> bool:
        return self.status in BLOCKING

    def to_dict(self) -> dict[str, Any]:
        p = self.provision
        return {
            "option": self.option,
            "status": self.status,
            "blocks": self.blocks,
            "provision": p.id,
            "jurisdiction": p.jurisdiction,
            "citation": p.citation,
            "paraphrase": p.paraphrase,
            "reading": self.reading,
            "verified": p.verified,
            "source": p.source,
        }


@dataclass(frozen=True)
class LegalAssessment:
    context: LegalContext
    flags: tuple[LegalFlag, ...]
    recommended: str | None
    why: str
    notes: tuple[str, ...] = field(default=())

    def for_option(self, name: str) -> tuple[LegalFlag, ...]:
        return tuple(f for f in self.flags if f.option == name)

    def blocked(self, name: str) -> bool:
        return any(f.blocks for f in self.for_option(name))

    def to_dict(self) -> dict[str, Any]:
        return {
            "context": {
                "domain": self.context.domain,
                "jurisdictions": sorted(self.context.jurisdictions),
                "classification": self.context.classification,
            },
            "recommended": self.recommended,
            "why": self.why,
            "notes": list(self.notes),
            "flags": [f.to_dict() for f in self.flags],
        }


@dataclass(frozen=True)
class _Candidate:
    """What the assessment needs of an option (kept apart from the result type)."""

    name: str
    group_specific: bool
    randomised: bool
    feasible: bool
    utility: float


def _flags_for(option: _Candidate, context: LegalContext) -> list[LegalFlag]:
    flags: list[LegalFlag] = []
    us, eu = "US" in context.jurisdictions, "EU" in context.jurisdictions
    name = option.name
    if option.group_specific:
        if us and context.domain == "hiring":
            flags.append(
                LegalFlag(
                    name,
                    "prohibited",
                    PROVISIONS["us.title_vii.2000e-2l"],
                    "a cut-off that differs by protected group is a different cut-off score on "
                    "the basis of a protected characteristic in employment selection",
                )
            )
        if us and context.domain == "lending":
            flags.append(
                LegalFlag(
                    name,
                    "disparate_treatment",
                    PROVISIONS["us.reg_b.1002.4a"],
                    "approving applicants with the same score differently by group treats them "
                    "differently on a prohibited basis",
                )
            )
        if eu:
            flags.append(
                LegalFlag(
                    name,
                    "uncertain",
                    PROVISIONS["eu.positive_action"],
                    "a group-specific cut-off could only stand as positive action; automatic "
                    "preference by group has been held unlawful",
                )
            )
            flags.append(
                LegalFlag(
                    name,
                    "requires_basis",
                    PROVISIONS["eu.ai_act.art4a"],
                    "the protected attribute would be read for every decision in production, "
                    "not only to detect and correct bias",
                )
            )
    else:
        if us and context.domain == "hiring" and name in RULE_OPTIONS:
            flags.append(
                LegalFlag(
                    name,
                    "caution",
                    PROVISIONS["us.title_vii.ricci"],
                    "the same cut-off applies to everyone, but choosing it for its effect on "
                    "group rates is race-conscious: document the business reasons for it",
                )
            )
        if eu:
            flags.append(
                LegalFlag(
                    name,
                    "requires_basis",
                    PROVISIONS["eu.gdpr.art9"],
                    "the decision does not use the attribute, but measuring the gaps to choose "
                    "the threshold processes it (bias detection under Art. 4a)",
                )
            )
    return flags


def assess(options: Sequence[Any], context: LegalContext | None = None) -> LegalAssessment:
    """Flag every option for ``context`` and recommend the best lawful rule option.

    ``options`` are :class:`~ombud.fairness.mitigate.Option` objects (anything with
    ``name``, ``group_specific``, ``randomised``, ``feasible`` and ``metrics['utility']``).
    The recommendation is the feasible option with the highest utility among those that
    apply a fairness rule (:data:`RULE_OPTIONS`) and that no flag blocks; an unknown
    context blocks nothing but says so.
    """
    ctx = context or LegalContext()
    candidates = [
        _Candidate(o.name, o.group_specific, o.randomised, o.feasible, float(o.metrics["utility"]))
        for o in options
    ]
    flags = [flag for c in candidates for flag in _flags_for(c, ctx)]
    blocked = {f.option for f in flags if f.blocks}
    notes: list[str] = []
    if not ctx.known:
        notes.append(
            "no system context (domain and deployment regions): legal flags were not "
            "evaluated; record against a system, or give the domain and regions"
        )
    if any(c.randomised for c in candidates):
        notes.append(
            "randomised options decide by chance between thresholds: two people with the same "
            "score and group can get different answers, which must be explainable to them"
        )
    lawful = [
        c for c in candidates if c.name in RULE_OPTIONS and c.feasible and c.name not in blocked
    ]
    if not lawful:
        return LegalAssessment(
            ctx,
            tuple(flags),
            None,
            "no feasible fairness rule is lawful in this context; see the flags",
            tuple(notes),
        )
    best = max(lawful, key=lambda c: c.utility)
    why = "highest utility among feasible fairness rules that no legal flag blocks"
    if blocked:
        why += f" (not recommended, blocked: {', '.join(sorted(blocked))})"
    return LegalAssessment(ctx, tuple(flags), best.name, why, tuple(notes))
