"""``omnicx.Workspace``: the Python API over one workspace directory.

Everything the CLI does is a method here; the CLI and the REST API are thin shells.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omnicx.config import CONFIG_FILE, Settings, default_config_text, load_settings
from omnicx.errors import OmnicxError, WorkspaceNotFound, did_you_mean

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd
    import sqlalchemy

    from omnicx.engine import Engine
    from omnicx.ingest.files import IngestResult, Progress

LAYOUT = ("eventlog/events", "eventlog/wal", "tables", "quarantine", "derived")
DERIVED = "derived"


class Workspace:
    """One omnicx workspace: settings, event log, warehouse and operational store.

    >>> import tempfile
    >>> ws = Workspace.init(tempfile.mkdtemp())
    >>> ws.table("events").count().execute()
    0
    """

    def __init__(self, path: str | Path, settings: Settings | None = None) -> None:
        self.path = Path(path).resolve()
        if not (self.path / CONFIG_FILE).exists():
            raise WorkspaceNotFound(self.path)
        self.settings = settings or load_settings(self.path)

    @classmethod
    def init(cls, path: str | Path, name: str | None = None) -> Workspace:
        """Create a workspace (idempotent: an existing omnicx.toml is kept)."""
        root = Path(path).resolve()
        root.mkdir(parents=True, exist_ok=True)
        config = root / CONFIG_FILE
        if not config.exists():
            config.write_text(default_config_text(name or root.name), encoding="utf-8")
        for sub in LAYOUT:
            (root / sub).mkdir(parents=True, exist_ok=True)
        ws = cls(root)
        ws.operational  # noqa: B018 - creates and migrates the operational store
        return ws

    @cached_property
    def engine(self) -> Engine:
        from omnicx.engine import open_engine

        return open_engine(self.settings.engine, self.path, self.settings.workspace.timezone)

    @cached_property
    def operational(self) -> sqlalchemy.Engine:
        from omnicx import operational

        url = self.settings.operational.url or operational.default_url(self.path)
        return operational.connect(url)

    # --- ingestion -----------------------------------------------------------------
    def ingest(
        self,
        kind: str,
        path: str | Path,
        mapping: str | None = None,
        format: str | None = None,  # noqa: A002 - mirrors the CLI option
        encoding: str | None = None,
        delimiter: str | None = None,
        progress: Progress | None = None,
    ) -> IngestResult:
        """Ingest one file as a source kind (or ``events`` for Segment JSON Lines)."""
        from omnicx.ingest.files import ingest_file

        return ingest_file(self, kind, Path(path), mapping, format, encoding, delimiter, progress)

    def record_import(self, result: IngestResult, sha256: str, started_at: datetime) -> None:
        from omnicx.operational import imports

        with self.operational.begin() as conn:
            conn.execute(
                imports.insert().values(
                    import_id=result.import_id,
                    source_kind=result.kind,
                    path=result.path,
                    file_sha256=sha256,
                    rows_read=result.read,
                    rows_accepted=result.accepted,
                    rows_new=result.new,
                    rows_quarantined=result.quarantined,
                    events_written=result.events_written,
                    started_at=started_at,
                    seconds=result.seconds,
                )
            )

    # --- reading -------------------------------------------------------------------
    def tables(self) -> list[str]:
        """Names ``table()`` accepts."""
        from omnicx.ingest.eventlog import entity_tables

        names = {"events", "quarantine", *entity_tables()}
        derived = self.path / DERIVED
        if derived.exists():
            names.update(p.name for p in derived.iterdir() if self.has_derived(p.name))
        return sorted(n for n in names if not n.startswith("_omnicx_"))

    def table(self, name: str) -> ir.Table:
        """A warehouse table as an Ibis table: ``events``, ``quarantine``, an entity table
        (``orders``, ``pos_lines``, ``products``, …) or a table built by ``build``."""
        import ibis

        from omnicx.ingest import eventlog

        located: tuple[Path, ibis.Schema] | None = None
        if name == "events":
            located = (eventlog.EVENTS_DIR, eventlog.events_schema())
        elif name == "quarantine":
            located = (eventlog.QUARANTINE_DIR, eventlog.quarantine_schema())
        elif name in eventlog.entity_tables():
            located = (eventlog.TABLES_DIR / name, eventlog.table_schema(name))
        if located is not None:
            directory, schema = located
            t = self.engine.parquet_table(self.path / directory, schema)
            # Segments written before a column existed read it as NULL.
            missing = {c: ibis.null().cast(dt) for c, dt in schema.items() if c not in t.columns}
            return t.mutate(**missing).select(*schema.names) if missing else t
        if self.has_derived(name):
            return self.engine.parquet_table(self.path / DERIVED / name, ibis.schema({}))
        valid = self.tables()
        raise OmnicxError(
            f"no table {name!r}{did_you_mean(name, valid)}; tables: {', '.join(valid)}"
        )

    def has_derived(self, name: str) -> bool:
        """Whether ``build`` has written table ``name``."""
        return (self.path / DERIVED / name / "data.parquet").exists()

    def write_derived(self, name: str, frame: Any) -> None:
        """Replace derived table ``name`` (a pandas DataFrame or Arrow table) atomically."""
        import os
        import shutil
        import uuid

        import pyarrow as pa
        import pyarrow.parquet as pq

        table = (
            frame
            if isinstance(frame, pa.Table)
            else pa.Table.from_pandas(frame, preserve_index=False)
        )
        root = self.path / DERIVED
        root.mkdir(parents=True, exist_ok=True)
        tmp = root / f".{name}-{uuid.uuid4().hex}"
        tmp.mkdir()
        pq.write_table(table, tmp / "data.parquet")
        target = root / name
        old = root / f".{name}-old-{uuid.uuid4().hex}"
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)

    def to_pandas(self, name_or_expr: str | ir.Table, limit: int | None = None) -> pd.DataFrame:
        """A table (by name) or an Ibis expression as a pandas DataFrame."""
        expr = self.table(name_or_expr) if isinstance(name_or_expr, str) else name_or_expr
        if limit is not None:
            expr = expr.limit(limit)
        return self.engine.to_arrow(expr).to_pandas()

    def summary(self) -> dict[str, Any]:
        """Counts per table, events per channel / source / name, and quarantine reasons."""
        from omnicx.analytics.summary import workspace_summary

        return workspace_summary(self)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.close()
            del self.__dict__["engine"]
        if "operational" in self.__dict__:
            self.operational.dispose()
            del self.__dict__["operational"]

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
