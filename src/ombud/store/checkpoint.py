"""Signed checkpoints: the chain's head, anchored somewhere its database cannot reach.

The keyed hash chain catches any edit inside the log, but someone holding the database
and the chain key can delete the newest events and rewrite the head: what is left is a
perfectly valid, shorter chain. A checkpoint is a small signed statement "event #N of the
chain that starts with event #1 = X had hash H at time T", written to a place the
database cannot rewrite (a folder shipped elsewhere, a git repository, an object store
with retention). ``verify_checkpoints`` proves each one is still a prefix of the chain.

Ed25519 (through ``cryptography``) rather than the chain's HMAC: checking a checkpoint
then needs only the public key, which an auditor may hold without being able to forge
one, and the private key lives outside the workspace folder.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ombud.store.audit import canonical_json

__all__ = [
    "FORMAT",
    "Checkpoint",
    "CheckpointError",
    "generate_key",
    "key_id",
    "load_private_key",
    "load_public_key",
    "read_checkpoint",
    "sign_checkpoint",
    "write_checkpoint",
]

FORMAT = "ombud-audit-checkpoint/1"
_SIGNED_FIELDS = ("format", "chain_id", "seq", "head_hash", "taken_at", "key_id")
_MAX_FILE = 64 * 1024


class CheckpointError(RuntimeError):
    """A key or checkpoint file that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Checkpoint:
    chain_id: str
    seq: int
    head_hash: str
    taken_at: str
    key_id: str
    signature: str
    path: Path | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "chain_id": self.chain_id,
            "seq": self.seq,
            "head_hash": self.head_hash,
            "taken_at": self.taken_at,
            "key_id": self.key_id,
        }

    def verifies_with(self, public_key: Ed25519PublicKey) -> bool:
        try:
            signature = base64.b64decode(self.signature, validate=True)
            public_key.verify(signature, canonical_json(self.payload()).encode())
        except (InvalidSignature, ValueError):
            return False
        return True


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def generate_key(path: Path) -> Path:
    """A new private key at ``path`` (0600, never overwriting) and its public key beside it."""
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_path = path.with_name(path.name + ".pub")
    for target in (path, public_path):
        if target.exists():
            raise CheckpointError(f"{target} already exists; choose another path or remove it")
    if not path.parent.is_dir():
        raise CheckpointError(f"{path.parent} is not a folder; create it first")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(private_pem)
        public_path.write_bytes(public_pem)
    except OSError as exc:
        raise CheckpointError(f"cannot write the key to {path}: {exc.strerror}") from None
    return public_path


def _read_key_file(path: Path, what: str) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(
            f"the {what} {path} does not exist; create one with `ombud audit-log keygen PATH`"
        ) from None
    except OSError as exc:
        raise CheckpointError(f"cannot read the {what} {path}: {exc.strerror}") from None
    if len(data) > _MAX_FILE:
        raise CheckpointError(f"{path} is not a key file (too large)")
    return data


def load_private_key(path: Path) -> Ed25519PrivateKey:
    data = _read_key_file(path, "checkpoint signing key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise CheckpointError(
            f"{path} is not an unencrypted PEM private key; create one with "
            "`ombud audit-log keygen PATH`"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    data = _read_key_file(path, "checkpoint public key")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        try:  # the private key also holds the public one
            return load_private_key(path).public_key()
        except CheckpointError:
            pass
        raise CheckpointError(
            f"{path} is not a PEM public key; use the .pub file that `keygen` wrote"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def sign_checkpoint(
    key: Ed25519PrivateKey, *, chain_id: str, seq: int, head_hash: str, now: datetime
) -> Checkpoint:
    unsigned = Checkpoint(
        chain_id=chain_id,
        seq=seq,
        head_hash=head_hash,
        taken_at=now.astimezone(UTC).isoformat(timespec="seconds"),
        key_id=key_id(key.public_key()),
        signature="",
    )
    signature = key.sign(canonical_json(unsigned.payload()).encode())
    return Checkpoint(**{**unsigned.__dict__, "signature": base64.b64encode(signature).decode()})


def write_checkpoint(checkpoint: Checkpoint, folder: Path) -> Path:
    """Write into ``folder`` under a new name; an existing checkpoint is never replaced."""
    if not folder.is_dir():
        raise CheckpointError(f"the checkpoint folder {folder} does not exist; create it first")
    stamp = checkpoint.taken_at.replace(":", "").replace("-", "").replace("+0000", "Z")
    target = folder / f"ombud-checkpoint-{checkpoint.seq:010d}-{stamp}.json"
    text = json.dumps({**checkpoint.payload(), "signature": checkpoint.signature}, indent=2)
    temporary = folder / f".{target.name}.partial"
    try:
        temporary.write_text(text + "\n", encoding="utf-8")
        os.link(temporary, target)  # fails rather than overwrite
    except FileExistsError:
        raise CheckpointError(f"{target} already exists; wait a second and retry") from None
    except OSError as exc:
        raise CheckpointError(f"cannot write to {folder}: {exc.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)
    return target


def _field(data: Mapping[str, Any], name: str, kind: type, path: Path) -> Any:
    value = data.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise CheckpointError(f"{path}: field '{name}' is missing or not a {kind.__name__}")
    return value


def read_checkpoint(path: Path) -> Checkpoint:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > _MAX_FILE:
        raise CheckpointError(f"{path} is not a checkpoint (over {_MAX_FILE} bytes)")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CheckpointError(f"{path} is not a checkpoint (not JSON)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a checkpoint (format is not '{FORMAT}')")
    return Checkpoint(
        chain_id=_field(data, "chain_id", str, path),
        seq=_field(data, "seq", int, path),
        head_hash=_field(data, "head_hash", str, path),
        taken_at=_field(data, "taken_at", str, path),
        key_id=_field(data, "key_id", str, path),
        signature=_field(data, "signature", str, path),
        path=path,
    )
