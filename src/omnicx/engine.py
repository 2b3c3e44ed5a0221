"""The one place that opens a warehouse backend (DuckDB or Spark) through Ibis.

Domain code receives Ibis tables from an ``Engine`` and never learns which backend runs
them. Everything backend-specific (reading raw files with line numbers and rejected
lines, writing Parquet atomically, session settings) lives here.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from omnicx.config import EngineSection
from omnicx.errors import EngineError

LINE_COLUMN = "_line"


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, so callers ask the engine instead of checking its name."""

    name: str


@dataclass
class RawFile:
    """A source file read as text columns, with the file line of every row."""

    table: ir.Table
    rejects: list[dict[str, Any]] = field(default_factory=list)  # line, raw, reason


_counter = itertools.count()


def _name(prefix: str) -> str:
    return f"_omnicx_{prefix}_{os.getpid()}_{next(_counter)}"


class Engine(ABC):
    """A connected Ibis backend plus the few operations that differ between backends."""

    capabilities: Capabilities
    con: Any

    def parquet_table(self, directory: Path, schema: ibis.Schema) -> ir.Table:
        """Every Parquet file under ``directory`` as one table (empty with ``schema`` if none)."""
        files = sorted(directory.rglob("*.parquet")) if directory.exists() else []
        if not files:
            return self.from_arrow(schema.to_pyarrow().empty_table())
        return self._read_parquet_dir(directory)

    @abstractmethod
    def _read_parquet_dir(self, directory: Path) -> ir.Table:
        """Every Parquet file under ``directory`` (there is at least one) as one table."""

    @abstractmethod
    def read_csv(self, path: Path, columns: list[str], encoding: str, delimiter: str) -> RawFile:
        """Read a CSV file with a header row as all-text columns plus ``_line``."""

    @abstractmethod
    def read_parquet_file(self, path: Path) -> ir.Table:
        """Read one Parquet file with ``_line`` = row number (1-based)."""

    def parse_timestamp(self, text: ir.StringValue, fmt: str) -> ir.TimestampValue:
        """Text as a timestamp (ISO 8601 when ``fmt`` is ''), NULL when it does not parse.

        Text without an offset is read in the workspace time zone.
        """
        if not fmt:
            return text.try_cast("timestamp('UTC')")
        return self._strptime(text, fmt).cast("timestamp('UTC')")

    def parse_date(self, text: ir.StringValue, fmt: str) -> ir.DateValue:
        """Text as a date (ISO 8601 when ``fmt`` is ''), NULL when it does not parse."""
        if not fmt:
            return text.try_cast("date")
        return self._strptime(text, fmt).cast("date")

    @abstractmethod
    def _strptime(self, text: ir.StringValue, fmt: str) -> ir.TimestampValue:
        """``text`` parsed with the strftime format ``fmt``; NULL when it does not parse."""

    def from_arrow(self, table: pa.Table) -> ir.Table:
        """Register an Arrow table with the backend."""
        name = _name("mem")
        self.con.create_table(name, table, temp=True)
        return self.con.table(name)

    @abstractmethod
    def materialize(self, expr: ir.Table) -> ir.Table:
        """Compute ``expr`` once and keep the result for several reads."""

    def write_parquet(self, expr: ir.Table, path: Path) -> int:
        """Write ``expr`` to ``path`` atomically and return the rows written.

        Readers see all of it or none of it; nothing is left behind when no rows result.
        """
        import pyarrow.parquet as pq

        tmp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con.to_parquet(expr, str(tmp))
            files = sorted(tmp.rglob("*.parquet")) if tmp.is_dir() else [tmp]
            rows = sum(pq.read_metadata(f).num_rows for f in files)
            if rows:
                os.replace(tmp, path)
            return rows
        finally:
            if tmp.exists():
                shutil.rmtree(tmp) if tmp.is_dir() else tmp.unlink()

    def to_arrow(self, expr: ir.Expr) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def execute(self, expr: ir.Expr) -> Any:
        return self.con.execute(expr)

    def close(self) -> None:
        self.con.disconnect()


