"""``ombud monitor show`` and the portfolio's monitoring counts.

Read-only. Every number of ``window_summaries`` comes from the stored window summaries
(never from rows): the selection rate from the outputs Tally, the accuracy from the
labelled one, both with a Wilson interval, through the engine's one-pass
``performance_report``. ``monitoring_counts`` counts, for the dashboard, the monitored
systems whose latest check breached a rule and those whose monitoring is stale (no
``monitoring_run`` within the freshness the policy pack asks of monitoring evidence).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ombud.governance import InvalidInput
from ombud.governance.policy import PolicyPack
from ombud.monitor import performance_report
from ombud.services.context import AppContext
from ombud.services.gates import resolve_policy
from ombud.services.monitoring import DEFAULT_MONITOR, list_windows, rolled_up
from ombud.store.models import EvidenceRow
from ombud.store.models_monitoring import MonitorRow

__all__ = [
    "DEFAULT_FRESH_DAYS",
    "MonitoringCounts",
    "WindowSummary",
    "freshness_days",
    "monitoring_counts",
    "parse_day",
    "window_summaries",
]

#: Freshness when the policy pack asks no ``monitoring_run`` evidence at all: monthly,
#: as the default pack asks of deployed high-risk systems.
DEFAULT_FRESH_DAYS = 30
RUN_KIND = "monitoring_run"


def parse_day(text: str | None, flag: str) -> dt.datetime | None:
    """A ``--from``/``--to`` day (or the web form's) as the UTC midnight windows are keyed
    by; empty means no bound. One line naming the flag when it is not a date."""
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{flag} {text!r} is not a date; use YYYY-MM-DD") from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


@dataclass(frozen=True)
class WindowSummary:
    """One window (or roll-up) as a line of ``monitor show``; NaN where nothing to measure."""

    start: dt.datetime
    end: dt.datetime
    rows: int
    labelled: int
    selection_rate: float
    accuracy: float
    accuracy_lower: float
    accuracy_upper: float
    digest: str
    amended: bool

    def to_dict(self) -> dict[str, Any]:
        def num(value: float) -> float | None:
            return value if math.isfinite(value) else None

        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "rows": self.rows,
            "labelled": self.labelled,
            "selection_rate": num(self.selection_rate),
            "accuracy": num(self.accuracy),
            "accuracy_lower": num(self.accuracy_lower),
            "accuracy_upper": num(self.accuracy_upper),
            "digest": self.digest,
            "amended": self.amended,
        }


def window_summaries(
    context: AppContext,
    system_id: str,
    name: str = DEFAULT_MONITOR,
    *,
    by: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> tuple[WindowSummary, ...]:
    """The windows with ``start <= period start < end``, per stored period or ``by`` week/month."""
    monitor, stored = list_windows(context, system_id, name, start=start, end=end)
    windows = rolled_up(stored, by)
    if not windows:
        return ()
    amended = {s.window.start for s in stored if s.amended_from is not None}
    table = performance_report(monitor.spec, windows, metrics=("selection_rate", "accuracy"))
    overall = table[table["attribute"] == ""]
    values: dict[tuple[dt.datetime, str], tuple[float, float, float]] = {
        (s, m): (float(v), float(lo), float(hi))
        for s, m, v, lo, hi in zip(
            overall["start"],
            overall["metric"],
            overall["value"],
            overall["lower"],
            overall["upper"],
            strict=True,
        )
    }
    nan = (math.nan, math.nan, math.nan)
    out = []
    for w in windows:
        accuracy = values.get((w.start, "accuracy"), nan)
        out.append(
            WindowSummary(
                start=w.start,
                end=w.end,
                rows=w.n_rows,
                labelled=w.n_labelled,
                selection_rate=values.get((w.start, "selection_rate"), nan)[0],
                accuracy=accuracy[0],
                accuracy_lower=accuracy[1],
                accuracy_upper=accuracy[2],
                digest=w.digest,
                amended=any(w.start <= a < w.end for a in amended),
            )
        )
    return tuple(out)


def freshness_days(pack: PolicyPack) -> int | None:
    """The strictest age the pack allows ``monitoring_run`` evidence, in any tier or
    overlay (the default pack's eu-post-market-monitoring: 30 days); None if it asks none."""
    sections = [*pack.tiers.values(), *(o.requirements for o in pack.overlays)]
    ages = [
        r.max_age_days
        for section in sections
        for r in section.evidence
        if r.kind == RUN_KIND and r.max_age_days is not None
    ]
    return min(ages) if ages else None


@dataclass(frozen=True)
class MonitoringCounts:
    """Systems with at least one monitor; of those, the ones whose latest check of some
    monitor failed a rule, and the ones with no recorded check within ``fresh_days``."""

    monitored: tuple[str, ...]
    breached: tuple[str, ...]
    stale: tuple[str, ...]
    fresh_days: int
    policy_days: bool  # False when the pack asks no monitoring evidence (default used)


def monitoring_counts(context: AppContext, now: dt.datetime | None = None) -> MonitoringCounts:
    """Two grouped queries, whatever the number of systems: the latest run per (system,
    monitor) and the newest run per system."""
    pack_days = freshness_days(resolve_policy(context))
    days = pack_days or DEFAULT_FRESH_DAYS
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    monitor_of = EvidenceRow.parameters["monitor"].as_string()
    latest = (
        select(func.max(EvidenceRow.id))
        .where(EvidenceRow.kind == RUN_KIND)
        .group_by(EvidenceRow.system_id, monitor_of)
    )
    with context.read() as session:
        names = {
            (system_id, name)
            for system_id, name in session.execute(select(MonitorRow.system_id, MonitorRow.name))
        }
        runs = session.execute(
            select(EvidenceRow.system_id, monitor_of, EvidenceRow.verdicts).where(
                EvidenceRow.id.in_(latest)
            )
        ).all()
        newest = dict(
            session.execute(
                select(EvidenceRow.system_id, func.max(EvidenceRow.created_at))
                .where(EvidenceRow.kind == RUN_KIND)
                .group_by(EvidenceRow.system_id)
            ).all()
        )
    monitored = sorted({system_id for system_id, _ in names})
    breached = sorted(
        {
            system_id
            for system_id, name, verdicts in runs
            if (system_id, name) in names and "fail" in (verdicts or {}).values()
        }
    )

    def stale(system_id: str) -> bool:
        when = newest.get(system_id)
        if when is None:
            return True
        when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
        return bool(when < cutoff)

    return MonitoringCounts(
        monitored=tuple(monitored),
        breached=tuple(breached),
        stale=tuple(s for s in monitored if stale(s)),
        fresh_days=days,
        policy_days=pack_days is not None,
    )
