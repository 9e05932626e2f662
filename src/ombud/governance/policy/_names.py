"""Which names a policy may use: the evidence kinds and metric/verdict names that exist.

A rule is a glob over metric or verdict names. A glob that matches nothing any engine
records is a typo (``fairness.race.fpr.ratio_mn``), and under ``if_missing: pass`` it
would wave a launch through unchecked. So a policy is checked, when it is read, against a
registry built from the engines' own declarations (``EvidenceNames`` beside the code that
emits the names), the kinds a person may attach, and the names the pack itself declares
for attached evidence (``custom_names``).

"Can this glob ever match a name of this template?" is answered exactly, not by
sampling: a glob and a template are both small regular languages over the characters of
metric names, and a search over pairs of positions finds a common word if one exists.
"""

from __future__ import annotations

import difflib
import functools
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ombud.records import NAME_PLACEHOLDER, EvidenceNames

__all__ = ["NameRegistry", "default_registry"]

#: Characters of one metric-name segment (``records.METRIC_NAME_PATTERN``), and of a name.
_SEGMENT = frozenset(string.ascii_letters + string.digits + "_-+=<>")
_ALPHABET = _SEGMENT | {"."}

# A token is (characters it accepts, repeats): repeats=True is "zero or more" of them.
_Token = tuple[frozenset[str], bool]


def _glob_tokens(pattern: str) -> list[_Token]:
    """``fnmatch`` semantics: ``*`` any run (dots included), ``?`` one character,
    ``[...]``/``[!...]`` a class with ranges; an unclosed ``[`` is a literal."""
    tokens: list[_Token] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            if not tokens or tokens[-1] != (_ALPHABET, True):
                tokens.append((_ALPHABET, True))
        elif c == "?":
            tokens.append((_ALPHABET, False))
        elif c == "[":
            j = i + (1 if pattern[i : i + 1] == "!" else 0)
            j += 1 if pattern[j : j + 1] == "]" else 0
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:
                tokens.append((frozenset("["), False))
                continue
            body, i = pattern[i:j], j + 1
            negate = body.startswith("!")
            body = body[1:] if negate else body
            chars: set[str] = set()
            k = 0
            while k < len(body):
                if k + 2 < len(body) and body[k + 1] == "-":
                    chars.update(chr(x) for x in range(ord(body[k]), ord(body[k + 2]) + 1))
                    k += 3
                else:
                    chars.add(body[k])
                    k += 1
            tokens.append((frozenset(_ALPHABET - chars if negate else _ALPHABET & chars), False))
        else:
            tokens.append((frozenset(c), False))
    return tokens


def _template_tokens(template: str) -> list[_Token]:
    """Literal characters; a ``{placeholder}`` is one or more segment characters."""
    tokens: list[_Token] = []
    at = 0
    for found in NAME_PLACEHOLDER.finditer(template):
        tokens += [(frozenset(c), False) for c in template[at : found.start()]]
        tokens += [(_SEGMENT, False), (_SEGMENT, True)]
        at = found.end()
    tokens += [(frozenset(c), False) for c in template[at:]]
    return tokens


def _intersects(first: list[_Token], second: list[_Token]) -> bool:
    """True when some word is accepted by both token sequences (a product search)."""
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    end = (len(first), len(second))
    while todo:
        state = todo.pop()
        if state in seen:
            continue
        seen.add(state)
        if state == end:
            return True
        i, j = state
        a = first[i] if i < len(first) else None
        b = second[j] if j < len(second) else None
        if a is not None and a[1]:
            todo.append((i + 1, j))  # the repeat matches nothing more
        if b is not None and b[1]:
            todo.append((i, j + 1))
        if a is not None and b is not None and a[0] & b[0]:
            todo.append((i if a[1] else i + 1, j if b[1] else j + 1))
    return False


@functools.lru_cache(maxsize=4096)
def _can_match(pattern: str, template: str) -> bool:
    return _intersects(_glob_tokens(pattern), _template_tokens(template))


def _rendered(template: str, pattern: str) -> str:
    """``template`` with its placeholders filled from ``pattern``'s segments where the
    two have as many segments (``*`` otherwise): the candidate a person meant."""
    parts, wanted = template.split("."), pattern.split(".")
    if len(parts) == len(wanted):
        parts = [
            w if NAME_PLACEHOLDER.fullmatch(p) else p for p, w in zip(parts, wanted, strict=False)
        ]
    return ".".join(NAME_PLACEHOLDER.sub("*", p) for p in parts)


@dataclass(frozen=True)
class NameRegistry:
    """Evidence kinds and the name templates each can carry, plus a pack's own names.

    A kind without templates (a document made elsewhere and attached) may carry any
    engine's names; ``custom`` names (recorded with ``ombud evidence attach --metric``
    or ``--verdict``) count for every kind and both subjects.
    """

    by_kind: Mapping[str, EvidenceNames]
    custom: tuple[str, ...] = ()

    def with_custom(self, names: Iterable[str]) -> NameRegistry:
        return NameRegistry(self.by_kind, tuple(dict.fromkeys((*self.custom, *names))))

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(self.by_kind))

    def templates(self, subject: str, kind: str | None = None) -> tuple[str, ...]:
        """Templates a rule over ``subject`` (metric | verdict) reading ``kind`` may match."""
        own = self.by_kind.get(kind) if kind else None
        sources = [own] if own is not None and (own.metrics or own.verdicts) else []
        sources = sources or list(self.by_kind.values())
        found = [t for s in sources for t in (s.metrics if subject == "metric" else s.verdicts)]
        return tuple(dict.fromkeys((*found, *self.custom)))

    def can_match(self, pattern: str, subject: str, kind: str | None = None) -> bool:
        return any(_can_match(pattern, t) for t in self.templates(subject, kind))

    def suggest(self, pattern: str, subject: str, kind: str | None = None) -> list[str]:
        """Up to three names close to ``pattern`` (difflib), best first."""
        candidates = dict.fromkeys(_rendered(t, pattern) for t in self.templates(subject, kind))
        return difflib.get_close_matches(pattern, list(candidates), n=3, cutoff=0.6)

    def suggest_kind(self, kind: str) -> list[str]:
        return difflib.get_close_matches(kind, self.kinds, n=3, cutoff=0.6)


@functools.cache
def default_registry() -> NameRegistry:
    """What this installation's engines record, from their own declarations."""
    # Imported on first use, not with the governance package: the engines (a layer below)
    # pull in numpy, pandas and scipy, which only reading a policy pack needs here.
    from ombud.cards import evidence_names as card_names
    from ombud.explain import evidence_names as explain_names
    from ombud.fairness import BIAS_AUDIT_NAMES
    from ombud.fairness import evidence_names as fairness_names
    from ombud.fairness.mitigate import MITIGATION_NAMES
    from ombud.governance.supplier import ATTACHABLE_KINDS, SUPPLIER_EVIDENCE_NAMES
    from ombud.monitor import MONITORING_RUN_NAMES
    from ombud.redteam import EVIDENCE_NAMES as REDTEAM_NAMES

    declared = [
        fairness_names(),
        BIAS_AUDIT_NAMES,
        explain_names(),
        MONITORING_RUN_NAMES,
        MITIGATION_NAMES,
        REDTEAM_NAMES,
        *card_names(),
        SUPPLIER_EVIDENCE_NAMES,
    ]
    by_kind = {names.kind: names for names in declared}
    for kind in ATTACHABLE_KINDS:
        by_kind.setdefault(kind, EvidenceNames(kind))
    return NameRegistry(by_kind)
