"""Page values kept until the record changes, so a busy dashboard is not recomputed for
every viewer.

The key is the audit log's newest sequence number: every write to the record appends an
audit event in the same transaction, so a new number means something may have changed,
and an unchanged number means nothing did, in any worker. Values that depend on the clock
(overdue findings, incident deadlines) are also recomputed at least every ``max_age``.
Staleness is therefore bounded by ``max_age`` for clocks and zero for records.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from ombud.services.audit_log import last_seq
from ombud.services.context import AppContext

__all__ = ["ChangeKeyedCache"]


class ChangeKeyedCache:
    def __init__(self, max_age_seconds: float = 60.0) -> None:
        self._max_age = max_age_seconds
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[int, float, dict[str, Any]]] = {}

    def get(
        self,
        name: str,
        context: AppContext,
        compute: Callable[[AppContext], dict[str, Any]],
    ) -> dict[str, Any]:
        """``compute(context)``, or its kept result if the record has not changed since.

        Returns a shallow copy, so a caller adding keys does not alter the kept value.
        """
        seq = last_seq(context)
        now = time.monotonic()
        with self._lock:
            kept = self._entries.get(name)
        if kept is not None and kept[0] == seq and now - kept[1] < self._max_age:
            return dict(kept[2])
        value = compute(context)
        with self._lock:
            self._entries[name] = (seq, now, value)
        return dict(value)
