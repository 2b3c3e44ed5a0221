"""Append-only writers for the demo files: CSV, JSON Lines and Parquet, chunk by chunk."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from omnicx.demo.formats import concat

# A JSON field: (key, values, kind); kind "str" quotes and escapes, "safe" quotes text known
# to need no escaping (ids, codes, URLs), "raw" writes as is (numbers, nested objects).
JsonField = tuple[str, pa.Array, str]


def _escaped(values: pa.Array) -> pa.Array:
    """Text with JSON's special characters escaped (our values rarely have any)."""
    text = pc.cast(values, pa.string())
    if pc.any(pc.match_substring_regex(text, r'["\\]')).as_py():
        text = pc.replace_substring(text, "\\", "\\\\")
        text = pc.replace_substring(text, '"', '\\"')
    return text


def json_string(values: pa.Array) -> pa.Array:
    """Strings as JSON string literals (quoted and escaped)."""
    return concat('"', _escaped(values), '"')


def json_object(fields: list[JsonField], keep_nulls: bool = False) -> pa.Array:
    """One JSON object per row; null values are left out (or written as null).

    Each field is one concatenation (key, quotes and value together) and the object one
    join: the bytes of a large table are copied as few times as possible.
    """
    parts = []
    for key, values, kind in fields:
        if kind == "raw":
            part = concat(f'"{key}":', pc.cast(values, pa.string()))
        else:
            text = _escaped(values) if kind == "str" else pc.cast(values, pa.string())
            part = concat(f'"{key}":"', text, '"')
        if keep_nulls:
            part = pc.fill_null(part, f'"{key}":null')
        parts.append(part)
    closed = parts[-1].null_count == 0
    if closed:
        parts[-1] = concat(parts[-1], "}")
    if parts[0].null_count == 0:
        parts[0] = concat("{", parts[0])
        joined = (
            pc.binary_join_element_wise(*parts, ",", null_handling="skip")
            if len(parts) > 1
            else parts[0]
        )
    else:
        # pyarrow's "skip" join drops rows where every part is null: lead with "{" and drop
        # the comma that follows it.
        lead = pa.array(np.full(len(parts[0]), "{"), pa.string())
        joined = pc.binary_join_element_wise(lead, *parts, ",", null_handling="skip")
        joined = pc.replace_substring(joined, "{,", "{", max_replacements=1)
    return joined if closed else concat(joined, "}")


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


def _joined_lines(lines: pa.Array | pa.ChunkedArray) -> list[memoryview]:
    """Rows of text, each followed by a newline, as buffers to write (no Python loop per row)."""
    chunks = lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]
    out = []
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        text = pc.cast(concat(chunk, "\n"), pa.large_string())
        offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[
            text.offset : text.offset + len(text) + 1
        ]
        out.append(memoryview(text.buffers()[2])[int(offsets[0]) : int(offsets[-1])])
    return out


class CsvWriter:
    """A UTF-8 CSV file with a header row, written a table at a time.

    The header is the table's columns in ``field_order`` (the source kind's fields), fixed
    by the first table written.
    """

    def __init__(self, path: Path, field_order: tuple[str, ...]) -> None:
        self.path = path
        self.field_order = field_order
        self.columns: list[str] | None = None
        self.rows = 0
        self._file: IO[bytes] = path.open("wb")

    def _header(self, names: list[str]) -> list[str]:
        unknown = sorted(set(names) - set(self.field_order))
        if unknown:
            raise ValueError(
                f"{self.path.name}: columns {unknown} are not fields of the source kind"
            )
        self.columns = [name for name in self.field_order if name in names]
        self._file.write((",".join(self.columns) + "\n").encode())
        return self.columns

    def write(self, table: pa.Table) -> None:
        columns = self.columns if self.columns is not None else self._header(table.column_names)
        if table.num_rows == 0:
            return
        cells = [csv_cells(table.column(name).combine_chunks()) for name in columns]
        line = pc.binary_join_element_wise(*cells, ",")
        self._file.writelines(_joined_lines(line))
        self.rows += table.num_rows

    def close(self) -> None:
        if self.columns is None:
            self._header(list(self.field_order))
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
        self._file.writelines(_joined_lines(json_object(fields, self.keep_nulls)))
        self.rows += len(fields[0][1])

    def write_lines(self, lines: pa.Array | pa.ChunkedArray) -> None:
        """Write rows that are already JSON objects."""
        self._file.writelines(_joined_lines(lines))
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
