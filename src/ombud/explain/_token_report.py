"""Token attributions and attention scores as highlighted text: one HTML file, no script.

The text a user submitted is shown back, so every token goes through Jinja's autoescape
(a message such as ``<script>`` is displayed, never run); only the background colour is
computed here, from numbers. Word pieces (``##ing``) are joined to the word before them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jinja2

from ombud.explain._attention import ATTENTION_CAVEAT, AttentionMaps
from ombud.explain._errors import ExplainInputError
from ombud.explain._result import CompletenessCheck, Explanation
from ombud.text import visible_value

__all__ = ["token_report_html"]

#: Texts shown in one report; the JSON output has them all.
MAX_TEXTS = 100
_SPECIAL = ("[CLS]", "[SEP]", "[PAD]")

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("ombud.explain", "templates"),
    autoescape=True,
    finalize=visible_value,
    undefined=jinja2.StrictUndefined,
)


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:.{digits}g}" if isinstance(value, float) else str(value)


def _colour(value: float, scale: float, signed: bool) -> str:
    share = 0.0 if scale <= 0 else min(abs(value) / scale, 1.0)
    rgb = "37, 99, 235" if value >= 0 or not signed else "220, 38, 38"
    if not signed:
        rgb = "124, 58, 237"
    return f"rgba({rgb}, {share * 0.85:.3f})"


def _tokens(tokens: Sequence[str], values: Sequence[float], signed: bool) -> list[dict[str, Any]]:
    ordinary = [abs(v) for t, v in zip(tokens, values, strict=True) if t not in _SPECIAL]
    scale = max(ordinary, default=0.0)
    out = []
    for token, value in zip(tokens, values, strict=True):
        joined = token.startswith("##")
        out.append(
            {
                "text": token[2:] if joined else token,
                "joined": joined,
                "special": token in _SPECIAL,
                "value": float(value),
                "colour": _colour(float(value), scale, signed),
            }
        )
    return out


def token_report_html(
    result: Explanation | AttentionMaps,
    *,
    title: str,
    sources: Sequence[tuple[str, str]] = (),
    notes: Sequence[str] = (),
    row_labels: Sequence[str] = (),
) -> str:
    """Each text with its tokens shaded: IG attributions (signed) or attention rollout.

    An IG explanation shows its completeness check first and each text's own verdict;
    attention maps show :data:`ATTENTION_CAVEAT` first.
    """
    rows = []
    if isinstance(result, Explanation):
        if not result.tokens or not isinstance(result.quality, CompletenessCheck):
            raise ExplainInputError("token_report_html needs a text explanation (explain_text_ig)")
        failed = set(result.quality.not_converged)
        for i in range(min(result.n_rows, MAX_TEXTS)):
            tokens = result.tokens[i]
            values = [float(v) for v in result.attributions[i, : len(tokens)]]
            rows.append(
                {
                    "label": row_labels[i] if row_labels else f"text {i}",
                    "output": float(result.outputs[i]),
                    "base": float(result.base_values[i]),
                    "status": "not converged" if i in failed else "converged",
                    "tokens": _tokens(tokens, values, signed=True),
                }
            )
        top = [(str(k), float(v)) for k, v in result.mean_abs().head(20).items()]
        quality, caveat = result.quality, ""
    else:
        for i in range(min(result.n_rows, MAX_TEXTS)):
            values = [float(v) for v in result.token_scores[i]]
            rows.append(
                {
                    "label": row_labels[i] if row_labels else f"text {i}",
                    "output": float(result.outputs[i]),
                    "base": None,
                    "status": "",
                    "tokens": _tokens(result.tokens[i], values, signed=False),
                }
            )
        top, quality, caveat = [], None, result.caveat or ATTENTION_CAVEAT
    return _ENV.get_template("tokens.html.j2").render(
        title=title,
        sources=list(sources),
        notes=list(notes),
        method=result.method,
        output=result.output,
        versions=dict(result.versions),
        n_rows=result.n_rows,
        quality=quality,
        caveat=caveat,
        rows=rows,
        top=top,
        fmt=_fmt,
    )
