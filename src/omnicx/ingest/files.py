"""File ingestion: a source file in, canonical rows and events out, bad rows quarantined.

The guarantees, for every file: rows read = rows accepted + rows quarantined; every
quarantined row keeps its file, line, raw content and a reason naming the field;
re-importing a file adds nothing (ids are derived from content); a file that cannot be
read at all raises IngestError with what to fix, and writes nothing.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from omnicx.engine import LINE_COLUMN
from omnicx.errors import IngestError
from omnicx.ingest.canonical import EVENT_BUILDERS
from omnicx.ingest.eventlog import (
    EVENTS_DIR,
    QUARANTINE_DIR,
    TABLES_DIR,
    events_schema,
    field_dtype,
    segment_name,
)
from omnicx.ingest.mapping import load_mapping, resolve_mapping
from omnicx.ingest.readers import check_encoding, check_file, detect_format, open_source
from omnicx.ingest.validation import (
    REASON,
    ROW_ID,
    clean_text,
    duplicate_lines,
    validate_rows,
)
from omnicx.schema.events import EVENT_COLUMNS
from omnicx.schema.sources import source_kind
from omnicx.schema.validate import MessageError, message_to_row

if TYPE_CHECKING:
    from omnicx.workspace import Workspace

EVENTS_KIND = "events"  # Segment Spec messages, one per JSON line
Progress = Callable[[str], None]


@dataclass
class IngestResult:
    """What one ingestion did. ``read == accepted + quarantined`` always."""

    kind: str
    path: str
    import_id: str
    read: int = 0
    accepted: int = 0
    new: int = 0
    quarantined: int = 0
    events_written: int = 0
    seconds: float = 0.0
    ignored_columns: list[str] = field(default_factory=list)
    reasons: list[tuple[str, int]] = field(default_factory=list)  # top reasons, counts

    @property
    def already_present(self) -> int:
        return self.accepted - self.new


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _write_quarantine(
    ws: Workspace, rows: list[dict[str, Any]], kind: str, path: Path, import_id: str
) -> None:
    if not rows:
        return
    # A re-import must add nothing, to the quarantine either: skip rows already there.
    q = ws.table("quarantine")
    known = ws.engine.to_arrow(
        q.filter(q.source_kind == kind).select(q.line, q.raw, q.reason)
    ).to_pylist()
    seen = {(r["line"], r["raw"], r["reason"]) for r in known}
    rows = [r for r in rows if (r["line"], r["raw"], r["reason"]) not in seen]
    if not rows:
        return
    now = datetime.now(UTC)
    table = pa.table(
        {
            "source_kind": [kind] * len(rows),
            "source_file": [str(path)] * len(rows),
            "line": pa.array([r["line"] for r in rows], pa.int64()),
            "raw": [r["raw"] for r in rows],
            "reason": [r["reason"] for r in rows],
            "import_id": [import_id] * len(rows),
            "quarantined_at": pa.array([now] * len(rows), pa.timestamp("us", tz="UTC")),
        }
    )
    out = ws.path / QUARANTINE_DIR / segment_name("q")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name("." + out.name)
    pq.write_table(table, tmp)
    tmp.replace(out)


def _top_reasons(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    def general(reason: str) -> str:
        # "field 'total': 'abc' is not a number" -> "field 'total': is not a number"
        head, _, tail = reason.partition(": '")
        return head + ": " + tail.split("' ", 1)[1] if "' " in tail else reason

    return Counter(general(r["reason"]) for r in rows).most_common(5)


def ingest_file(
    ws: Workspace,
    kind_name: str,
    path: Path,
    mapping: str | None = None,
    fmt: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Ingest one file as ``kind_name``; see the module docstring for the guarantees."""
    step = progress or (lambda _msg: None)
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    path = Path(path)
    import_id = uuid.uuid4().hex
    if kind_name == EVENTS_KIND:
        result = _ingest_messages(ws, path, import_id, encoding, step)
    else:
        result = _ingest_rows(
            ws, kind_name, path, import_id, mapping, fmt, encoding, delimiter, step
        )
    result.seconds = time.perf_counter() - started
    ws.record_import(result, _sha256(path), started_at)
    return result


