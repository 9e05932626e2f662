"""redteam layer of Ombud (see docs/architecture.md)."""
