"""A JSONPath subset for the generic REST target's response template.

Only what response extraction needs: ``$``, ``.key``, ``['key']`` and ``[index]``
(negative indices count from the end). A full JSONPath library would add a
dependency for filter expressions nobody uses to pick one string out of a reply.
"""

from __future__ import annotations

import re
from typing import Any

from ombud.redteam.core import RedteamError

__all__ = ["JsonPathError", "compile_path", "extract"]

_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_\-]*)|\[(-?\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


class JsonPathError(RedteamError):
    """A path outside the supported subset, or one that does not match a document."""


def compile_path(path: str) -> tuple[str | int, ...]:
    if not path.startswith("$"):
        raise JsonPathError(f"JSONPath '{path}' must start with '$', e.g. '$.output.text'")
    steps: list[str | int] = []
    position = 1
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise JsonPathError(
                f"JSONPath '{path}': unsupported syntax at character {position}; "
                "use .key, ['key'] or [index]"
            )
        key, index, quoted, dquoted = match.groups()
        if index is not None:
            steps.append(int(index))
        else:
            steps.append(next(v for v in (key, quoted, dquoted) if v is not None))
        position = match.end()
    return tuple(steps)


def extract(document: Any, path: str) -> Any:
    current = document
    for step in compile_path(path):
        try:
            if isinstance(step, int):
                if not isinstance(current, list):
                    raise TypeError
                current = current[step]
            else:
                if not isinstance(current, dict):
                    raise TypeError
                current = current[step]
        except (KeyError, IndexError, TypeError) as exc:
            raise JsonPathError(f"JSONPath '{path}' found nothing at step {step!r}") from exc
    return current
