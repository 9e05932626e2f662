"""Tables of post-deployment monitoring: a monitor's spec and its stored windows.

A monitor is what ``ombud monitor init`` learned from a reference file (the
``MonitorSpec`` JSON and the reference as one window); its windows are the period
summaries ``ombud monitor ingest`` built from prediction logs. Both are governance facts
(what was watched, what was seen), so both are covered by the audit's state digests.

The texts are stored exactly as the engine serialised them (canonical JSON), so the
stored ``digest`` columns can be recomputed from the stored bytes. A window is keyed by
(monitor, period start) and is never rewritten except by an explicit amendment, which
records the digest it replaced (``amended_from``) and the row digest of every batch that
went into it (``batch_digests``), so a batch already counted is recognised and never
added twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Double, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ombud.store.models import Base

__all__ = ["MonitorRecordRow", "MonitorRow", "MonitorWindowRow"]


class MonitorRow(Base):
    __tablename__ = "monitors"
    __table_args__ = (UniqueConstraint("system_id", "name", name="uq_monitor_system_name"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("ai_systems.id"), index=True)
    version_label: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    spec: Mapped[str] = mapped_column(Text)
    spec_digest: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(Text)
    reference_digest: Mapped[str] = mapped_column(String(64))
    reference_name: Mapped[str] = mapped_column(String(300))
    reference_sha256: Mapped[str] = mapped_column(String(64))
    reference_rows: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    created_at: Mapped[dt.datetime]


class MonitorWindowRow(Base):
    __tablename__ = "monitor_windows"
    __table_args__ = (
        UniqueConstraint("monitor_id", "period_start", name="uq_monitor_window_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id"), index=True)
    period_start: Mapped[dt.datetime]
    period_end: Mapped[dt.datetime]
    window: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    rows_digest: Mapped[str] = mapped_column(String(100))
    batch_digests: Mapped[list[Any]] = mapped_column()
    n_rows: Mapped[int] = mapped_column(Integer)
    n_labelled: Mapped[int] = mapped_column(Integer)
    amended_from: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    created_at: Mapped[dt.datetime]
    amended_at: Mapped[dt.datetime | None]


class MonitorRecordRow(Base):
    """One ingested prediction of a monitor that declares an id column: what its labelled
    Tally cell needs (window, sensitive values, prediction, score) and its label once known.

    This is the index late labels are joined on (docs/monitoring.md, "Late labels"). It
    holds no feature values, only what the fairness Tally of a window is built from; the
    label source (the labels file's sha256) and time say which amendment brought it.
    """

    __tablename__ = "monitor_records"
    __table_args__ = (
        UniqueConstraint("monitor_id", "record_id", name="uq_monitor_record_id"),
        Index("ix_monitor_records_window", "monitor_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id"))
    record_id: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[dt.datetime]
    cell: Mapped[list[Any]] = mapped_column(JSON)
    prediction: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Double)
    label: Mapped[int | None] = mapped_column(Integer)
    label_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    label_source: Mapped[str | None] = mapped_column(String(64))
    labelled_at: Mapped[dt.datetime | None]
