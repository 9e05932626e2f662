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

__all__ = ["KeyPath", "LocatedYaml", "YamlSourceError", "load_yaml_file", "parse_yaml"]

#: Keys and sequence indexes from the document root to a value; ``()`` is the root.
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


_SCALAR_KEY_TYPES = (str, int, float, bool)


def _key(node: yaml.Node, source: str, scalar_keys: bool) -> tuple[Any, str]:
    """The key as stored in the data, and its text in key paths."""
    if not isinstance(node, yaml.ScalarNode):
        raise YamlSourceError(
            f"{source}:{node.start_mark.line + 1}: mapping keys must be plain text; "
            "write the key as text"
        )
    if not scalar_keys:
        return str(node.value), str(node.value)
    key = _construct(node, source)
    if not isinstance(key, _SCALAR_KEY_TYPES):
        raise YamlSourceError(
            f"{source}:{node.start_mark.line + 1}: mapping key '{node.value}' is not text, "
            "a number or a boolean; quote it to make it text"
        )
    return key, str(key)


def _walk(
    node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], source: str, scalar_keys: bool
) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key, text = _key(key_node, source, scalar_keys)
            if key in result:
                raise YamlSourceError(
                    f"{source}:{key_node.start_mark.line + 1}: duplicate key '{text}'; "
                    "remove one of them"
                )
            result[key] = _walk(value_node, (*path, text), lines, source, scalar_keys)
            lines[(*path, text)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _walk(item, (*path, i), lines, source, scalar_keys) for i, item in enumerate(node.value)
        ]
    return _construct(node, source)


_KINDS = {
    "tag:yaml.org,2002:timestamp": "date",
    "tag:yaml.org,2002:int": "integer",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:bool": "boolean",
    "tag:yaml.org,2002:binary": "base64 value",
}


def _construct(node: yaml.Node, source: str) -> Any:
    """The Python value of a scalar; one that reads as an impossible value is located.

    PyYAML resolves ``2026-13-01`` as a date and then fails to build it with a bare
    ``ValueError`` (no position), so the node's mark is added here.
    """
    try:
        return yaml.SafeLoader("").construct_object(node, deep=True)
    except (ValueError, OverflowError, yaml.YAMLError) as exc:
        kind = _KINDS.get(node.tag, "value")
        reason = getattr(exc, "problem", None) or str(exc) or type(exc).__name__
        raise YamlSourceError(
            f"{source}:{node.start_mark.line + 1}: '{node.value}' is not a valid {kind} "
            f"({reason}); correct it, or quote it to keep it as text"
        ) from None


def parse_yaml(text: str, source: str = "<text>", *, scalar_keys: bool = False) -> LocatedYaml:
    """Parse one YAML document; syntax errors become ``source:line: message``.

    Mapping keys are kept as their written text by default. With ``scalar_keys`` they
    are typed as YAML reads them (``1: critical`` gives the int 1, ``yes`` the bool
    True), for documents whose keys are numbers; key paths then hold ``str(key)``, so
    a caller walking the data finds a line with ``str`` of the key it holds.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.reader.ReaderError as exc:  # a character YAML refuses, e.g. a raw control code
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or " ")
        raise YamlSourceError(
            f"{source}:{line}: control character U+{code:04X} is not allowed in YAML; remove it"
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = " ".join((exc.problem or "invalid YAML").split())
        raise YamlSourceError(
            f"{source}:{line}: not valid YAML ({problem}); fix the YAML syntax there"
        ) from None
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise YamlSourceError(
            f"{source}:1: not valid YAML ({problem}); fix the YAML syntax there"
        ) from None
    if node is None:
        return LocatedYaml(data=None, source=source, lines={(): 1})
    lines: dict[KeyPath, int] = {}
    data = _walk(node, (), lines, source, scalar_keys)
    return LocatedYaml(data=data, source=source, lines=lines)


def _read_limited(file: Path, max_bytes: int | None) -> str:
    """The file's text, refusing one over ``max_bytes`` before parsing a byte of it.

    It reads at most ``max_bytes + 1`` bytes, so a pipe or a file growing while read
    cannot get past the limit either.
    """
    if max_bytes is None:
        return file.read_text(encoding="utf-8")
    with file.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise YamlSourceError(
            f"{file}: the file is larger than the limit of {_size(max_bytes)} for this kind "
            "of document; is it the right file? Split it or trim it"
        )
    return data.decode("utf-8")


def _size(n: int) -> str:
    return f"{n // (1 << 20)} MiB" if n % (1 << 20) == 0 else f"{n:,} bytes"


def load_yaml_file(
    path: str | Path, *, scalar_keys: bool = False, max_bytes: int | None = None
) -> LocatedYaml:
    """Read and parse a UTF-8 file; an unreadable file is a ``YamlSourceError`` too.

    ``max_bytes`` refuses a larger file before parsing it: a document people write by
    hand (a manifest, an answers file) has no business being megabytes long, and
    parsing one that is costs minutes and gigabytes.
    """
    file = Path(path)
    try:
        text = _read_limited(file, max_bytes)
    except FileNotFoundError:
        raise YamlSourceError(f"{file}: cannot read file (not found); check the path") from None
    except UnicodeDecodeError:
        raise YamlSourceError(
            f"{file}: cannot read file (not UTF-8 text); save it as UTF-8"
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise YamlSourceError(f"{file}: cannot read file ({reason}); check the path") from None
    return parse_yaml(text, str(file), scalar_keys=scalar_keys)
