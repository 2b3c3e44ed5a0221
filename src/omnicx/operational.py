"""The operational store: ledgers and small mutable state, through SQLAlchemy Core.

SQLite (WAL mode) in the workspace by default, PostgreSQL by URL. The schema is
versioned: ``MIGRATIONS`` is an append-only list, each step applied once, in order, in its
own transaction, and recorded in ``schema_version``. Later capabilities add steps (consent
and loyalty ledgers, inventory, orders, keys, rules); never edit a released step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from omnicx.errors import ConfigError

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("import_id", sa.String(40), primary_key=True),
    sa.Column("source_kind", sa.String(40), nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("rows_read", sa.BigInteger, nullable=False),
    sa.Column("rows_accepted", sa.BigInteger, nullable=False),
    sa.Column("rows_new", sa.BigInteger, nullable=False),
    sa.Column("rows_quarantined", sa.BigInteger, nullable=False),
    sa.Column("events_written", sa.BigInteger, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),
    sa.Index("ix_imports_sha", "file_sha256"),
)


api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("key_id", sa.String(16), primary_key=True),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)

consent_updates = sa.Table(
    "consent_updates",
    metadata,
    sa.Column("message_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(200)),
    sa.Column("anonymous_id", sa.String(200)),
    sa.Column("purposes", sa.Text, nullable=False),  # JSON: purpose -> granted
    sa.Column("source", sa.String(40), nullable=False),  # context.consent or the event
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)


identity_overrides = sa.Table(
    "identity_overrides",
    metadata,
    sa.Column("override_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(10), nullable=False),  # merge | split
    sa.Column("node_a", sa.String(300), nullable=False),
    sa.Column("node_b", sa.String(300)),  # merge: the other identifier
    sa.Column("customer_id", sa.String(40)),  # split: the customer it was taken from
    sa.Column("note", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def _v1(conn: Connection) -> None:
    imports.create(conn)


def _v2(conn: Connection) -> None:
    api_keys.create(conn)
    consent_updates.create(conn)


Migration = tuple[int, str, Callable[[Connection], None]]
MIGRATIONS: list[Migration] = [
    (1, "import log", _v1),
    (2, "write keys, consent updates from collection", _v2),
    (3, "identity overrides", lambda conn: identity_overrides.create(conn)),
]


def default_url(workspace: Path) -> str:
    return f"sqlite:///{workspace / 'operational.sqlite'}"


def connect(url: str) -> Engine:
    """Open the operational store and bring its schema up to date."""
    try:
        engine = sa.create_engine(url, future=True)
    except (sa.exc.ArgumentError, ImportError) as e:
        raise ConfigError(
            f"operational.url = {url!r} is not a usable SQLAlchemy URL: {e}. "
            "Use '' for the workspace SQLite file or postgresql+psycopg://user@host/db."
        ) from e
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    migrate(engine)
    return engine


def current_version(engine: Engine) -> int:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("schema_version"):
            return 0
        return int(conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)


def migrate(engine: Engine) -> list[int]:
    """Apply every migration not yet applied; returns the versions applied now."""
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table("schema_version"):
            schema_version.create(conn)
    done = current_version(engine)
    applied = []
    for version, description, step in MIGRATIONS:
        if version <= done:
            continue
        with engine.begin() as conn:
            step(conn)
            conn.execute(
                schema_version.insert().values(
                    version=version, description=description, applied_at=datetime.now(UTC)
                )
            )
        applied.append(version)
    return applied
