"""Open a source file (CSV, Parquet, JSON Lines) as text columns with line numbers.

Checks that need only the file (exists, not empty, decodes in its encoding, has a
header) are done here before the engine reads it, so that each problem gets a message
that says what to fix.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from omnicx.engine import LINE_COLUMN, Engine, RawFile
from omnicx.errors import IngestError

FORMATS = ("csv", "parquet", "jsonl")
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


@dataclass
class SourceFile:
    """A source file opened for ingestion."""

    path: Path
    format: str
    columns: list[str]
    raw: RawFile
    rows_hint: int  # an estimate of the rows, for the progress display


def detect_format(path: Path, given: str | None) -> str:
    if given:
        if given not in FORMATS:
            raise IngestError(f"--format {given!r} is not one of {', '.join(FORMATS)}")
        return given
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    fmt = _SUFFIXES.get(suffixes[-1] if suffixes else "")
    if fmt is None:
        raise IngestError(
            f"{path}: cannot tell the format from the extension {path.suffix!r}; "
            f"pass --format with one of {', '.join(FORMATS)}"
        )
    return fmt


def check_encoding(path: Path, encoding: str) -> None:
    """Decode the whole file; on failure say where and how to fix it."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, offset = 1, 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                bad = offset + e.start
                line += chunk[: e.start].count(b"\n")
                hint = "latin-1" if encoding.startswith("utf") else "utf-8"
                raise IngestError(
                    f"{path}: line {line} (byte {bad}) is not valid {encoding}: "
                    f"{chunk[e.start : e.start + 4]!r}. Re-save the file as UTF-8, or pass "
                    f"--encoding {hint} (or set `encoding` in its mapping)."
                ) from None
            line += chunk.count(b"\n")
            offset += len(chunk)


def _csv_header(path: Path, encoding: str, delimiter: str) -> tuple[list[str], int]:
    with path.open("r", encoding=encoding, newline="") as fh:
        first = fh.readline()
        if not first.strip():
            raise IngestError(f"{path}: the file is empty (no header row, no data).")
        header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    header = [h.strip().lstrip("\ufeff") for h in header]
    if len(header) == 1 and delimiter == "," and (";" in header[0] or "\t" in header[0]):
        sep = ";" if ";" in header[0] else "\\t"
        raise IngestError(
            f"{path}: the header has one column {header[0]!r}; the file looks "
            f"{sep!r}-separated. Pass --delimiter '{sep}' (or set `delimiter` in its mapping)."
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise IngestError(f"{path}: the header repeats column(s) {', '.join(dupes)}")
    size = path.stat().st_size
    rows_hint = max(0, int(size / max(len(first.encode(encoding)), 1)) - 1)
    return header, rows_hint


def _jsonl_table(path: Path, encoding: str) -> tuple[pa.Table, list[dict[str, Any]], list[str]]:
    """Parse JSON Lines in Python: every value as text, malformed lines as rejects."""
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    rejects: list[dict[str, Any]] = []
    columns: dict[str, None] = {}
    with path.open("r", encoding=encoding) as fh:
        for number, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                obj = orjson.loads(text)
            except orjson.JSONDecodeError as e:
                rejects.append(
                    {"line": number, "raw": text.rstrip("\n"), "reason": f"malformed JSON: {e}"}
                )
                continue
            if not isinstance(obj, dict):
                rejects.append(
                    {
                        "line": number,
                        "raw": text.rstrip("\n"),
                        "reason": "malformed JSON line: expected an object",
                    }
                )
                continue
            for key in obj:
                columns.setdefault(key, None)
            records.append(obj)
            lines.append(number)
    if not records and not rejects:
        raise IngestError(f"{path}: the file is empty (no JSON objects).")
    names = list(columns)
    data: dict[str, Any] = {LINE_COLUMN: pa.array(lines, pa.int64())}
    for name in names:
        data[name] = pa.array([_as_text(r.get(name)) for r in records], pa.string())
    return pa.table(data), rejects, names


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return orjson.dumps(value).decode()


def check_file(path: Path) -> None:
    """Raise IngestError unless ``path`` is a file with something in it."""
    if not path.exists():
        raise IngestError(f"{path}: no such file")
    if path.is_dir():
        raise IngestError(f"{path}: is a directory; pass one file")
    if path.stat().st_size == 0:
        raise IngestError(f"{path}: the file is empty (0 bytes).")


def open_source(
    engine: Engine, path: Path, fmt: str | None, encoding: str, delimiter: str
) -> SourceFile:
    """Open ``path`` for ingestion or raise IngestError saying what to fix."""
    check_file(path)
    fmt = detect_format(path, fmt)
    if fmt == "parquet":
        try:
            meta = pq.read_metadata(path)
        except Exception as e:
            raise IngestError(f"{path}: not a readable Parquet file: {e}") from e
        columns = list(meta.schema.names)
        raw = RawFile(_text_columns(engine.read_parquet_file(path), columns))
        return SourceFile(path, fmt, columns, raw, meta.num_rows)
    check_encoding(path, encoding)
    if fmt == "csv":
        columns, hint = _csv_header(path, encoding, delimiter)
        raw = engine.read_csv(path, columns, encoding, delimiter)
        return SourceFile(path, fmt, columns, raw, hint)
    table, rejects, columns = _jsonl_table(path, encoding)
    raw = RawFile(engine.from_arrow(table), rejects)
    return SourceFile(path, fmt, columns, raw, table.num_rows)


def _text_columns(table: Any, columns: list[str]) -> Any:
    """Parquet columns as text, so every format is validated the same way."""
    out = {LINE_COLUMN: table[LINE_COLUMN]}
    for c in columns:
        col = table[c]
        if col.type().is_timestamp():
            out[c] = col.cast("timestamp('UTC')").cast("string")
        else:
            out[c] = col.cast("string")
    return table.select(**out)
