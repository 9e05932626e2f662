"""Policy cites read as catalog refs, checked against the shipped catalogs and policy pack."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from ombud.compliance.control_catalogs import FRAMEWORKS, load_control_catalog, resolve_citation

CATALOGS = [load_control_catalog(name) for name in FRAMEWORKS]


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("NIST AI RMF MEASURE 2.11", ("nist-ai-rmf:MEASURE 2.11",)),
        ("EU AI Act Art. 10(2)(f)", ("eu-ai-act:art_10",)),  # more precise than the catalog
        ("EU AI Act Art. 49(1)", ("eu-ai-act:art_49.1",)),
        (
            "EU AI Act Art. 49",
            (
                "eu-ai-act:art_49.1",
                "eu-ai-act:art_49.2",
                "eu-ai-act:art_49.3",
                "eu-ai-act:art_49.5",
            ),
        ),
        ("Annex IV", ("eu-ai-act:art_11",)),
        ("29 CFR 1607.4(D)", ("sector-rules:ugesp.1607_4d",)),
        ("12 CFR 1002.9(b)(2)", ("sector-rules:ecoa.1002_9",)),
        ("NIST AI RMF MEASURE 9.9", ()),
        ("ISO 9001", ()),
    ],
)
def test_resolve_citation(text: str, refs: tuple[str, ...]) -> None:
    assert resolve_citation(text, CATALOGS) == refs


def test_every_cite_of_the_default_policy_resolves() -> None:
    """Oracle: the shipped default policy pack, read as plain YAML."""
    text = resources.files("ombud.governance").joinpath("data", "default-policy.yaml")
    cites: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            cites.extend(node.get("cites", ()))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(text.read_text(encoding="utf-8")))
    assert len(cites) > 20
    assert [c for c in cites if not resolve_citation(c, CATALOGS)] == []
