"""Probes: the attack prompts, as a shipped catalogue and as attacker-driven conversations.

``builtin_probes`` is what the ``ombud.probes`` entry point loads; ``StaticProbe`` and
``PromptSpec`` are the building blocks the importers reuse for prompt sets.
"""

from ombud.redteam.probes._attacker import (
    ATTACKER_DRIVER,
    CRESCENDO_ATTACKER,
    AttackerProbe,
    attacker_probes,
)
from ombud.redteam.probes._base import (
    CANARY_SLOT,
    PromptSpec,
    StaticProbe,
    canary_for,
    user,
)
from ombud.redteam.probes._catalog import (
    builtin_probes,
)

__all__ = [
    "ATTACKER_DRIVER",
    "CANARY_SLOT",
    "CRESCENDO_ATTACKER",
    "AttackerProbe",
    "PromptSpec",
    "StaticProbe",
    "attacker_probes",
    "builtin_probes",
    "canary_for",
    "user",
]
