"""Mutators: encodings and framings applied to a probe's prompt (base64, rot13, role play ...).

``builtin_mutators`` is what the ``ombud.mutators`` entry point loads.
"""

from ombud.redteam.mutators._builtin import (
    builtin_mutators,
)

__all__ = [
    "builtin_mutators",
]
