"""System manifests: valid ones parse; every kind of mistake names file:line."""

from __future__ import annotations

import pytest

from ombud.governance import parse_system_manifest
from ombud.yamlsource import YamlSourceError, parse_yaml

GOOD = """\
id: credit-scoring
name: Credit scoring
purpose: Scores consumer credit applications
owner: olivia
owner_team: credit-risk
domain: lending
kind: decision_model
operator_role: provider
automation: human_on_the_loop
deployment_regions: [DE, US-CO]
data_categories: [personal_data]
versions:
  - label: "2.1.0"
    models:
      - name: model
        uri: s3://models/credit/2.1.0.pkl
        sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
classification:
  answers:
    annex_iii_area: [essential_services]
"""


def _parse(text: str) -> object:
    return parse_system_manifest(parse_yaml(text, "system.yaml"))


def test_a_valid_manifest_parses() -> None:
    manifest = parse_system_manifest(parse_yaml(GOOD, "system.yaml"))
    assert manifest.system_id == "credit-scoring"
    assert manifest.profile.deployment_regions == ("DE", "US-CO")
    assert manifest.versions[0].label == "2.1.0"
    assert manifest.versions[0].models[0].uri.startswith("s3://")
    assert manifest.classification_answers == {"annex_iii_area": ["essential_services"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("domain: lending", "domain: banking"), r"system\.yaml:6: domain 'banking'"),
        (GOOD.replace("owner_team:", "team:"), r"system\.yaml:5: unknown field 'team'"),
        (GOOD.replace("name: Credit scoring\n", ""), r"system\.yaml:1: missing required .*name"),
        (GOOD.replace("id: credit-scoring", "id: Credit Scoring"), r"system\.yaml:1: system id"),
        (GOOD.replace("sha256: 0123", "sha256: zz23"), r"system\.yaml:17: sha256 of 'model'"),
        (GOOD.replace("kind: decision_model", "kind: [x"), r"system\.yaml:\d+: .*YAML syntax"),
        (GOOD + "name: again\n", r"system\.yaml:21: duplicate key 'name'"),
        (GOOD.replace('  - label: "2.1.0"', '  - lable: "2.1.0"'), r"system\.yaml:13: unknown key"),
    ],
)
def test_mistakes_are_reported_with_file_and_line(text: str, expected: str) -> None:
    with pytest.raises(YamlSourceError, match=expected):
        _parse(text)


def test_code_paths_are_optional_and_read_as_given() -> None:
    assert parse_system_manifest(parse_yaml(GOOD, "system.yaml")).code_paths == ()
    text = GOOD + "code_paths: [src/scoring, ../shared/features.py]\n"
    manifest = parse_system_manifest(parse_yaml(text, "system.yaml"))
    assert manifest.code_paths == ("src/scoring", "../shared/features.py")


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("code_paths: src", "must be a list of paths"),
        ("code_paths: [/srv/app]", "'/srv/app' is absolute"),
        ("code_paths: ['C:\\\\app']", "is absolute"),
        ("code_paths: ['src/*.py']", "is a pattern"),
        ("code_paths: ['']", "is empty"),
        ('code_paths: ["a\\nb"]', "one line"),
    ],
)
def test_bad_code_paths_name_their_line(entry: str, expected: str) -> None:
    text = GOOD + entry + "\n"
    line = text.count("\n")
    with pytest.raises(YamlSourceError, match=rf"system\.yaml:{line}: .*{expected}"):
        _parse(text)
