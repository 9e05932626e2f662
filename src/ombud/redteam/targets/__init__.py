"""Targets: the systems under test and the transport to reach them.

The built-in targets (OpenAI-compatible chat, generic REST with JSONPath extraction,
subprocess, Python callable, a local llama.cpp model), the HTTP helpers they share
(response classification, ``Retry-After``), the keep-alive HTTP/1.1 client that carries
plain-HTTP traffic at full speed, and the token-bucket rate limiter the runner applies
in front of every target.
"""

from ombud.redteam.targets._builtin import (
    CallableTarget,
    OpenAIChatTarget,
    RestTarget,
    SubprocessTarget,
)
from ombud.redteam.targets._factories import (
    python_target,
)
from ombud.redteam.targets._local import (
    LlamaCppTarget,
    smollm2_gguf_path,
)
from ombud.redteam.targets._ratelimit import (
    RateLimiter,
)

__all__ = [
    "CallableTarget",
    "LlamaCppTarget",
    "OpenAIChatTarget",
    "RateLimiter",
    "RestTarget",
    "SubprocessTarget",
    "python_target",
    "smollm2_gguf_path",
]
