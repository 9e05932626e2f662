"""The policy pack's optional ``monitoring:`` section: validated at file:line, read per tier
by ``ombud monitor check`` (SQLite and PostgreSQL), overridden by explicit flags."""

from __future__ import annotations

from importlib import resources

import pytest

from ombud.governance.policy import load_default_policy, parse_policy
from ombud.services.context import AppContext
from ombud.services.gates import resolve_policy
from ombud.services.monitor_check import MonitorSettings
from ombud.services.monitor_findings import settings_in_force
from ombud.yamlsource import YamlSourceError, parse_yaml

from ._systems import HIRING_ANSWERS, register_classified, screening_profile

BASE = 'name: t\nversion: "1"\ntiers:\n  1: {}\n  2: {}\n  3: {}\n  4: {}\n'


def _parse(section: str) -> object:
    return parse_policy(parse_yaml(BASE + section, "p.yaml", scalar_keys=True))


def test_the_default_pack_sets_the_check_defaults_and_a_stricter_tier_1() -> None:
    monitoring = load_default_policy().monitoring
    assert monitoring is not None
    defaults = MonitorSettings()
    tier2 = MonitorSettings(**monitoring.thresholds(2))
    assert tier2 == defaults  # the pack states the defaults; it does not move them
    tier1 = MonitorSettings(**monitoring.thresholds(1))
    assert (tier1.accuracy_drop, tier1.due_days) == (0.03, 14)
    assert MonitorSettings(**monitoring.thresholds(None)) == defaults


@pytest.mark.parametrize(
    ("section", "line", "says"),
    [
        ("monitoring:\n  defaults: {psi_treshold: 0.2}\n", 9, "unknown monitoring key"),
        ("monitoring:\n  defaults:\n    fdr: 1.5\n", 10, "'fdr' must be a number in (0, 1)"),
        ("monitoring:\n  tiers:\n    2: {due_days: 0}\n", 10, "'due_days' must be a whole"),
        ("monitoring:\n  tiers:\n    5: {due_days: 3}\n", 10, "tier '5' is unknown"),
        ("monitoring:\n  defaults: {gap_period: year}\n", 9, "must be day, week or month"),
        ("monitoring:\n  default: {}\n", 9, "unknown key 'default'"),
        ("monitoring: [1]\n", 8, "'monitoring' must be a mapping"),
    ],
)
def test_a_bad_section_is_refused_at_its_line(section: str, line: int, says: str) -> None:
    with pytest.raises(YamlSourceError) as refused:
        _parse(section)
    message = str(refused.value)
    assert message.startswith(f"p.yaml:{line}:"), message
    assert says in message
    assert "\n" not in message


def test_the_check_reads_the_pack_in_force_for_the_systems_tier(context: AppContext) -> None:
    register_classified(context, "ada", "screening", screening_profile("ada"), HIRING_ANSWERS)
    default = settings_in_force(context, "screening")
    assert default == MonitorSettings()
    default_text = resources.files("ombud.governance").joinpath("data", "default-policy.yaml")
    own = default_text.read_text(encoding="utf-8").replace(
        "    1: {accuracy_drop: 0.03, due_days: 14}",
        "    1: {accuracy_drop: 0.03, due_days: 14}\n    2: {due_days: 7, recent_windows: 3}",
    )
    (context.workspace.root / "policy.yaml").write_text(own, encoding="utf-8")
    pack = resolve_policy(context)
    assert pack.monitoring is not None
    assert pack.monitoring.tiers[2] == {"due_days": 7, "recent_windows": 3}
    chosen = settings_in_force(context, "screening")
    assert (chosen.due_days, chosen.recent_windows, chosen.psi_threshold) == (7, 3, 0.2)
    flagged = settings_in_force(context, "screening", recent_windows=20, gap_period=None)
    assert (flagged.due_days, flagged.recent_windows) == (7, 20)
