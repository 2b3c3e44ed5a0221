"""Identity resolution: the guard cases, overrides, stable ids, and the 360° view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from omnicx import Workspace
from omnicx.build import run_build


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    root = tmp_path / "ws"
    Workspace.init(root).close()
    cfg = root / "omnicx.toml"
    # Guard cases are deterministic; probabilistic matching is scored on the demo.
    cfg.write_text(cfg.read_text().replace("probabilistic = true", "probabilistic = false"))
    workspace = Workspace(root)
    yield workspace
    workspace.close()


def send(ws: Workspace, tmp_path: Path, messages: list[dict], name: str = "e.jsonl") -> None:
    path = tmp_path / name
    for i, m in enumerate(messages):
        m.setdefault("messageId", f"{name}-{i}")
        m.setdefault("timestamp", f"2025-03-01T10:{i % 60:02d}:00Z")
    path.write_bytes(b"".join(orjson.dumps(m) + b"\n" for m in messages))
    result = ws.ingest("events", path)
    assert result.quarantined == 0, result.reasons


def customer_of(ws: Workspace, node: str) -> str:
    m = ws.to_pandas("identity_map")
    rows = m[m["node"] == node]
    assert len(rows) == 1, f"{node} not in the identity map"
    return str(rows["customer_id"].iloc[0])


def dropped(ws: Workspace) -> dict[str, str]:
    d = ws.to_pandas("identity_dropped")
    return dict(zip(d["node"], d["reason"], strict=True))


def login(user: str, email: str, anon: str, device: str | None = None) -> dict:
    ctx: dict = {"channel": "app", "device": {"id": device}} if device else {}
    return {
        "type": "identify",
        "userId": user,
        "anonymousId": anon,
        "traits": {"email": email},
        "context": ctx,
    }


def test_email_and_phone_variants_link_one_person(ws: Workspace, tmp_path: Path) -> None:
    send(
        ws,
        tmp_path,
        [
            login("u1", "Jane.Doe+shop@GoogleMail.com ", "a1"),
            {
                "type": "track",
                "anonymousId": "a2",
                "event": "Signed In",
                "context": {"traits": {"email": " janedoe@gmail.com", "phone": "07700 900123"}},
            },
            {
                "type": "track",
                "anonymousId": "a3",
                "event": "X",
                "context": {"traits": {"phone": "+44 (0)7700-900-123"}},
            },
        ],
    )
    run_build(ws)
    assert customer_of(ws, "email:janedoe@gmail.com") == customer_of(ws, "anonymous_id:a3")
    assert customer_of(ws, "user_id:u1") == customer_of(ws, "phone:+447700900123")


def test_shared_family_device_does_not_merge_two_accounts(ws: Workspace, tmp_path: Path) -> None:
    send(
        ws,
        tmp_path,
        [
            login("mum", "mum@example.org", "a-mum", device="tablet-1"),
            login("son", "son@example.org", "a-son", device="tablet-1"),
            {
                "type": "track",
                "anonymousId": "a-x",
                "event": "Store Entered",
                "properties": {"store_id": "S1"},
                "context": {"channel": "store", "device": {"id": "tablet-1"}},
            },
        ],
    )
    run_build(ws)
    assert customer_of(ws, "user_id:mum") != customer_of(ws, "user_id:son")
    assert dropped(ws)["device_id:tablet-1"] == "shared: links 2 values of user_id"


def test_shared_info_mailbox_never_links(ws: Workspace, tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,ordered_at,total,email,loyalty_id,first_name,last_name\n"
        "O1,2025-01-01T10:00:00Z,10,info@smithandco.co.uk,L1,Ann,Smith\n"
        "O2,2025-01-02T10:00:00Z,20,INFO@smithandco.co.uk,L2,Bob,Jones\n"
        "O3,2025-01-03T10:00:00Z,30,info@smithandco.co.uk,,Cat,Lee\n"
    )
    ws.ingest("orders", orders)
    run_build(ws)
    assert customer_of(ws, "loyalty_id:L1") != customer_of(ws, "loyalty_id:L2")
    assert dropped(ws)["email:info@smithandco.co.uk"] == "blocked value"


def test_couple_sharing_an_email_keeps_two_accounts(ws: Workspace, tmp_path: Path) -> None:
    send(
        ws,
        tmp_path,
        [
            login("u-alex", "theparkers@example.org", "a1"),
            login("u-sam", "theparkers@example.org", "a2"),
        ],
    )
    run_build(ws)
    assert customer_of(ws, "user_id:u-alex") != customer_of(ws, "user_id:u-sam")
    assert customer_of(ws, "anonymous_id:a1") == customer_of(ws, "user_id:u-alex")


def test_transitive_conflict_is_cut_at_the_lowest_priority(ws: Workspace, tmp_path: Path) -> None:
    # u1 -e1-> anon -> u2: each link looks fine alone, together they join two accounts.
    send(
        ws,
        tmp_path,
        [
            login("u1", "one@example.org", "anon-1"),
            {
                "type": "track",
                "anonymousId": "anon-1",
                "event": "X",
                "context": {"traits": {"phone": "07700 900001"}},
            },
            login("u2", "two@example.org", "anon-2"),
            {
                "type": "track",
                "anonymousId": "anon-2",
                "event": "X",
                "context": {"traits": {"phone": "07700 900001"}},
            },
        ],
    )
    run_build(ws)
    assert customer_of(ws, "user_id:u1") != customer_of(ws, "user_id:u2")
    assert "phone:+447700900001" in dropped(ws)


def test_blocked_values(ws: Workspace, tmp_path: Path) -> None:
    send(
        ws,
        tmp_path,
        [
            {"type": "identify", "userId": "u1", "anonymousId": "anonymous"},
            {"type": "identify", "userId": "u2", "anonymousId": "anonymous"},
            {"type": "identify", "userId": "u3", "traits": {"phone": "0000000000"}},
            {"type": "identify", "userId": "u4", "traits": {"phone": "0000000000"}},
        ],
    )
    run_build(ws)
    ids = {customer_of(ws, f"user_id:u{i}") for i in range(1, 5)}
    assert len(ids) == 4


def test_moved_house_is_one_person_with_the_new_address(ws: Workspace, tmp_path: Path) -> None:
    crm = tmp_path / "crm.csv"
    crm.write_text(
        "crm_id,updated_at,email,first_name,last_name,address,postcode,city\n"
        "C1,2024-01-01T00:00:00Z,kim@example.org,Kim,Lee,1 Old Road,LS1 1AA,Leeds\n"
        "C1,2025-06-01T00:00:00Z,kim@example.org,Kim,Lee,9 New Street,M1 2BB,Manchester\n"
    )
    ws.ingest("crm_customers", crm)
    run_build(ws)
    profiles = ws.to_pandas("profiles")
    assert len(profiles) == 1
    p = profiles.iloc[0]
    assert (p["postcode"], p["city"], p["address"]) == ("M1 2BB", "Manchester", "9 New Street")
    assert p["postcode_source"] == "crm_customers"


def test_overrides_survive_rebuilds(ws: Workspace, tmp_path: Path) -> None:
    from omnicx.identity.overrides import merge, split

    send(
        ws,
        tmp_path,
        [
            login("u1", "a@example.org", "a1"),
            login("u2", "b@example.org", "a2"),
            {
                "type": "track",
                "anonymousId": "a1",
                "event": "X",
                "context": {"traits": {"phone": "07700 900555"}},
            },
        ],
    )
    run_build(ws)
    assert customer_of(ws, "user_id:u1") != customer_of(ws, "email:b@example.org")
    merge(ws, "a@example.org", "b@example.org", note="same person, confirmed by phone")
    run_build(ws)
    assert customer_of(ws, "user_id:u1") == customer_of(ws, "email:b@example.org")
    owner = customer_of(ws, "user_id:u1")
    split(ws, owner, "+447700900555")
    for _ in range(2):  # and again: overrides live in the operational store
        run_build(ws)
        assert customer_of(ws, "user_id:u1") == customer_of(ws, "email:b@example.org")
        assert customer_of(ws, "phone:+447700900555") != customer_of(ws, "user_id:u1")
    changes = ws.to_pandas("identity_changes")
    assert "merge" in set(changes["change"])


def test_customer_ids_are_stable_and_changes_logged(ws: Workspace, tmp_path: Path) -> None:
    guest = {
        "type": "track",
        "anonymousId": "a-guest",
        "event": "X",
        "context": {"traits": {"email": "guest@example.org"}},
    }
    send(ws, tmp_path, [*(login(f"u{i}", f"p{i}@example.org", f"a{i}") for i in range(20)), guest])
    run_build(ws)
    before = ws.to_pandas("identity_map").set_index("node")["customer_id"]
    assert before["email:guest@example.org"] != before["user_id:u5"]
    # a day later: a new person, a known person on a new device, and the guest logs in as u5
    send(
        ws,
        tmp_path,
        [
            login("u99", "new@example.org", "a99"),
            {"type": "alias", "userId": "u3", "previousId": "a-new"},
            login("u5", "guest@example.org", "a5"),
        ],
        "day2.jsonl",
    )
    report = run_build(ws)
    after = ws.to_pandas("identity_map").set_index("node")["customer_id"]
    assert after["anonymous_id:a-new"] == before["user_id:u3"]
    assert after["email:guest@example.org"] == after["user_id:u5"] == before["user_id:u5"]
    unchanged = [
        n for n in before.index if n != "email:guest@example.org" and n != "anonymous_id:a-guest"
    ]
    assert (before[unchanged] == after[unchanged]).all()
    changes = ws.to_pandas("identity_changes")
    merged = changes[changes["change"] == "merge"]
    assert len(merged) == 1
    assert merged.iloc[0]["customer_id"] == before["user_id:u5"]
    assert merged.iloc[0]["other_ids"] == before["email:guest@example.org"]
    assert report.identity.kept_ids == pytest.approx(20 / 21)


def test_profile_view_cli_and_api(ws: Workspace, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from omnicx.api.app import create_app
    from omnicx.cli.main import app

    send(
        ws,
        tmp_path,
        [
            login("u1", "Jane@Example.org", "a1"),
            {
                "type": "track",
                "userId": "u1",
                "event": "Order Completed",
                "properties": {"order_id": "o1", "total": 30.0},
            },
        ],
    )
    run_build(ws)
    r = CliRunner().invoke(app, ["profile", "jane@example.org", "-w", str(ws.path)])
    assert r.exit_code == 0, r.output
    assert "user_id" in r.output and "Order Completed" in r.output and "same record" in r.output
    r = CliRunner().invoke(app, ["profile", "nobody@example.org", "-w", str(ws.path)])
    assert r.exit_code == 2 and "no customer" in r.output
    with TestClient(create_app(ws.path)) as client:
        by_id = client.get("/v1/profiles/u1").json()
        by_email = client.get("/v1/profiles", params={"email": " JANE@example.org"}).json()
        assert by_id["customer_id"] == by_email["customer_id"]
        assert by_id["profile"]["orders"] == 1 and by_id["profile"]["revenue"] == 30.0
        assert {i["id_type"] for i in by_id["identifiers"]} == {"user_id", "email", "anonymous_id"}
        assert client.get("/v1/profiles/nobody").status_code == 404
        assert client.get("/v1/profiles").status_code == 422
