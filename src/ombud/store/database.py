"""Opening a workspace database: SQLite embedded by default, PostgreSQL for teams.

SQLite runs in WAL mode with foreign keys on, and every transaction starts with
``BEGIN IMMEDIATE``: the audit chain appends must be serialized, and taking the write
lock up front turns a would-be fork of the chain into a short wait instead.
A database file Ombud creates is readable by its owner only (0600); SQLite gives its
``-wal`` and ``-shm`` files the mode of the database file.
"""

from __future__ import annotations

import contextlib
import os
import re
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "DatabaseError",
    "DatabaseURLError",
    "make_engine",
    "make_session_factory",
    "normalize_url",
    "redact_url",
]


class DatabaseError(RuntimeError):
    """The database cannot be reached or the URL is unusable."""


class DatabaseURLError(DatabaseError):
    """The URL itself is wrong (not a URL, an unsupported database): the user's to fix."""


def normalize_url(url: str) -> str:
    """Accept the URLs people paste (``postgres://``, ``postgresql://``) and pick psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def redact_url(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _create_private(database: str | None) -> None:
    """Create a missing SQLite file as 0600 (SQLite itself would follow the umask: 0644)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_engine(url: str, *, schema: str | None = None) -> Engine:
    """Create an engine and prove the database answers; ``schema`` scopes PostgreSQL."""
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseURLError(
            f"'{redact_url(url)}' is not a database URL; use sqlite:///PATH or "
            "postgresql://USER@HOST:PORT/DB"
        ) from None
    backend = parsed.get_backend_name()
    connect_args: dict[str, Any] = {}
    if backend == "postgresql":
        connect_args["connect_timeout"] = 5
        if schema:
            connect_args["options"] = f"-csearch_path={schema}"
    elif backend != "sqlite":
        raise DatabaseURLError(f"database '{backend}' is not supported; use SQLite or PostgreSQL")
    try:
        engine = create_engine(url, connect_args=connect_args, pool_pre_ping=backend != "sqlite")
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise DatabaseURLError(
            f"'{redact_url(url)}' cannot be used ({exc}); use sqlite:///PATH or "
            "postgresql://USER@HOST:PORT/DB"
        ) from None
    if backend == "sqlite":
        _create_private(parsed.database)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        engine.dispose()
        raise DatabaseError(
            f"cannot connect to {redact_url(url)} ({reason}); check --db or OMBUD_DATABASE_URL"
        ) from None
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose flushes note the tracked rows they change (``audit_state``)."""
    from ombud.store.audit_state import install_state_tracking

    factory = sessionmaker(engine, expire_on_commit=False)
    install_state_tracking(factory)
    return factory
