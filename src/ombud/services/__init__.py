"""Use cases of Ombud: the only code that opens a transaction, and writes the audit event in it."""

from ombud.services.context import Actor, AppContext, Tx, open_context

__all__ = ["Actor", "AppContext", "Tx", "open_context"]