class DuckDBEngine(Engine):
    """The embedded default: DuckDB in the process, over the workspace's Parquet files."""

    capabilities = Capabilities("duckdb")

    def __init__(self, workspace: Path, settings: EngineSection, timezone: str = "UTC") -> None:
        # Every warehouse table is Parquet under the workspace, so DuckDB runs in memory
        # (spilling to the workspace): no file lock, so any number of processes, the
        # server among them, can read the warehouse at once.
        kwargs: dict[str, Any] = {}
        if settings.threads:
            kwargs["threads"] = settings.threads
        if settings.memory_limit:
            kwargs["memory_limit"] = settings.memory_limit
        spill = workspace / ".duckdb-tmp"
        try:
            self.con = ibis.duckdb.connect(":memory:", temp_directory=str(spill), **kwargs)
        except Exception as e:
            raise EngineError(f"cannot start DuckDB for {workspace}: {e}") from e
        # Text without an offset is read in the workspace time zone; stored values are
        # instants, so the session zone never changes what is stored.
        self._sql(f"SET TimeZone = '{timezone}'")

    def _sql(self, sql: str) -> Any:
        return self.con.con.execute(sql)

    def _read_parquet_dir(self, directory: Path) -> ir.Table:
        name = _name("pq")
        glob = str(directory / "**" / "*.parquet").replace("'", "''")
        self._sql(
            f"CREATE OR REPLACE TEMP VIEW {name} AS "
            f"SELECT * FROM read_parquet('{glob}', union_by_name = true)"
        )
        return self.con.table(name)

    def read_csv(self, path: Path, columns: list[str], encoding: str, delimiter: str) -> RawFile:
        name = _name("csv")
        rejects, scans = f"{name}_rej", f"{name}_scan"
        quoted = ", ".join(f"'{c.replace(chr(39), chr(39) * 2)}': 'VARCHAR'" for c in columns)
        source = str(path).replace("'", "''")
        delim = delimiter.replace("'", "''")
        self._sql(
            f"CREATE TEMP TABLE {name} AS SELECT row_number() OVER () AS {LINE_COLUMN}, * "
            f"FROM read_csv('{source}', header = true, delim = '{delim}', "
            f"encoding = '{encoding}', columns = {{{quoted}}}, auto_detect = false, "
            f"store_rejects = true, rejects_table = '{rejects}', rejects_scan = '{scans}', "
            f"strict_mode = true, null_padding = false, parallel = true)"
        )
        found = self._sql(
            f"SELECT line, csv_line, error_type, error_message FROM {rejects} ORDER BY line"
        ).fetchall()
        lines = sorted({int(r[0]) for r in found})
        # Rows were numbered without the rejected lines: shift each row past the rejected
        # lines before it so that _line is the physical line (header = line 1).
        shift = (
            f"{LINE_COLUMN} + 1 + len(list_filter({[ln - 2 - i for i, ln in enumerate(lines)]}, "
            f"lambda x: x < {LINE_COLUMN}))"
            if lines
            else f"{LINE_COLUMN} + 1"
        )
        self._sql(f"UPDATE {name} SET {LINE_COLUMN} = {shift}")
        seen: set[int] = set()
        out = []
        for line, raw, error_type, message in found:
            if int(line) in seen:
                continue
            seen.add(int(line))
            reason = {
                "TOO MANY COLUMNS": "malformed CSV line: more columns than the header",
                "MISSING COLUMNS": "malformed CSV line: fewer columns than the header",
                "UNQUOTED VALUE": "malformed CSV line: a quote is not closed or escaped",
                "INVALID ENCODING": f"malformed CSV line: not valid {encoding}",
            }.get(str(error_type), f"malformed CSV line: {message}")
            out.append({"line": int(line), "raw": raw, "reason": reason})
        self._sql(f"DROP TABLE IF EXISTS {rejects}; DROP TABLE IF EXISTS {scans}")
        return RawFile(self.con.table(name), out)

    def read_parquet_file(self, path: Path) -> ir.Table:
        name = _name("pqf")
        source = str(path).replace("'", "''")
        self._sql(
            f"CREATE TEMP VIEW {name} AS SELECT file_row_number + 1 AS {LINE_COLUMN}, * "
            f"EXCLUDE (file_row_number) FROM read_parquet('{source}', file_row_number = true)"
        )
        return self.con.table(name)

    def materialize(self, expr: ir.Table) -> ir.Table:
        name = _name("mat")
        return self.con.create_table(name, expr, temp=True)

    def _strptime(self, text: ir.StringValue, fmt: str) -> ir.TimestampValue:
        return _duckdb_try_strptime(text, fmt)


