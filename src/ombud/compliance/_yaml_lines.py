"""YAML loading that remembers where each value was written.

Questionnaire answers, catalogs and tiering policies are edited by hand; an error that
says ``answers.yaml:14: ...`` saves the reader a search. PyYAML's plain ``safe_load``
drops positions, so we compose the node tree ourselves and record the line of every
mapping key and sequence item under its path (a tuple of keys and indexes).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ombud.compliance._errors import ClassificationInputError

__all__ = ["LinedYaml", "load_lined_yaml"]

PathKey = tuple[str | int, ...]


class LinedYaml:
    """A parsed YAML document plus the 1-based line of every path in it."""

    def __init__(self, source: str, data: Any, lines: dict[PathKey, int]) -> None:
        self.source = source
        self.data = data
        self._lines = lines

    def line_of(self, path: PathKey) -> int:
        """Line of ``path``, or of its nearest written ancestor."""
        probe = tuple(path)
        while probe:
            if probe in self._lines:
                return self._lines[probe]
            probe = probe[:-1]
        return self._lines.get((), 1)

    def where(self, path: PathKey) -> str:
        return f"{self.source}:{self.line_of(path)}"

    def locator(self) -> Callable[[PathKey], str]:
        return self.where


def _convert(
    loader: yaml.SafeLoader, node: yaml.Node, path: PathKey, lines: dict[PathKey, int]
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, bool, float)):
                raise ClassificationInputError(
                    f"{loader.name}:{key_node.start_mark.line + 1}: mapping keys must be plain "
                    "scalars; write the key as text"
                )
            key_path = (*path, str(key))
            lines[key_path] = key_node.start_mark.line + 1
            if key in result:
                raise ClassificationInputError(
                    f"{loader.name}:{key_node.start_mark.line + 1}: key '{key}' appears twice; "
                    "keep one of them"
                )
            result[key] = _convert(loader, value_node, key_path, lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item_node in enumerate(node.value):
            lines[(*path, index)] = item_node.start_mark.line + 1
            items.append(_convert(loader, item_node, (*path, index), lines))
        return items
    return loader.construct_object(node, deep=True)


def load_lined_yaml(path: str | Path, text: str | None = None) -> LinedYaml:
    """Parse one YAML document from ``path`` (or from ``text``, named ``path``)."""
    source = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise ClassificationInputError(
                f"{source}: cannot read file ({error.strerror}); check the path"
            ) from None
    loader = yaml.SafeLoader(text)
    loader.name = source
    try:
        node = loader.get_single_node()
        lines: dict[PathKey, int] = {}
        data = None if node is None else _convert(loader, node, (), lines)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise ClassificationInputError(
            f"{source}:{line}: not valid YAML ({error.problem}); fix the syntax"
        ) from None
    except yaml.YAMLError as error:
        raise ClassificationInputError(
            f"{source}:1: not valid YAML ({error}); fix the syntax"
        ) from None
    finally:
        loader.dispose()
    return LinedYaml(source, data, lines)
