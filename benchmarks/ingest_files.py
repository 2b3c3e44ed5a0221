"""Benchmark: `omnicx ingest pos` of a 1M-row POS CSV next to DuckDB's own read_csv.

Both are measured in the same run on the same file (machines here are noisy), and the
figure that matters is the ratio. Usage:

    python benchmarks/ingest_files.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv


def make_pos_csv(path: Path, rows: int, seed: int = 1) -> None:
    """A realistic POS export: ~3 lines a receipt, loyalty id on 60 %, token on 30 %."""
    rng = np.random.default_rng(seed)
    receipt = np.sort(rng.integers(0, rows // 3, rows))
    line = np.ones(rows, dtype=np.int64)
    same = np.r_[False, receipt[1:] == receipt[:-1]]
    run = np.cumsum(~same)
    starts = np.flatnonzero(~same)
    line = np.arange(rows) - starts[run - 1] + 1
    store = receipt % 40
    base = np.datetime64("2025-01-01T08:00:00")
    when = base + (receipt * 37 % (365 * 24 * 3600)).astype("timedelta64[s]")
    who = rng.random(rows // 3 + 1)
    loyalty = np.where(who[receipt] < 0.6, np.char.add("L", (receipt % 90_000).astype(str)), "")
    token = np.where(
        (who[receipt] >= 0.6) & (who[receipt] < 0.9),
        np.char.add("tok_", (receipt % 120_000).astype(str)),
        "",
    )
    table = pa.table(
        {
            "transaction_id": np.char.add("T", receipt.astype(str)),
            "store_id": np.char.add("S", store.astype(str)),
            "occurred_at": np.datetime_as_string(when, unit="s"),
            "line_number": line,
            "sku": np.char.add("SKU", rng.integers(0, 5000, rows).astype(str)),
            "quantity": rng.integers(1, 4, rows),
            "unit_price": np.round(rng.gamma(2.0, 8.0, rows), 2),
            "discount": np.where(rng.random(rows) < 0.1, 1.0, 0.0),
            "loyalty_id": loyalty,
            "payment_token": token,
        }
    )
    pacsv.write_csv(table, path)


def time_duckdb(path: Path) -> float:
    con = duckdb.connect()
    started = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def time_omnicx(path: Path, root: Path) -> tuple[float, int]:
    from omnicx import Workspace

    shutil.rmtree(root, ignore_errors=True)
    ws = Workspace.init(root)
    started = time.perf_counter()
    result = ws.ingest("pos", path)
    elapsed = time.perf_counter() - started
    ws.close()
    if result.accepted != result.read:
        raise SystemExit(f"benchmark file had rejected rows: {result.reasons}")
    return elapsed, result.read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pos.csv"
        make_pos_csv(path, args.rows)
        size = path.stat().st_size / 1e6
        print(f"POS CSV: {args.rows:,} rows, {size:.0f} MB")
        duck, ours = [], []
        for i in range(args.repeat):  # interleaved, so drift hits both alike
            duck.append(time_duckdb(path))
            seconds, rows = time_omnicx(path, Path(tmp) / f"ws{i}")
            ours.append(seconds)
        d, o = min(duck), min(ours)
        print(
            f"duckdb read_csv      : {args.rows / d:12,.0f} rows/s  (best of {args.repeat}: "
            f"{d:.2f} s)"
        )
        print(
            f"omnicx ingest pos    : {rows / o:12,.0f} rows/s  (best of {args.repeat}: "
            f"{o:.2f} s; validate, dedupe, write Parquet + events)"
        )
        print(f"ratio omnicx/duckdb  : {d / o:.2f}  (goal >= 0.50)")


if __name__ == "__main__":
    main()