class SparkEngine(Engine):
    """Spark through Ibis's PySpark backend: ``local[N]`` or a Spark Connect URL."""

    capabilities = Capabilities("spark")

    def __init__(self, settings: EngineSection, timezone: str = "UTC", session: Any = None) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as e:
            raise EngineError(
                "engine.backend = 'spark' needs pyspark: pip install 'omnicx[spark]'"
            ) from e
        if session is None:
            builder = SparkSession.builder.appName("omnicx")
            if settings.spark_connect_url:
                builder = builder.remote(settings.spark_connect_url)
            else:
                builder = builder.master(settings.spark_master)
            session = (
                builder.config("spark.sql.session.timeZone", timezone)
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.memory", "2g")
                .config("spark.sql.ansi.enabled", "false")
                .getOrCreate()
            )
        self.session = session
        self.con = ibis.pyspark.connect(session)

    def _register(self, df: Any) -> ir.Table:
        name = _name("spark")
        df.createOrReplaceTempView(name)
        return self.con.table(name)

    def _read_parquet_dir(self, directory: Path) -> ir.Table:
        df = (
            self.session.read.option("recursiveFileLookup", "true")
            .option("mergeSchema", "true")
            .option("pathGlobFilter", "*.parquet")
            .parquet(str(directory))
        )
        return self._register(df)

    def read_csv(self, path: Path, columns: list[str], encoding: str, delimiter: str) -> RawFile:
        from pyspark.sql import types as T

        corrupt = "_corrupt_record"
        schema = T.StructType(
            [T.StructField(c, T.StringType()) for c in columns]
            + [T.StructField(corrupt, T.StringType())]
        )
        df = (
            self.session.read.option("header", "true")
            .option("sep", delimiter)
            .option("encoding", encoding)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", corrupt)
            .option("enforceSchema", "true")
            .schema(schema)
            .csv(str(path))
        )
        # zipWithIndex keeps file order across partitions, so the index is the data row.
        indexed = df.rdd.zipWithIndex().map(lambda pair: (pair[1] + 2, *pair[0]))
        out_schema = T.StructType([T.StructField(LINE_COLUMN, T.LongType()), *schema.fields])
        full = self.session.createDataFrame(indexed, out_schema).cache()
        bad = full.where(full[corrupt].isNotNull()).select(LINE_COLUMN, corrupt).collect()
        rejects = [
            {
                "line": int(r[0]),
                "raw": r[1],
                "reason": "malformed CSV line: the number of columns differs from the header",
            }
            for r in bad
        ]
        good = full.where(full[corrupt].isNull()).drop(corrupt)
        return RawFile(self._register(good), rejects)

    def read_parquet_file(self, path: Path) -> ir.Table:
        from pyspark.sql import types as T

        df = self.session.read.parquet(str(path))
        indexed = df.rdd.zipWithIndex().map(lambda pair: (pair[1] + 1, *pair[0]))
        schema = T.StructType([T.StructField(LINE_COLUMN, T.LongType()), *df.schema.fields])
        return self._register(self.session.createDataFrame(indexed, schema))

    def from_arrow(self, table: pa.Table) -> ir.Table:
        from ibis.backends.pyspark.datatypes import PySparkSchema

        schema = PySparkSchema.from_ibis(ibis.Schema.from_pyarrow(table.schema))
        df = self.session.createDataFrame(table.to_pylist(), schema=schema)
        return self._register(df)

    def _strptime(self, text: ir.StringValue, fmt: str) -> ir.TimestampValue:
        return _spark_to_timestamp(text, strftime_to_java(fmt))

    def materialize(self, expr: ir.Table) -> ir.Table:
        self.con._run_pre_execute_hooks(expr)  # registers any ibis.memtable it uses
        df = self.session.sql(self.con.compile(expr))
        # A checkpoint, not a cache: iterative algorithms (connected components) would
        # otherwise grow a query plan that Spark re-analyses at every step.
        return self._register(df.localCheckpoint())

    def close(self) -> None:
        # The session is shared by the process (tests reuse it); stopping it is the
        # owner's decision.
        return None


@ibis.udf.scalar.builtin(name="try_strptime", signature=(("string", "string"), "timestamp"))
def _duckdb_try_strptime(text, fmt):  # type: ignore[no-untyped-def]
    """DuckDB's try_strptime: NULL instead of an error when the text does not parse."""


@ibis.udf.scalar.builtin(name="to_timestamp", signature=(("string", "string"), "timestamp"))
def _spark_to_timestamp(text, fmt):  # type: ignore[no-untyped-def]
    """Spark's to_timestamp(text, pattern): NULL when the text does not parse."""


_JAVA = {
    "%Y": "yyyy",
    "%y": "yy",
    "%m": "MM",
    "%d": "dd",
    "%H": "HH",
    "%I": "hh",
    "%M": "mm",
    "%S": "ss",
    "%f": "SSSSSS",
    "%p": "a",
    "%b": "MMM",
    "%B": "MMMM",
    "%z": "Z",
    "%j": "DDD",
    "%%": "%",
}


def strftime_to_java(fmt: str) -> str:
    """A strftime format as a Java DateTimeFormatter pattern (what Spark expects)."""
    out, i = [], 0
    while i < len(fmt):
        token = fmt[i : i + 2]
        if token in _JAVA:
            out.append(_JAVA[token])
            i += 2
        elif fmt[i].isalpha():
            out.append("'" + fmt[i] + "'")
            i += 1
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


_SPARK_SESSION: Any = None


def open_engine(settings: EngineSection, workspace: Path, timezone: str = "UTC") -> Engine:
    """Open the backend the settings name."""
    global _SPARK_SESSION
    if settings.backend == "spark":
        engine = SparkEngine(settings, timezone, session=_SPARK_SESSION)
        _SPARK_SESSION = engine.session  # one JVM per process, as Spark wants
        return engine
    return DuckDBEngine(workspace, settings, timezone)
