"""Durable collection: a write-ahead log with group commit, flushed to the event log.

``Collector.submit`` returns only once the records are fsync'd in the write-ahead log;
concurrent callers share one fsync (group commit), so throughput does not collapse. A
background flusher moves the log to Parquet segments of the event log every
``flush_interval`` seconds; on start, whatever the log still holds is replayed without
duplicates (message ids already in the event log are skipped).
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from omnicx.ingest.eventlog import (
    EVENTS_DIR,
    QUARANTINE_DIR,
    events_schema,
    quarantine_schema,
    segment_name,
)

log = logging.getLogger(__name__)

WAL_DIR = Path("eventlog") / "wal"
_TS_FIELDS = ("timestamp", "sent_at", "received_at", "quarantined_at")


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


def _decode(line: bytes) -> dict[str, Any] | None:
    try:
        record: dict[str, Any] = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None  # a torn last line: written but never fsync'd, so never acknowledged
    for key in _TS_FIELDS:
        if record.get(key):
            record[key] = datetime.fromisoformat(record[key])
    return record


def _write_segment(rows: list[dict[str, Any]], schema: pa.Schema, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    out = directory / segment_name()
    tmp = out.with_name("." + out.name)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    tmp.replace(out)


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
        self._seen: set[str] = set()
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
        free_mb = shutil.disk_usage(self.wal_dir).free // (1 << 20)
        if free_mb < self.min_free_mb:
            raise Backpressure(
                f"only {free_mb} MB free on disk (limit {self.min_free_mb} MB)", retry_after=30
            )

    def submit(self, records: list[dict[str, Any]]) -> None:
        """Append records to the log and return once they are on disk (fsync'd)."""
        if not records:
            return
        self.check_capacity()
        data = b"".join(orjson.dumps(r) + b"\n" for r in records)
        with self._cond:
            self._queue.append(data)
            self._enqueued += 1
            ticket = self._enqueued
            self._pending += len(records)
            self._cond.notify_all()
            while self._synced < ticket:
                if self._error is not None:
                    raise Backpressure(f"the write-ahead log failed: {self._error}", 5)
                self._cond.wait(timeout=1.0)

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
                    self._cond.notify_all()
                return
            with self._cond:
                self._synced = last
                self.stats.fsyncs += 1
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

    def _flush_files(self, files: list[Path]) -> int:
        started = time.perf_counter()
        events: list[dict[str, Any]] = []
        quarantined: list[dict[str, Any]] = []
        for path in files:
            for line in path.read_bytes().splitlines():
                record = _decode(line)
                if record is None:
                    continue
                kind = record.pop("_kind", "event")
                (quarantined if kind == "quarantine" else events).append(record)
        if quarantined:
            _write_segment(
                quarantined, quarantine_schema().to_pyarrow(), self.root / QUARANTINE_DIR
            )
        if events:
            _write_segment(events, events_schema().to_pyarrow(), self.root / EVENTS_DIR)
        if self.on_flush is not None and events:
            self.on_flush(events)
        for path in files:
            path.unlink()
        with self._cond:
            self._pending = max(0, self._pending - len(events) - len(quarantined))
        self.stats.flushed += len(events)
        self.stats.last_flush_seconds = time.perf_counter() - started
        return len(events)

    def replay(self) -> int:
        """Flush what a previous process left in the log, skipping ids already stored."""
        files = sorted(self.wal_dir.glob("wal-*.log"))
        if not files:
            return 0
        stored = set(self._seen)
        kept: list[bytes] = []
        for path in files:
            for line in path.read_bytes().splitlines():
                record = _decode(line)
                if record is None:
                    continue
                if record.get("_kind", "event") == "event":
                    if record["message_id"] in stored:
                        continue  # flushed before the crash, log not yet deleted
                    stored.add(record["message_id"])
                kept.append(line)
        # Named like a log file so that a crash during the replay itself replays it again.
        replay_file = self.wal_dir / f"wal-{0:020d}-replay-{time.time_ns()}.log"
        replay_file.write_bytes(b"\n".join(kept) + (b"\n" if kept else b""))
        for path in files:
            path.unlink()
        n = self._flush_files([replay_file]) if kept else 0
        if not kept:
            replay_file.unlink()
        self._seen = stored
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
