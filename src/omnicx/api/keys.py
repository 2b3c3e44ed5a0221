"""Write keys for the collection API, kept (hashed) in the operational store."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from omnicx.errors import OmnicxError
from omnicx.operational import api_keys


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(engine: sa.Engine, name: str) -> tuple[str, KeyInfo]:
    """A new write key; the key itself is shown once and only its hash is stored."""
    key = "wk_" + secrets.token_urlsafe(24)
    info = KeyInfo(secrets.token_hex(4), name, datetime.now(UTC), None)
    with engine.begin() as conn:
        conn.execute(
            api_keys.insert().values(
                key_id=info.key_id, key_hash=_hash(key), name=name, created_at=info.created_at
            )
        )
    return key, info


def list_keys(engine: sa.Engine) -> list[KeyInfo]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(api_keys).order_by(api_keys.c.created_at)).mappings()
        return [KeyInfo(r["key_id"], r["name"], r["created_at"], r["revoked_at"]) for r in rows]


def revoke_key(engine: sa.Engine, key_id: str) -> None:
    with engine.begin() as conn:
        done = conn.execute(
            api_keys.update()
            .where(api_keys.c.key_id == key_id)
            .values(revoked_at=datetime.now(UTC))
        )
    if done.rowcount == 0:
        valid = ", ".join(k.key_id for k in list_keys(engine)) or "none"
        raise OmnicxError(f"no write key with id {key_id!r}; key ids: {valid}")


def key_status(engine: sa.Engine, key: str) -> str:
    """'valid', 'revoked' or 'unknown'."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(api_keys.c.revoked_at).where(api_keys.c.key_hash == _hash(key))
        ).first()
    if row is None:
        return "unknown"
    return "revoked" if row[0] is not None else "valid"
