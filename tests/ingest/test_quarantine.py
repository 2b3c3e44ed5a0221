"""Bad input loses nothing: accepted + quarantined = read, on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnicx import Workspace
from omnicx.errors import IngestError, MappingError

HEADER = "transaction_id,store_id,occurred_at,line_number,sku,quantity,unit_price,loyalty_id\n"
GOOD = [
    "T1,S1,2025-03-01T10:00:00Z,1,SKU1,2,9.99,L1\n",
    "T1,S1,2025-03-01T10:00:00Z,2,SKU2,1,5.00,L1\n",
    "T2,S2,2025-03-01T11:00:00+01:00,1,SKU1,1,9.99,\n",
]
BAD = {
    "T3,S1,2025-03-01T10:00:00Z,1,SKU1,two,9.99,\n": "field 'quantity': 'two' is not an integer",
    "T4,S1,yesterday,1,SKU1,1,9.99,\n": "field 'occurred_at': 'yesterday' is not an ISO 8601",
    "T5,,2025-03-01T10:00:00Z,1,SKU1,1,9.99,\n": "missing required field 'store_id'",
    "T6,S1,2025-03-01T10:00:00Z,1,SKU1,1,-3,\n": "field 'unit_price': '-3' is below the minimum",
    "T7,S1,2025-03-01T10:00:00Z,1,SKU1,1,9.99,L7,surplus\n": "malformed CSV line",
    "T1,S1,2025-03-01T10:00:00Z,1,SKU1,2,9.99,L1\n": "duplicate key: repeats line 2",
}


def broken_file(tmp_path: Path) -> Path:
    path = tmp_path / "pos.csv"
    path.write_text(HEADER + "".join(GOOD) + "".join(BAD))
    return path


def test_accounting_and_reasons(backend_ws: Workspace, tmp_path: Path) -> None:
    result = backend_ws.ingest("pos", broken_file(tmp_path))
    assert result.read == len(GOOD) + len(BAD)
    assert result.accepted == len(GOOD)
    assert result.quarantined == len(BAD)
    assert result.accepted + result.quarantined == result.read
    q = backend_ws.to_pandas("quarantine").sort_values("line")
    assert q["line"].tolist() == list(range(2 + len(GOOD), 2 + len(GOOD) + len(BAD)))
    for (raw, reason), (_, row) in zip(BAD.items(), q.iterrows(), strict=True):
        assert row["reason"].startswith(reason), (row["reason"], reason)
        assert raw.split(",")[0] in row["raw"]
        assert row["source_file"].endswith("pos.csv")
    assert len(backend_ws.to_pandas("pos_lines")) == len(GOOD)
    events = backend_ws.to_pandas("events").set_index("order_id")
    assert sorted(events.index) == ["T1", "T2"]
    assert events.loc["T1", "revenue"] == pytest.approx(2 * 9.99 + 5.00)
    assert str(events.loc["T2", "timestamp"])[:19] == "2025-03-01 10:00:00"  # offset honoured


def test_reimport_adds_nothing(backend_ws: Workspace, tmp_path: Path) -> None:
    path = broken_file(tmp_path)
    first = backend_ws.ingest("pos", path)
    counts = {t: len(backend_ws.to_pandas(t)) for t in ("events", "pos_lines", "quarantine")}
    second = backend_ws.ingest("pos", path)
    assert second.new == 0 and second.events_written == 0
    assert (second.read, second.accepted) == (first.read, first.accepted)
    assert {t: len(backend_ws.to_pandas(t)) for t in counts} == counts


def test_overlapping_file_adds_only_new_rows(ws: Workspace, tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_text(HEADER + GOOD[0] + GOOD[1])
    b = tmp_path / "b.csv"
    b.write_text(HEADER + GOOD[1] + GOOD[2])
    ws.ingest("pos", a)
    result = ws.ingest("pos", b)
    assert (result.accepted, result.new) == (2, 1)
    assert len(ws.to_pandas("pos_lines")) == 3


def test_latin1_file_gets_a_clear_message_and_works_with_encoding(
    ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "crm.csv"
    path.write_bytes("crm_id,updated_at,first_name\nC1,2025-01-01,Zoë\n".encode("latin-1"))
    with pytest.raises(IngestError, match=r"line 2 .* not valid utf-8.*--encoding latin-1"):
        ws.ingest("crm_customers", path)
    assert ws.to_pandas("events").empty  # nothing half-written
    ws.ingest("crm_customers", path, encoding="latin-1")
    assert ws.to_pandas("crm_customers")["first_name"].tolist() == ["Zoë"]


def test_missing_required_column_names_it(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("order_id,total\nO1,10\n")
    with pytest.raises(MappingError, match=r"missing required column\(s\) ordered_at"):
        ws.ingest("orders", path)


def test_empty_files(ws: Workspace, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(IngestError, match="empty"):
        ws.ingest("orders", empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text("order_id,ordered_at,total\n")
    result = ws.ingest("orders", header_only)
    assert (result.read, result.accepted, result.quarantined) == (0, 0, 0)


def test_semicolon_file_is_diagnosed(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("order_id;ordered_at;total\nO1;2025-01-01;10\n")
    with pytest.raises(IngestError, match="--delimiter ';'"):
        ws.ingest("orders", path)
    assert ws.ingest("orders", path, delimiter=";").accepted == 1


def test_unknown_kind_lists_valid_kinds(ws: Workspace, tmp_path: Path) -> None:
    from omnicx.errors import UnknownSourceKind

    with pytest.raises(UnknownSourceKind, match="valid kinds: .*pos"):
        ws.ingest("receipts", tmp_path / "x.csv")


def test_mapping_errors_name_the_field(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("Order,When,Amount\nO1,2025-01-01,10\n")
    bad = tmp_path / "m.toml"
    bad.write_text('[columns]\norder_id = "Order"\nordered_on = "When"\ntotal = "Amount"\n')
    with pytest.raises(MappingError, match=r"'ordered_on' \(did you mean 'ordered_at'\?\)"):
        ws.ingest("orders", path, mapping=str(bad))
    bad.write_text('[columns]\norder_id = "Order"\nordered_at = "Wen"\ntotal = "Amount"\n')
    with pytest.raises(MappingError, match=r"no such column \(did you mean 'When'\?\)"):
        ws.ingest("orders", path, mapping=str(bad))


def test_custom_formats_from_workspace_mapping(ws: Workspace, tmp_path: Path) -> None:
    config = ws.path / "omnicx.toml"
    config.write_text(
        config.read_text()
        + '\n[mappings.till]\nkind = "pos"\ntimestamp_format = "%d/%m/%Y %H:%M"\n'
        '[mappings.till.columns]\ntransaction_id = "Receipt"\nsku = "Item"\n'
        'quantity = "Qty"\nunit_price = "Price"\noccurred_at = "Date"\n'
        '[mappings.till.constants]\nstore_id = "S9"\n'
    )
    path = tmp_path / "till.csv"
    path.write_text(
        "Receipt,Item,Qty,Price,Date\nR1,A,1,2.5,31/12/2025 17:30\nR2,B,1,2.5,12/31/2025 17:30\n"
    )
    result = Workspace(ws.path).ingest("pos", path, mapping="till")
    assert (result.accepted, result.quarantined) == (1, 1)
    lines = Workspace(ws.path).to_pandas("pos_lines")
    assert lines["store_id"].tolist() == ["S9"]
    assert str(lines["occurred_at"].iloc[0])[:16] == "2025-12-31 17:30"


def test_real_online_retail_latin1_us_dates(ws: Workspace, data_dir: Path, tmp_path: Path) -> None:
    """UCI Online Retail (France): 8,557 lines, 461 invoices, all valid."""
    mapping = tmp_path / "retail.toml"
    mapping.write_text(
        'kind = "pos"\ntimestamp_format = "%m/%d/%Y %H:%M"\nencoding = "latin-1"\n'
        '[columns]\ntransaction_id = "InvoiceNo"\nsku = "StockCode"\nquantity = "Quantity"\n'
        'occurred_at = "InvoiceDate"\nunit_price = "UnitPrice"\nloyalty_id = "CustomerID"\n'
        '[constants]\nstore_id = "FR-ONLINE"\n'
    )
    result = ws.ingest("pos", data_dir / "online_retail" / "france.csv", mapping=str(mapping))
    assert (result.read, result.accepted, result.quarantined) == (8557, 8557, 0)
    assert result.events_written == 461
    assert sorted(result.ignored_columns) == ["Country", "Description"]
    events = ws.to_pandas("events")
    assert events["order_id"].str.startswith("C").sum() > 0  # cancellations kept
