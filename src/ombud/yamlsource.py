"""YAML documents that remember where each value came from.

Manifests, answer files and policy packs are written by people; when one is wrong the
message must point at ``file:line``. PyYAML's composed node tree carries the marks, so
we walk it once and keep a map from each key path to its line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["LocatedYaml", "YamlSourceError", "load_yaml_file", "parse_yaml"]

KeyPath = tuple[str | int, ...]


class YamlSourceError(ValueError):
    """A YAML document that cannot be used, with the place to fix it."""


@dataclass(frozen=True)
class LocatedYaml:
    data: Any
    source: str
    lines: Mapping[KeyPath, int]

    def line_of(self, path: KeyPath) -> int:
        """Line (1-based) of the value at ``path``, or of its nearest ancestor."""
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)

    def where(self, path: KeyPath) -> str:
        return f"{self.source}:{self.line_of(path)}"

    def error(self, path: KeyPath, message: str) -> YamlSourceError:
        return YamlSourceError(f"{self.where(path)}: {message}")


def _walk(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], source: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlSourceError(
                    f"{source}:{key_node.start_mark.line + 1}: mapping keys must be plain text"
                )
            key = str(key_node.value)
            if key in result:
                raise YamlSourceError(
                    f"{source}:{key_node.start_mark.line + 1}: duplicate key '{key}'; "
                    "remove one of them"
                )
            lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _walk(value_node, (*path, key), lines, source)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, (*path, i), lines, source) for i, item in enumerate(node.value)]
    constructor = yaml.SafeLoader("")
    return constructor.construct_object(node, deep=True)


def parse_yaml(text: str, source: str = "<text>") -> LocatedYaml:
    """Parse one YAML document; syntax errors become ``source:line: message``."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or "invalid YAML"
        raise YamlSourceError(f"{source}:{line}: {problem}; fix the YAML syntax there") from None
    except yaml.YAMLError as exc:
        raise YamlSourceError(f"{source}: invalid YAML ({exc})") from None
    if node is None:
        return LocatedYaml(data=None, source=source, lines={(): 1})
    lines: dict[KeyPath, int] = {}
    data = _walk(node, (), lines, source)
    return LocatedYaml(data=data, source=source, lines=lines)


def load_yaml_file(path: str | Path) -> LocatedYaml:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YamlSourceError(f"{file}: file not found; check the path") from None
    except UnicodeDecodeError:
        raise YamlSourceError(f"{file}: not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise YamlSourceError(f"{file}: cannot read ({exc.strerror})") from None
    return parse_yaml(text, str(file))
