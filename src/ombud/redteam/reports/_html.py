"""The self-contained HTML report: one file, inline CSS, no scripts, no external assets.

It can be attached to evidence and opened years later offline. Harmful model output
can be redacted so the report can circulate beyond the red team.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jinja2

from ombud.redteam.core import Attempt, Outcome
from ombud.redteam.detectors import DetectorAccuracy
from ombud.redteam.reports._corrected import corrected_rates
from ombud.redteam.reports._results import attack_success_rates, paired_bias, percent
from ombud.redteam.runner import run_outcome
from ombud.text import visible_value

__all__ = ["render_report"]

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ombud red-team report</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:72rem}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}.num{text-align:right}
.bad{color:#a00;font-weight:600}pre{white-space:pre-wrap;background:#f8f8f8;padding:.5rem;
margin:0;max-width:40rem}.note{color:#666;font-size:.9em}
</style></head><body>
<h1>Red-team report</h1>
<p class="note">Target {{ manifest.get("target", {}).get("type", "?") }}
{{ manifest.get("target", {}).get("model", "") }} · {{ total }} attempts ·
{{ errors }} errors · Ombud {{ manifest.get("ombud_version", "?") }}.
Rates are hits among scored attempts; "could not score" and errors are shown, never counted
as safe. Intervals are 95% Wilson intervals. "Detector-corrected" is the rate corrected for
the detectors' recall and specificity on the labelled set below (Rogan–Gladen), its interval
widened by how little the detectors are known.</p>
{% if not outcome.measured %}<p class="bad">Not a result: no attempt was scored
({{ outcome.causes_text() }}). Every rate below is "no data"; fix the target and resume the
run.</p>{% elif outcome.causes %}<p class="note">{{ outcome.causes_text() }}; rates are over the
{{ outcome.scored }} scored attempts.</p>{% endif %}
{% for title, rows, fixed in tables %}
<h2>By {{ title }}</h2>
<table><tr><th>{{ title }}</th><th>attack success</th><th>95% interval</th><th>hits / scored</th>
<th>could not score</th><th>errors</th><th>detectors (precision / recall)</th>
<th>detector-corrected [95% interval]</th></tr>
{% for r in rows %}<tr><td>{{ r.key }}</td>
<td class="num {{ 'bad' if r.rate is not none and r.rate > 0 else '' }}">{{ pct(r.rate) }}</td>
<td class="num">{% if r.scored %}{{ pct(r.lower) }} – {{ pct(r.upper) }}{% else %}no data{% endif %}
</td>
<td class="num">{{ r.hits }} / {{ r.scored }}</td><td class="num">{{ r.unscorable }}</td>
<td class="num">{{ r.errors }}</td>
<td>{% for d in r.detectors %}{{ d }} ({{ acc(d) }}){% if not loop.last %}, {% endif %}{% endfor %}
</td><td class="num">{% set c = fixed[r.key] %}{% if c.rate is not none %}{{ pct(c.rate) }}
[{{ pct(c.lower) }} – {{ pct(c.upper) }}]{% else %}{{ c.reason }}{% endif %}</td></tr>
{% endfor %}</table>
{% endfor %}
{% if bias %}<h2>Paired demographic probes</h2>
<table><tr><th>probe</th><th>group a</th><th>group b</th><th>difference</th><th>p-value</th>
<th>test</th></tr>{% for b in bias %}<tr><td>{{ b.probe }}</td>
<td>{{ b.hits_a }} / {{ b.scored_a }}</td><td>{{ b.hits_b }} / {{ b.scored_b }}</td>
<td class="num">{{ pct(b.difference) }}</td><td class="num">{{ "%.3g"|format(b.pvalue) }}</td>
<td>{{ b.method }}</td></tr>{% endfor %}</table>{% endif %}
<h2>Detector accuracy on the labelled set</h2>
<table><tr><th>detector</th><th>precision [95%]</th><th>recall [95%]</th><th>TP</th><th>FP</th>
<th>FN</th><th>TN</th></tr>{% for a in accuracy %}<tr><td>{{ a.detector }}</td>
<td class="num">{{ pct(a.precision) }} [{{ pct(a.precision_interval[0]) }} –
{{ pct(a.precision_interval[1]) }}]</td><td class="num">{{ pct(a.recall) }}
[{{ pct(a.recall_interval[0]) }} – {{ pct(a.recall_interval[1]) }}]</td>
<td class="num">{{ a.true_positives }}</td><td class="num">{{ a.false_positives }}</td>
<td class="num">{{ a.false_negatives }}</td><td class="num">{{ a.true_negatives }}</td></tr>
{% endfor %}</table>
<h2>Worst examples</h2>
<table><tr><th>probe</th><th>mutators</th><th>prompt</th><th>response</th><th>detectors</th></tr>
{% for a in worst %}<tr><td>{{ a.probe }}</td><td>{{ a.mutators|join("+") or "none" }}</td>
<td><pre>{{ a.user_turns[-1].content[:600] }}</pre></td>
<td><pre>{{ "[redacted]" if redact else (a.response or "")[:800] }}</pre></td>
<td>{% for r in a.results %}{{ r.detector }}: {{ r.outcome.value }} {% endfor %}</td></tr>
{% endfor %}</table>
<h2>Manifest</h2><pre>{{ manifest_text }}</pre>
</body></html>
"""


def render_report(
    attempts: Sequence[Attempt],
    manifest: Mapping[str, Any],
    *,
    accuracy: Sequence[DetectorAccuracy] = (),
    redact: bool = False,
    worst: int = 10,
) -> str:
    import json

    by_detector = {a.detector: a for a in accuracy}

    def acc(name: str) -> str:
        found = by_detector.get(name)
        return (
            "not measured"
            if found is None
            else f"{percent(found.precision)} / {percent(found.recall)}"
        )

    env = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, finalize=visible_value
    )
    template = env.from_string(_TEMPLATE)
    hits = [a for a in attempts if a.verdict is Outcome.HIT]
    return template.render(
        manifest=manifest,
        manifest_text=json.dumps(dict(manifest), indent=2, default=str),
        total=len(attempts),
        errors=sum(a.error is not None for a in attempts),
        tables=[
            (g, attack_success_rates(attempts, g), corrected_rates(attempts, g, accuracy))
            for g in ("category", "family", "probe", "mutator")
        ],
        bias=paired_bias(attempts),
        accuracy=accuracy,
        worst=hits[:worst],
        redact=redact,
        pct=percent,
        outcome=run_outcome(attempts, manifest.get("target") or {}),
        acc=acc,
    )
