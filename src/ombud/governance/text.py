"""The rules every piece of typed text obeys before it enters the record.

Names and free text arrive from manifests, forms, answers files and command-line flags;
checking them here, in the domain layer, means every door refuses the same things with
the same message. The limits keep a pasted log or a 50 MB field from making every later
page and listing slow: long documents belong in evidence attachments, not in fields.
"""

from __future__ import annotations

from ombud.governance.errors import InvalidInput
from ombud.text import MAX_NAME_CHARS, MAX_TEXT_CHARS, first_forbidden, forbidden_characters

__all__ = ["MAX_NAME_CHARS", "MAX_TEXT_CHARS", "check_name", "check_text"]


def check_text(value: str, what: str, *, max_chars: int = MAX_TEXT_CHARS) -> str:
    """``value`` unchanged if it has no forbidden character and fits ``max_chars``."""
    if len(value) > max_chars:
        raise InvalidInput(
            f"{what} is {len(value):,} characters long, over the limit of {max_chars:,}; "
            "shorten it (attach long documents as evidence instead)"
        )
    found = first_forbidden(value)
    if found is not None:
        position, char = found
        raise InvalidInput(
            f"{what} holds the character U+{ord(char):04X} at position {position + 1}; "
            f"remove it ({forbidden_characters()})"
        )
    return value


def check_name(value: str, what: str, *, max_chars: int = MAX_NAME_CHARS) -> str:
    """A one-line name: ``check_text`` with a shorter limit and no line breaks."""
    check_text(value, what, max_chars=max_chars)
    if "\n" in value or "\r" in value:
        raise InvalidInput(f"{what} must be one line; remove the line break")
    return value
