"""One error type for every bad input the classifier sees.

Answers come from people (a YAML file, a CLI prompt, an inventory record) and policy
files are edited by hand, so each problem must read as one line that says where it
is, what is wrong and how to fix it. Callers that want every problem at once (a CLI
listing all mistakes in a file) read ``problems``; the message carries the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ombud.yamlsource import LocatedYaml, YamlSourceError, load_yaml_file, parse_yaml

__all__ = ["ClassificationInputError", "load_yaml"]


class ClassificationInputError(ValueError):
    """Bad questionnaire answers, catalog, or tiering policy."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        listed = (problems,) if isinstance(problems, str) else tuple(problems)
        if not listed:
            raise ValueError("ClassificationInputError needs at least one problem")
        self.problems: tuple[str, ...] = listed
        message = listed[0]
        if len(listed) > 1:
            message += f" (and {len(listed) - 1} more problem(s))"
        super().__init__(message)


def load_yaml(
    path: str | Path, text: str | None = None, *, max_bytes: int | None = None
) -> LocatedYaml:
    """The document at ``path`` (or ``text``, named ``path``), line-aware.

    Compliance promises ``ClassificationInputError`` for every bad input, so the shared
    loader's ``YamlSourceError`` is re-raised as one, with the same ``file:line`` text.
    Keys keep their YAML type (a tiering policy maps ``1: critical``).
    """
    try:
        if text is None:
            return load_yaml_file(path, scalar_keys=True, max_bytes=max_bytes)
        return parse_yaml(text, str(path), scalar_keys=True)
    except YamlSourceError as error:
        raise ClassificationInputError(str(error)) from error
