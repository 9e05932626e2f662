"""The golden-file switch of tests/conftest.py: what makes a golden an oracle and not a mirror.

Oracle: the file system itself (what exists and what it holds after each call); each rule is
exercised once with the switch on and once off.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

Golden = Callable[[Mapping[Path, str]], None]


def test_the_update_switch_is_refused_when_ci_is_set(
    golden: Golden, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OMBUD_UPDATE_GOLDEN", "1")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="refused when CI is set"):
        golden({tmp_path / "card.md": "text"})
    assert not (tmp_path / "card.md").exists()


def test_an_update_run_rewrites_and_skips_instead_of_comparing_with_itself(
    golden: Golden, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OMBUD_UPDATE_GOLDEN", "1")
    monkeypatch.delenv("CI", raising=False)
    (tmp_path / "old.md").write_text("before", encoding="utf-8")
    with pytest.raises(pytest.skip.Exception, match=r"old\.md rewritten, new\.json created"):
        golden({tmp_path / "old.md": "after", tmp_path / "new.json": "{}"})
    assert (tmp_path / "old.md").read_text(encoding="utf-8") == "after"
    assert (tmp_path / "new.json").read_text(encoding="utf-8") == "{}"


def test_a_missing_golden_fails_with_the_command_that_creates_it(
    golden: Golden, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    monkeypatch.delenv("OMBUD_UPDATE_GOLDEN", raising=False)
    with pytest.raises(pytest.fail.Exception) as failure:
        golden({tmp_path / "absent.md": "text"})
    assert f"OMBUD_UPDATE_GOLDEN=1 pytest '{request.node.nodeid}'" in str(failure.value)
    assert not (tmp_path / "absent.md").exists()


def test_a_golden_that_differs_fails_and_is_left_alone(
    golden: Golden, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OMBUD_UPDATE_GOLDEN", raising=False)
    (tmp_path / "card.md").write_text("reviewed", encoding="utf-8")
    golden({tmp_path / "card.md": "reviewed"})
    with pytest.raises(AssertionError, match=r"card\.md differs"):
        golden({tmp_path / "card.md": "changed"})
    assert (tmp_path / "card.md").read_text(encoding="utf-8") == "reviewed"
