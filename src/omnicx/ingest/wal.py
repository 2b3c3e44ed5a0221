"""Durable collection: a write-ahead log with group commit, flushed to the event log.

``Collector.submit`` returns only once the records are fsync'd in the write-ahead log;
concurrent callers share one fsync (group commit), so throughput does not collapse. A
background flusher moves the log to Parquet segments of the event log every
``flush_interval`` seconds; on start, whatever the log still holds is replayed without
duplicates (message ids already in the event log are skipped).
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.json as pj
import pyarrow.parquet as pq

from omnicx.ingest.eventlog import (
    EVENTS_DIR,
    QUARANTINE_COLUMNS,
    QUARANTINE_DIR,
    events_schema,
    quarantine_schema,
    segment_name,
)
from omnicx.schema.events import EVENT_COLUMNS

log = logging.getLogger(__name__)

WAL_DIR = Path("eventlog") / "wal"


class Backpressure(Exception):  # noqa: N818 - the name says what the client sees
    """The collector cannot take more now; the client should retry later."""

    def __init__(self, reason: str, retry_after: int = 1) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass
class CollectorStats:
    acknowledged: int = 0
    duplicates: int = 0
    quarantined: int = 0
    flushed: int = 0
    fsyncs: int = 0
    last_flush_seconds: float = 0.0


_LOG_SCHEMA = pa.schema(
    [
        *events_schema().to_pyarrow(),
        *[f for f in quarantine_schema().to_pyarrow() if f.name not in EVENT_COLUMNS],
        pa.field("_kind", pa.string()),
    ]
)


def _read_log(files: list[Path]) -> pa.Table:
    """Every complete record of the log files as one Arrow table."""
    chunks = []
    for path in files:
        data = path.read_bytes()
        # A torn last line was written but never fsync'd, so never acknowledged: drop it.
        data = data[: data.rfind(b"\n") + 1]
        if data:
            chunks.append(data)
    if not chunks:
        return _LOG_SCHEMA.empty_table()
    return pj.read_json(
        io.BytesIO(b"".join(chunks)),
        parse_options=pj.ParseOptions(
            explicit_schema=_LOG_SCHEMA, unexpected_field_behavior="ignore"
        ),
    )


def _first_per_id(events: pa.Table) -> pa.Table:
    ids = events.column("message_id").to_pylist()
    seen: set[str] = set()
    keep = []
    for i in ids:
        keep.append(i not in seen)
        seen.add(i)
    return events.filter(pa.array(keep)) if not all(keep) else events


def _write_segment(table: pa.Table, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    out = directory / segment_name()
    tmp = out.with_name("." + out.name)
    pq.write_table(table, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    tmp.replace(out)


def _resolve(fut: asyncio.Future[None], error: BaseException | None) -> None:
    if fut.done():
        return
    if error is None:
        fut.set_result(None)
    else:
        fut.set_exception(error)


class Collector:
    """The write-ahead log, its group-commit writer and its flusher, for one workspace."""

    def __init__(
        self,
        workspace: Path,
        flush_interval: float = 1.0,
        max_pending: int = 200_000,
        min_free_mb: int = 100,
        on_flush: Any = None,
    ) -> None:
        self.root = workspace
        self.wal_dir = workspace / WAL_DIR
        self.wal_dir.mkdir(parents=True, exist_ok=True)
        self.flush_interval = flush_interval
        self.max_pending = max_pending
        self.min_free_mb = min_free_mb
        self.on_flush = on_flush
        self.stats = CollectorStats()
        self._cond = threading.Condition()
        self._queue: list[bytes] = []
        self._enqueued = 0  # tickets handed out
        self._synced = 0  # tickets durable
        self._pending = 0  # records in the log not yet in Parquet
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._rotate_lock = threading.Lock()
        self._waiters: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._seen: set[str] = set()
        self._disk_checked_at = -1e9
        self._free_mb = 0
        self._seen_lock = threading.Lock()
        self._load_seen()
        self.replay()
        self._file = self._open_new()
        self._writer = threading.Thread(target=self._write_loop, name="wal-writer", daemon=True)
        self._flusher = threading.Thread(target=self._flush_loop, name="wal-flush", daemon=True)
        self._writer.start()
        self._flusher.start()

    # --- dedup ------------------------------------------------------------------------
    def _load_seen(self) -> None:
        events = self.root / EVENTS_DIR
        files = sorted(events.rglob("*.parquet")) if events.exists() else []
        if files:
            ids = pads.dataset([str(f) for f in files]).to_table(columns=["message_id"])
            self._seen.update(ids.column("message_id").to_pylist())

    def claim(self, message_id: str) -> bool:
        """True the first time a message id is seen; False for a resent message."""
        with self._seen_lock:
            if message_id in self._seen:
                return False
            self._seen.add(message_id)
            return True

    def release(self, message_id: str) -> None:
        with self._seen_lock:
            self._seen.discard(message_id)

    # --- writing ----------------------------------------------------------------------
    def _open_new(self) -> Any:
        name = f"wal-{time.time_ns():020d}.log"
        return open(self.wal_dir / name, "ab", buffering=0)  # noqa: SIM115 - owned by self

    def check_capacity(self) -> None:
        """Raise Backpressure when the flusher or the disk cannot keep up."""
        if self._error is not None:
            raise Backpressure(f"the event log writer failed: {self._error}", retry_after=5)
        if self._pending >= self.max_pending:
            raise Backpressure(
                f"{self._pending:,} events wait to be flushed (limit {self.max_pending:,})"
            )
        now = time.monotonic()
        if now - self._disk_checked_at > 1.0:  # a full disk is noticed within a second
            self._free_mb = shutil.disk_usage(self.wal_dir).free // (1 << 20)
            self._disk_checked_at = now
        free_mb = self._free_mb
        if free_mb < self.min_free_mb:
            raise Backpressure(
                f"only {free_mb} MB free on disk (limit {self.min_free_mb} MB)", retry_after=30
            )

    async def submit(self, records: list[dict[str, Any]]) -> None:
        """Append records to the log; returns once they are on disk (fsync'd).

        Awaited on the event loop: the writer thread resolves the future after the group
        commit, so a request is never handed to a thread.
        """
        if not records:
            return
        self.check_capacity()
        data = b"".join(orjson.dumps(r) + b"\n" for r in records)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        with self._cond:
            self._queue.append(data)
            self._enqueued += 1
            self._pending += len(records)
            self._waiters.append((self._enqueued, loop, done))
            self._cond.notify_all()
        await done

    def _wake(self, synced: int, error: BaseException | None = None) -> None:
        """Resolve the awaiting requests whose records are now durable (or failed)."""
        ready = [w for w in self._waiters if w[0] <= synced or error is not None]
        self._waiters = [w for w in self._waiters if w not in ready]
        for _, loop, fut in ready:
            loop.call_soon_threadsafe(_resolve, fut, error)

    def _write_loop(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stop.is_set():
                    self._cond.wait(timeout=0.5)
                if not self._queue and self._stop.is_set():
                    return
                chunks, self._queue = self._queue, []
                last = self._enqueued
            try:
                with self._rotate_lock:
                    self._file.write(b"".join(chunks))
                    os.fsync(self._file.fileno())
            except BaseException as e:  # noqa: BLE001 - reported to every waiting client
                log.exception("write-ahead log write failed")
                with self._cond:
                    self._error = e
                    self._wake(0, Backpressure(f"the write-ahead log failed: {e}", 5))
                    self._cond.notify_all()
                return
            with self._cond:
                self._synced = last
                self.stats.fsyncs += 1
                self._wake(last)
                self._cond.notify_all()

    # --- flushing ---------------------------------------------------------------------
    def _flush_loop(self) -> None:
        while not self._stop.wait(self.flush_interval):
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - keep serving; the log keeps the data
                log.exception("flush to the event log failed; will retry")

    def flush(self) -> int:
        """Move everything durable in the log to the event log; returns events written."""
        with self._rotate_lock:
            if self._file.tell() == 0:
                return 0
            self._file.close()
            closed = Path(self._file.name)
            self._file = self._open_new()
        return self._flush_files([closed])

    def _flush_files(self, files: list[Path], skip: set[str] | None = None) -> int:
        """Write the records of closed log files to Parquet, then delete the files.

        Parsing and conversion happen in Arrow's C++ JSON reader, which releases the GIL,
        so a flush does not stall the request threads.
        """
        started = time.perf_counter()
        table = _read_log(files)
        kind = pc.fill_null(table.column("_kind"), "event")
        events = table.filter(pc.equal(kind, "event")).select(list(EVENT_COLUMNS))
        quarantined = table.filter(pc.equal(kind, "quarantine")).select(list(QUARANTINE_COLUMNS))
        if skip:
            keep = pc.invert(pc.is_in(events.column("message_id"), pa.array(sorted(skip))))
            events = events.filter(keep)
        if skip is not None:
            # A replay: the log may repeat a message id if a client resent it after a crash.
            events = _first_per_id(events)
        if quarantined.num_rows:
            _write_segment(quarantined, self.root / QUARANTINE_DIR)
        if events.num_rows:
            _write_segment(events, self.root / EVENTS_DIR)
            if skip is not None:  # replayed ids are stored now: a resend is a duplicate
                self._seen.update(events.column("message_id").to_pylist())
        if self.on_flush is not None and events.num_rows:
            consent = pc.or_(
                pc.equal(events.column("event"), "Consent Updated"),
                pc.match_substring(pc.fill_null(events.column("context"), ""), '"consent"'),
            )
            flagged = events.filter(pc.fill_null(consent, False))
            if flagged.num_rows:
                self.on_flush(flagged.to_pylist())
        for path in files:
            path.unlink()
        with self._cond:
            self._pending = max(0, self._pending - table.num_rows)
        self.stats.flushed += events.num_rows
        self.stats.last_flush_seconds = time.perf_counter() - started
        return int(events.num_rows)

    def replay(self) -> int:
        """Flush what a previous process left in the log, skipping ids already stored."""
        files = sorted(self.wal_dir.glob("wal-*.log"))
        if not files:
            return 0
        n = self._flush_files(files, skip=self._seen)
        log.info("replayed %d events from the write-ahead log", n)
        return n

    def close(self) -> None:
        """Graceful shutdown: write what is queued, flush it all, stop the threads."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        self._writer.join(timeout=10)
        self._flusher.join(timeout=10)
        self.flush()
        self._file.close()
        if Path(self._file.name).stat().st_size == 0:
            Path(self._file.name).unlink()