def _ingest_rows(
    ws: Workspace,
    kind_name: str,
    path: Path,
    import_id: str,
    mapping_spec: str | None,
    fmt: str | None,
    encoding: str | None,
    delimiter: str | None,
    step: Progress,
) -> IngestResult:
    kind = source_kind(kind_name)
    section = load_mapping(mapping_spec, ws.settings)
    encoding = encoding or section.encoding or ws.settings.ingest.encoding
    delimiter = delimiter or section.delimiter or ws.settings.ingest.delimiter
    engine = ws.engine
    step("reading")
    source = open_source(engine, path, fmt, encoding, delimiter)
    resolved = resolve_mapping(kind, section, source.columns, path)
    result = IngestResult(kind.name, str(path), import_id, ignored_columns=resolved.ignored)

    step("validating")
    raw = source.raw.table
    text = engine.materialize(clean_text(raw, resolved))
    validated = engine.materialize(validate_rows(text, resolved, engine))
    dups = engine.to_arrow(duplicate_lines(validated)).to_pylist()
    rejects = list(source.raw.rejects)
    bad_lines = {d[LINE_COLUMN]: f"duplicate key: repeats line {d['first']}" for d in dups}
    for row in engine.to_arrow(
        validated.filter(validated[REASON].notnull()).select(LINE_COLUMN, REASON)
    ).to_pylist():
        bad_lines[row[LINE_COLUMN]] = row[REASON]
    if bad_lines:
        source_cols = list(resolved.columns.values())
        lines = engine.from_arrow(pa.table({LINE_COLUMN: pa.array(sorted(bad_lines), pa.int64())}))
        raw_rows = engine.to_arrow(
            raw.semi_join(lines, LINE_COLUMN).select(LINE_COLUMN, *source_cols)
        ).to_pylist()
        for row in raw_rows:
            data = {c: row[c] for c in source_cols}
            rejects.append(
                {
                    "line": row[LINE_COLUMN],
                    "reason": bad_lines[row[LINE_COLUMN]],
                    "raw": orjson.dumps(data).decode(),
                }
            )
        validated = engine.materialize(validated.anti_join(lines, LINE_COLUMN))
    rejects.sort(key=lambda r: r["line"])
    result.read = int(engine.execute(raw.count())) + len(source.raw.rejects)
    result.quarantined = len(rejects)
    result.accepted = result.read - result.quarantined
    result.reasons = _top_reasons(rejects)
    _write_quarantine(ws, rejects, kind.name, path, import_id)

    step("deduplicating")
    now = ibis.literal(datetime.now(UTC)).cast("timestamp('UTC')")
    accepted = validated
    existing = ws.table(kind.table)
    new_rows = accepted.anti_join(existing.select(ROW_ID), ROW_ID)
    typed = {f.name: new_rows[f.name].cast(field_dtype(f)) for f in kind.fields}
    new_rows = new_rows.select(
        **typed,
        _row_id=new_rows[ROW_ID],
        _source_file=ibis.literal(str(path)),
        _line=new_rows[LINE_COLUMN].cast("int64"),
        _import_id=ibis.literal(import_id),
        _ingested_at=now,
    )

    step("writing")
    result.new = engine.write_parquet(new_rows, ws.path / TABLES_DIR / kind.table / segment_name())
    builder = EVENT_BUILDERS.get(kind.name)
    if builder is not None and result.accepted:
        # Events come from every accepted row, not only new ones, so that re-importing
        # repairs an import interrupted between writing rows and writing events.
        events = builder(accepted, str(path), now)
        events = events.anti_join(ws.table("events").select("message_id"), "message_id")
        result.events_written = engine.write_parquet(
            events.distinct(on="message_id"), ws.path / EVENTS_DIR / segment_name()
        )
    return result


def _ingest_messages(
    ws: Workspace, path: Path, import_id: str, encoding: str | None, step: Progress
) -> IngestResult:
    """Segment Spec messages, one JSON object per line (a Segment / RudderStack export)."""
    result = IngestResult(EVENTS_KIND, str(path), import_id)
    check_file(path)
    if detect_format(path, None) != "jsonl":
        raise IngestError(f"{path}: kind 'events' reads JSON Lines (.jsonl) files")
    encoding = encoding or ws.settings.ingest.encoding
    check_encoding(path, encoding)
    step("validating")
    received_at = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    seen: set[str] = set()
    with path.open("r", encoding=encoding) as fh:
        for number, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            result.read += 1
            try:
                row = message_to_row(orjson.loads(text), received_at, EVENTS_KIND, str(path))
            except orjson.JSONDecodeError as e:
                rejects.append(
                    {"line": number, "raw": text.rstrip("\n"), "reason": f"malformed JSON: {e}"}
                )
                continue
            except MessageError as e:
                rejects.append({"line": number, "raw": text.rstrip("\n"), "reason": str(e)})
                continue
            if row["message_id"] in seen:
                continue  # a resent message: acknowledged, stored once
            seen.add(row["message_id"])
            rows.append(row)
    if result.read == 0:
        raise IngestError(f"{path}: the file is empty (no JSON objects).")
    result.quarantined = len(rejects)
    result.accepted = result.read - result.quarantined
    result.reasons = _top_reasons(rejects)
    _write_quarantine(ws, rejects, EVENTS_KIND, path, import_id)
    step("writing")
    if rows:
        arrow = pa.Table.from_pylist(rows, schema=events_schema().to_pyarrow())
        table = ws.engine.from_arrow(arrow)
        new = table.anti_join(ws.table("events").select("message_id"), "message_id")
        result.new = result.events_written = ws.engine.write_parquet(
            new.select(*EVENT_COLUMNS), ws.path / EVENTS_DIR / segment_name()
        )
    return result
