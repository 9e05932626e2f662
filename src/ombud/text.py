"""Characters that must not reach the record, and how output shows those that did.

People type names, purposes and incident descriptions; some of what they paste is not
text a reader can see. A NUL byte cuts strings short in C libraries and makes XML
invalid; a right-to-left override (U+202E) shows ``exe.txt`` where ``txt.exe`` is
stored, the "Trojan source" trick. Inputs refuse these characters (the governance
layer raises the user-facing error); outputs (HTML, XML, Markdown) replace any that
an older record still holds with a visible ``\\uXXXX`` so nothing is hidden.

Forbidden: C0 controls except tab, line feed and carriage return; DEL; C1 controls
(U+0080-U+009F); the bidirectional embeddings and overrides U+202A-U+202E and the
isolates U+2066-U+2069.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "MAX_NAME_CHARS",
    "MAX_TEXT_CHARS",
    "first_forbidden",
    "forbidden_characters",
    "visible",
    "visible_value",
]

#: The longest free-text field (a purpose, a description, a note), in characters.
MAX_TEXT_CHARS = 10_000
#: The longest one-line name (a system's name, a title, a label), in characters.
MAX_NAME_CHARS = 200

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def forbidden_characters() -> str:
    """The forbidden set, as a short phrase for error messages."""
    return (
        "control characters (NUL, ESC, DEL, C1) and bidirectional overrides "
        "(U+202A-U+202E, U+2066-U+2069) are not allowed"
    )


def first_forbidden(text: str) -> tuple[int, str] | None:
    """(0-based position, character) of the first forbidden character, or None."""
    match = _FORBIDDEN.search(text)
    return None if match is None else (match.start(), match.group())


def visible(text: str) -> str:
    """``text`` with every forbidden character shown as ``\\uXXXX`` (for output)."""
    return _FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04X}", text)


def visible_value(value: Any) -> Any:
    """``visible`` for a template value: plain strings only.

    Used as Jinja's ``finalize``, it runs on every ``{{ ... }}`` before autoescaping;
    markup a template marked safe (an SVG chart built and escaped by our code) has an
    ``__html__`` and passes unchanged.
    """
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return visible(value)
    return value
