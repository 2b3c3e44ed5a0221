"""Every source kind ingests through a mapping, in every file format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from omnicx import Workspace
from omnicx.schema.sources import SOURCE_KINDS, SourceField, SourceKind

ROWS = 3


def sample(f: SourceField, i: int, kind: SourceKind) -> str:
    """A valid text value of field `f` for row `i`."""
    if f.name in kind.key and f.type == "string":
        return f"{f.name}-{i}"
    if f.type == "enum":
        if kind.name == "orders" and f.name == "fulfilment":
            return "delivery"
        return f.values[i % len(f.values)]
    if f.type == "integer":
        if f.name == "score":
            return str(1 + i)
        return str(int(f.minimum or 0) + 1 + i)
    if f.type == "number":
        lo = f.minimum if f.minimum is not None else 0
        return str(min(lo + 0.25 * (i + 1), f.maximum or 1e9))
    if f.type == "timestamp":
        hour = 10 + i if f.name not in ("exited_at", "resolved_at") else 20 + i
        return f"2025-03-0{i + 1}T{hour}:15:00Z"
    if f.type == "date":
        return f"2024-0{i + 1}-15"
    if f.name == "email":
        return f"person{i}@example.com"
    return f"{f.name}-{i}"


def source_rows(kind: SourceKind) -> list[dict[str, str]]:
    return [{f"Src {f.name.upper()}": sample(f, i, kind) for f in kind.fields} for i in range(ROWS)]


def write(rows: list[dict[str, Any]], path: Path) -> None:
    if path.suffix == ".csv":
        import csv

        with path.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    elif path.suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(rows), path)
    else:
        path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))


def mapping_file(kind: SourceKind, path: Path) -> Path:
    lines = [f'kind = "{kind.name}"', "[columns]"]
    lines += [f'{f.name} = "Src {f.name.upper()}"' for f in kind.fields]
    path.write_text("\n".join(lines) + "\n")
    return path


EXPECTED_EVENTS = {
    "orders": {"Order Completed": ROWS},
    "pos": {"POS Transaction Completed": ROWS},
    "returns": {"Item Returned": ROWS},
    "crm_customers": {None: ROWS},
    "surveys": {"Survey Responded": ROWS},
    "support_cases": {"Support Case Opened": ROWS, "Support Case Resolved": ROWS},
    "store_visits": {"Store Entered": ROWS, "Store Exited": ROWS},
    "social_mentions": {"Social Mention": ROWS},
}


@pytest.mark.parametrize("kind_name", sorted(SOURCE_KINDS))
@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_every_kind_maps_and_lands(
    ws: Workspace, tmp_path: Path, kind_name: str, suffix: str
) -> None:
    kind = SOURCE_KINDS[kind_name]
    path = tmp_path / f"{kind_name}{suffix}"
    write(source_rows(kind), path)
    result = ws.ingest(kind_name, path, mapping=str(mapping_file(kind, tmp_path / "m.toml")))

    assert (result.read, result.accepted, result.quarantined) == (ROWS, ROWS, 0), result.reasons
    assert result.new == ROWS
    table = ws.to_pandas(kind.table)
    assert len(table) == ROWS
    for f in kind.required:
        assert table[f].notna().all(), f
    events = ws.to_pandas("events")
    if kind.emits_events:
        names = events["event"].where(events["event"].notna(), None).value_counts(dropna=False)
        expected = EXPECTED_EVENTS.get(kind_name)
        if expected:
            assert {
                k: int(names.get(k, 0)) if k else int(events["event"].isna().sum())
                for k in expected
            } == expected
        assert events["channel"].notna().all()
        assert events["message_id"].is_unique
        for text in events["properties"]:
            json.loads(text)
    else:
        assert events.empty


def test_email_engagement_event_names(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        {
            "occurred_at": "2025-01-01T10:00:00Z",
            "campaign_id": "c1",
            "event_type": t,
            "channel": ch,
            "email": "a@example.com",
            "phone": "+447700900123",
            "device_id": "d1",
        }
        for ch, t in [
            ("email", "send"),
            ("email", "open"),
            ("email", "click"),
            ("email", "bounce"),
            ("email", "unsubscribe"),
            ("sms", "send"),
            ("sms", "click"),
            ("push", "send"),
            ("push", "open"),
        ]
    ]
    path = tmp_path / "msg.csv"
    write(rows, path)
    ws.ingest("email_engagement", path)
    events = ws.to_pandas("events").sort_values("timestamp")
    assert sorted(events["event"]) == sorted(
        [
            "Email Delivered",
            "Email Opened",
            "Email Link Clicked",
            "Email Bounced",
            "Unsubscribed",
            "SMS Delivered",
            "SMS Link Clicked",
            "Push Notification Received",
            "Push Notification Tapped",
        ]
    )
    assert set(events["channel"]) == {"email", "sms", "push"}


def test_pos_receipt_identified_by_loyalty_token_or_nobody(ws: Workspace, tmp_path: Path) -> None:
    base = {
        "store_id": "S1",
        "occurred_at": "2025-01-01T10:00:00Z",
        "sku": "A",
        "quantity": "2",
        "unit_price": "5",
    }
    rows = [
        {**base, "transaction_id": "T1", "loyalty_id": "L1", "payment_token": ""},
        {**base, "transaction_id": "T1", "loyalty_id": "L1", "payment_token": "", "sku": "B"},
        {**base, "transaction_id": "T2", "loyalty_id": "", "payment_token": "tok_1"},
        {**base, "transaction_id": "T3", "loyalty_id": "", "payment_token": ""},
    ]
    path = tmp_path / "pos.csv"
    write(rows, path)
    result = ws.ingest("pos", path)
    assert result.accepted == 4
    ev = ws.to_pandas("events").set_index("order_id")
    assert ev.loc["T1", "loyalty_id"] == "L1" and ev.loc["T1", "revenue"] == 20.0
    assert ev.loc["T2", "payment_token"] == "tok_1" and pd.isna(ev.loc["T2", "loyalty_id"])
    assert ev.loc["T3", ["loyalty_id", "payment_token", "user_id"]].isna().all()
    products = json.loads(ev.loc["T1", "properties"])["products"]
    assert sorted(p["sku"] for p in products) == ["A", "B"]
    lines = ws.to_pandas("pos_lines").sort_values(["transaction_id", "sku"])
    assert lines["line_number"].tolist() == [1, 2, 1, 1]  # numbered in file order


def test_segment_events_jsonl(ws: Workspace, tmp_path: Path) -> None:
    msgs = [
        {
            "type": "identify",
            "userId": "u1",
            "anonymousId": "a1",
            "messageId": "m1",
            "timestamp": "2025-01-01T10:00:00Z",
            "traits": {"email": "Jane@Example.com"},
        },
        {
            "type": "track",
            "anonymousId": "a1",
            "messageId": "m2",
            "event": "Product Viewed",
            "timestamp": "2025-01-01T10:01:00Z",
            "properties": {"sku": "A", "price": 5},
            "context": {"channel": "app", "device": {"id": "dev1"}},
        },
        {"type": "page", "anonymousId": "a1", "messageId": "m3", "name": "Home"},
        {
            "type": "track",
            "anonymousId": "a1",
            "messageId": "m2",
            "event": "Product Viewed",
            "properties": {"sku": "A", "price": 5},
            "context": {"channel": "app"},
        },
        {
            "type": "track",
            "anonymousId": "a1",
            "event": "Order Completed",
            "properties": {"total": 10},
        },
        {"type": "bogus", "anonymousId": "a1"},
    ]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(orjson.dumps(m) + b"\n" for m in msgs) + b"{not json\n")
    result = ws.ingest("events", path)
    assert (result.read, result.accepted, result.quarantined) == (7, 4, 3)
    assert result.new == 3  # m2 was sent twice: stored once
    events = ws.to_pandas("events").set_index("message_id")
    assert events.loc["m1", "email"] == "Jane@Example.com"
    assert events.loc["m2", "device_id"] == "dev1" and events.loc["m2", "channel"] == "app"
    assert events.loc["m3", "channel"] == "web"
    reasons = set(ws.to_pandas("quarantine")["reason"])
    assert "properties.order_id: required by 'Order Completed' but missing" in reasons
    assert any(r.startswith("type: 'bogus'") for r in reasons)
    assert any(r.startswith("malformed JSON") for r in reasons)
    assert ws.ingest("events", path).new == 0


@pytest.mark.spark
def test_every_kind_on_spark_matches_duckdb(tmp_path: Path) -> None:
    """The same files give the same rows and the same event ids on Spark as on DuckDB."""
    from tests.conftest import _use_backend

    roots = {b: tmp_path / b for b in ("duckdb", "spark")}
    for backend, root in roots.items():
        Workspace.init(root).close()
        _use_backend(root, backend)
    files = {}
    for kind in SOURCE_KINDS.values():
        path = tmp_path / f"{kind.name}.csv"
        write(source_rows(kind), path)
        files[kind.name] = (path, str(mapping_file(kind, tmp_path / f"{kind.name}.toml")))
    ids = {}
    for backend, root in roots.items():
        ws = Workspace(root)
        for kind_name, (path, mapping) in files.items():
            result = ws.ingest(kind_name, path, mapping=mapping)
            assert (result.accepted, result.quarantined) == (ROWS, 0), (backend, kind_name)
        events = ws.to_pandas("events")
        ids[backend] = sorted(events["message_id"])
        rows = {k.table: sorted(ws.to_pandas(k.table)["_row_id"]) for k in SOURCE_KINDS.values()}
        ids[backend + "_rows"] = rows  # type: ignore[assignment]
        ws.close()
    assert ids["duckdb"] == ids["spark"]
    assert ids["duckdb_rows"] == ids["spark_rows"]
