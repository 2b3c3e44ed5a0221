"""The event log: append-only Parquet segments under the workspace.

Every accepted event, from files and (later) from the HTTP collector, is written as a new
segment file; segments are never modified. The warehouse reads them all as ``events``.
Entity tables (products, order lines, …) and the quarantine use the same layout.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import ibis

from omnicx.schema.events import EVENT_COLUMNS
from omnicx.schema.sources import SOURCE_KINDS, SourceField

EVENTS_DIR = Path("eventlog") / "events"
TABLES_DIR = Path("tables")
QUARANTINE_DIR = Path("quarantine")

QUARANTINE_COLUMNS: dict[str, str] = {
    "source_kind": "string",
    "source_file": "string",
    "line": "int64",
    "raw": "string",
    "reason": "string",
    "import_id": "string",
    "quarantined_at": "timestamp('UTC')",
}

# Bookkeeping columns every entity table row carries.
ROW_COLUMNS: dict[str, str] = {
    "_row_id": "string",
    "_source_file": "string",
    "_line": "int64",
    "_import_id": "string",
    "_ingested_at": "timestamp('UTC')",
}

_FIELD_TYPES = {
    "string": "string",
    "enum": "string",
    "number": "float64",
    "integer": "int64",
    "timestamp": "timestamp('UTC')",
    "date": "date",
}


def field_dtype(f: SourceField) -> str:
    return _FIELD_TYPES[f.type]


def segment_name(prefix: str = "seg") -> str:
    """A new segment file name that sorts by creation time."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{prefix}-{stamp}-{uuid.uuid4().hex[:12]}.parquet"


def events_schema() -> ibis.Schema:
    return ibis.schema(EVENT_COLUMNS)


def quarantine_schema() -> ibis.Schema:
    return ibis.schema(QUARANTINE_COLUMNS)


def entity_tables() -> dict[str, str]:
    """Warehouse table name -> source kind, for every kind."""
    return {k.table: k.name for k in SOURCE_KINDS.values()}


def table_schema(table: str) -> ibis.Schema:
    kind = SOURCE_KINDS[entity_tables()[table]]
    cols = {f.name: field_dtype(f) for f in kind.fields}
    return ibis.schema({**cols, **ROW_COLUMNS})
