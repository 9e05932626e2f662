"""datasets layer of Ombud (see docs/architecture.md)."""
