"""Storage of a workspace: SQLAlchemy models, migrations, the artifact store, the audit chain.

Only the services open transactions; this layer gives them engines, sessions and the
helpers that must run inside a transaction (audit appends).
"""

from ombud.store import models_auth as _models_auth  # noqa: F401 (tables on Base)
from ombud.store import models_monitoring as _models_monitoring  # noqa: F401 (tables on Base)
from ombud.store import models_reviews as _models_reviews  # noqa: F401 (tables on Base)
from ombud.store import models_tracking as _models_tracking  # noqa: F401 (tables on Base)
from ombud.store.artifacts import ArtifactStore
from ombud.store.audit import ChainReport, append_event, digest, verify_chain
from ombud.store.database import (
    DatabaseError,
    make_engine,
    make_session_factory,
    normalize_url,
    redact_url,
)
from ombud.store.migrate import SchemaError, ensure_current, head_revision, upgrade
from ombud.store.workspace import (
    SETTINGS_FILE,
    Workspace,
    WorkspaceError,
    create_workspace,
    find_workspace,
    open_workspace,
)

__all__ = [
    "SETTINGS_FILE",
    "ArtifactStore",
    "ChainReport",
    "DatabaseError",
    "SchemaError",
    "Workspace",
    "WorkspaceError",
    "append_event",
    "create_workspace",
    "digest",
    "ensure_current",
    "find_workspace",
    "head_revision",
    "make_engine",
    "make_session_factory",
    "normalize_url",
    "open_workspace",
    "redact_url",
    "upgrade",
    "verify_chain",
]
