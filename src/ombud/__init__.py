"""Ombud: the workbench of a Responsible AI Lead.

The package is layered (see docs/architecture.md): adapters (``cli``, ``web``) call
``services``, which own transactions and the audit log; ``store`` maps the domain to
tables; ``governance`` holds the pure domain rules; the engines (``fairness``,
``redteam``, ``compliance``, ...) work as libraries without any database; ``stats``
is the core of mergeable sufficient statistics.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
