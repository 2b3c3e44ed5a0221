"""Append-only writers for the demo files: CSV, JSON Lines and Parquet, chunk by chunk."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from omnicx.demo.formats import concat

# A JSON field: (key, values, kind); kind "str" quotes and escapes, "raw" writes as is
# (numbers, booleans, nested objects already rendered).
JsonField = tuple[str, pa.Array, str]


def json_string(values: pa.Array) -> pa.Array:
    """Strings as JSON string literals (quoted and escaped)."""
    escaped = pc.replace_substring(pc.cast(values, pa.string()), "\\", "\\\\")
    escaped = pc.replace_substring(escaped, '"', '\\"')
    return concat('"', escaped, '"')


def json_object(fields: list[JsonField], keep_nulls: bool = False) -> pa.Array:
    """One JSON object per row; null values are left out (or written as null)."""
    parts = []
    for key, values, kind in fields:
        literal = json_string(values) if kind == "str" else pc.cast(values, pa.string())
        if keep_nulls:
            literal = pc.fill_null(literal, "null")
        parts.append(concat(f'"{key}":', literal))
    if len(parts) == 1:  # the join kernel mishandles a single array argument
        body = pc.fill_null(parts[0], "")
    else:
        body = pc.binary_join_element_wise(*parts, ",", null_handling="skip")
    return concat("{", body, "}")


def nested(fields: list[JsonField]) -> pa.Array:
    """A nested JSON object per row, null where every field is null."""
    obj = json_object(fields)
    return pc.if_else(pc.equal(obj, "{}"), pa.scalar(None, pa.string()), obj)


def csv_cells(values: pa.Array) -> pa.Array:
    """Values as CSV cells: null as empty, quoted when they hold separators or edge spaces."""
    text = pc.fill_null(pc.cast(values, pa.string()), "")
    needs_quotes = pc.match_substring_regex(text, r'[",\r\n]|^\s|\s$')
    quoted = concat('"', pc.replace_substring(text, '"', '""'), '"')
    return pc.if_else(needs_quotes, quoted, text)


def _joined_lines(lines: pa.Array) -> memoryview:
    """Rows of text joined with newlines (and one at the end), without a Python loop."""
    if len(lines) == 0:
        return memoryview(b"")
    lines = pc.cast(concat(lines, "\n"), pa.large_string())
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[
        lines.offset : lines.offset + len(lines) + 1
    ]
    return memoryview(lines.buffers()[2])[int(offsets[0]) : int(offsets[-1])]


class CsvWriter:
    """A UTF-8 CSV file with a header row, written a table at a time."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.columns = columns
        self.rows = 0
        self._file: IO[bytes] = path.open("wb")
        self._file.write((",".join(columns) + "\n").encode())

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        cells = [csv_cells(table.column(name).combine_chunks()) for name in self.columns]
        line = pc.binary_join_element_wise(*cells, ",")
        self._file.write(_joined_lines(line))
        self.rows += table.num_rows

    def close(self) -> None:
        self._file.close()


class JsonLinesWriter:
    """A JSON Lines file: one object per line, fields in the given order."""

    def __init__(self, path: Path, keep_nulls: bool = True) -> None:
        self.path = path
        self.keep_nulls = keep_nulls
        self.rows = 0
        self._file: IO[bytes] = path.open("wb")

    def write_fields(self, fields: list[JsonField]) -> None:
        if not fields or len(fields[0][1]) == 0:
            return
        self._file.write(_joined_lines(json_object(fields, self.keep_nulls)))
        self.rows += len(fields[0][1])

    def write_lines(self, lines: pa.Array) -> None:
        """Write rows that are already JSON objects."""
        self._file.write(_joined_lines(lines))
        self.rows += len(lines)

    def close(self) -> None:
        self._file.close()


class ParquetWriter:
    """A Parquet file with a fixed schema, one row group per written table."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        self.rows = 0
        self._writer = pq.ParquetWriter(path, schema, compression="zstd")

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self._writer.write_table(table.select(self.schema.names).cast(self.schema))
        self.rows += table.num_rows

    def close(self) -> None:
        self._writer.close()
