"""Precision and recall of the scanner on the labelled corpus (tests/discover/corpus).

Oracle: the labels, written by hand beside each line (``expect: kind/provider``) before
the scanner was run on the file, and the model files' known content. The corpus holds
every language and hit kind and the negatives that fool a grep: commented-out imports,
vendor names in prose and help texts, ``openai_key`` variables, import lines inside
strings, look-alike hosts, a regular expression naming a package, an HTML template.
The floors are below the measured values (docs/discovery.md) so a regression fails.
"""

from __future__ import annotations

from pathlib import Path

from ombud.discover import Confidence, ScanOptions, scan

from .conftest import expected_hits

PRECISION_FLOOR = 0.95
RECALL_FLOOR = 0.95


def _reported(root: Path) -> set[tuple[str, int, str, str]]:
    result = scan([root], ScanOptions(min_confidence=Confidence.MEDIUM))
    return {
        (h.file.relative_to(root).as_posix(), h.line, h.kind.value, h.provider) for h in result.hits
    }


def test_precision_and_recall_on_the_labelled_corpus(corpus: Path) -> None:
    expected = expected_hits(corpus)
    reported = _reported(corpus)
    true_pos = reported & expected
    false_pos = sorted(reported - expected)
    false_neg = sorted(expected - reported)
    precision = len(true_pos) / len(reported)
    recall = len(true_pos) / len(expected)
    print(f"labelled {len(expected)}, reported {len(reported)}, tp {len(true_pos)}")
    print(f"precision {precision:.3f}, recall {recall:.3f}")
    assert len(expected) >= 40
    assert precision >= PRECISION_FLOOR, f"false positives: {false_pos}"
    assert recall >= RECALL_FLOOR, f"missed: {false_neg}"


def test_every_language_and_kind_is_labelled_and_found(corpus: Path) -> None:
    expected = expected_hits(corpus)
    reported = _reported(corpus)
    suffixes = {Path(f).suffix for f, *_ in expected & reported}
    assert {".py", ".ts", ".js", ".java", ".go"} <= suffixes
    kinds = {k for _, _, k, _ in expected & reported}
    assert kinds == {"llm-api", "ml-training", "ml-inference", "model-file", "prompt-template"}


def test_negatives_report_nothing(corpus: Path) -> None:
    """The files written only to fool a scanner yield no hit at any confidence."""
    negatives = [
        "support_bot/src/support_bot/not_ai.py",
        "web_chat/src/notes.js",
        "go_gateway/notes.go",
        "templates/invoice.jinja",
    ]
    result = scan([corpus / n for n in negatives], ScanOptions(min_confidence=Confidence.LOW))
    assert [h.where(corpus) for h in result.hits] == []
