"""One error type for every bad input the classifier sees.

Answers come from people (a YAML file, a CLI prompt, an inventory record) and policy
files are edited by hand, so each problem must read as one line that says where it
is, what is wrong and how to fix it. Callers that want every problem at once (a CLI
listing all mistakes in a file) read ``problems``; the message carries the first.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["ClassificationInputError"]


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
