"""Schema migrations of a workspace: apply them, and refuse a schema newer than the code.

A workspace may be opened by an older Ombud after a colleague upgraded it; writing
through an old model into a new schema could corrupt it, so that case is refused
before anything else happens.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

__all__ = ["SchemaError", "current_revision", "ensure_current", "head_revision", "upgrade"]

_SCRIPTS = Path(__file__).with_name("migrations")


class SchemaError(RuntimeError):
    """The workspace schema does not match this version of Ombud."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "the package ships at least one migration"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _check_known(revision: str | None) -> None:
    if revision is None:
        return
    scripts = ScriptDirectory.from_config(_config())
    known = {script.revision for script in scripts.walk_revisions()}
    if revision not in known:
        raise SchemaError(
            f"the workspace schema (revision {revision}) is newer than this Ombud "
            f"(which knows up to {head_revision()}); upgrade Ombud to open it"
        )


def upgrade(engine: Engine) -> str:
    """Apply every pending migration (idempotent); return the revision now in place."""
    _check_known(current_revision(engine))
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return head_revision()


def ensure_current(engine: Engine) -> None:
    """Refuse a workspace that is not initialized, newer than the code, or behind it."""
    revision = current_revision(engine)
    if revision is None:
        raise SchemaError("the database has no Ombud schema; run `ombud init` or `ombud upgrade`")
    _check_known(revision)
    if revision != head_revision():
        raise SchemaError(
            f"the workspace schema is at revision {revision}, this Ombud needs "
            f"{head_revision()}; run `ombud upgrade`"
        )
