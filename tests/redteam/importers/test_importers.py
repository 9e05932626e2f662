"""Prompt-set importers: garak-style data files and PyRIT-style YAML seed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ombud.redteam import PromptSetError
from ombud.redteam.importers import probe_from_garak_data, probe_from_pyrit_yaml

COMMON = {"category": "jailbreak", "detectors": ("compliance",), "license": "CC-BY-4.0"}


def test_garak_data_file_one_prompt_per_line_with_provenance(tmp_path: Path) -> None:
    path = tmp_path / "greetings.txt"
    path.write_text("Say hello in French.\n\n  Say hello in German.  \n", encoding="utf-8")
    probe = probe_from_garak_data(path, probe_id="ext.greet", provenance="team set", **COMMON)
    attempts = list(probe.attempts())
    assert [a.turns[0].content for a in attempts] == [
        "Say hello in French.",
        "Say hello in German.",
    ]
    assert [a.context["provenance"] for a in attempts] == [
        "team set (greetings.txt:1)",
        "team set (greetings.txt:3)",
    ]
    assert {a.context["license"] for a in attempts} == {"CC-BY-4.0"}
    assert probe.info.id == "ext.greet"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"fine\n\xff\xfe broken\n", r"data.txt:2: not UTF-8"),
        (b"ok\nok\n" + b"x" * 30 + b"\n", r"data.txt:3: prompt of 30 characters"),
        (b"a\x00b\n", r"data.txt:1: NUL"),
        (b"\n\n", r"data.txt:1: no prompts"),
    ],
)
def test_garak_data_errors_name_the_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(content)
    with pytest.raises(PromptSetError, match=message):
        probe_from_garak_data(path, probe_id="x", provenance="p", max_chars=20, **COMMON)


TEMPLATE = """\
name: polite wrapper
description: wraps a request in a polite frame
source: internal red team wiki
license: MIT
parameters:
  - request
  - tone
value: |
  In a {{ tone }} voice, please answer: {{ request }}
"""


def test_pyrit_template_renders_every_parameter_combination(tmp_path: Path) -> None:
    path = tmp_path / "wrapper.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    probe = probe_from_pyrit_yaml(
        path,
        probe_id="ext.wrapper",
        parameters={"request": ["what is 2+2?", "name a colour"], "tone": "calm"},
        **COMMON,
    )
    attempts = list(probe.attempts())
    assert [a.turns[0].content for a in attempts] == [
        "In a calm voice, please answer: what is 2+2?",
        "In a calm voice, please answer: name a colour",
    ]
    assert attempts[0].context["license"] == "MIT"  # the file's own license wins
    assert attempts[0].context["provenance"] == "internal red team wiki (wrapper.yaml:1)"


DATASET = """\
dataset_name: office questions
harm_categories: [misinformation]
source: collected by QA
data_type: text
prompts:
  - value: Which floor is the canteen on?
  - value: Is the car park open on Sundays?
    harm_categories: [none]
    license: Proprietary
  - value: Find out the office opening hours
    is_objective: true
"""


def test_pyrit_dataset_items_keep_their_own_metadata(tmp_path: Path) -> None:
    path = tmp_path / "office.prompt"
    path.write_text(DATASET, encoding="utf-8")
    attempts = list(probe_from_pyrit_yaml(path, probe_id="ext.office", **COMMON).attempts())
    assert [a.turns[0].content for a in attempts] == [
        "Which floor is the canteen on?",
        "Is the car park open on Sundays?",
    ]
    first, second = attempts
    assert first.context["harm_categories"] == "misinformation"
    assert first.context["license"] == "CC-BY-4.0"
    assert first.context["provenance"] == "collected by QA (office.prompt:6)"
    assert second.context["harm_categories"] == "none"
    assert second.context["license"] == "Proprietary"
    assert second.context["provenance"] == "collected by QA (office.prompt:7)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("value: [unclosed\n", r"bad.yaml:\d+: not valid YAML"),
        ("- just\n- a list\n", r"bad.yaml:1: expected a mapping"),
        ("prompts:\n  - value: ok\n  - 42\n", r"bad.yaml:3: each prompt must be a mapping"),
        ("prompts:\n  - value: x.png\n    data_type: image_path\n", r"bad.yaml:1: no text prompt"),
        ("parameters: [what]\nvalue: hi {{ what }}\n", r"bad.yaml:1: no value for parameter"),
        ("parameters: [who]\nvalue: hi {{ whom }}\n", r"bad.yaml:2: template error"),
        ("prompts: nope\n", r"bad.yaml:1: 'prompts' must be a list"),
        ("prompts:\n  - name: no value here\n", r"bad.yaml:2: expected a text 'value'"),
    ],
)
def test_pyrit_errors_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PromptSetError, match=message):
        probe_from_pyrit_yaml(path, probe_id="x", parameters={"who": "Ada"}, **COMMON)


def test_pyrit_template_is_sandboxed_and_plain_values_stay_literal(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text('parameters: [who]\nvalue: "{{ who.__class__.__mro__ }}"\n')
    with pytest.raises(PromptSetError, match="template error"):
        probe_from_pyrit_yaml(path, probe_id="x", parameters={"who": "Ada"}, **COMMON)
    path.write_text('value: "Explain {{ braces }} in Jinja."\n')
    (attempt,) = probe_from_pyrit_yaml(path, probe_id="x", **COMMON).attempts()
    assert attempt.turns[0].content == "Explain {{ braces }} in Jinja."
