"""Collection API: what Segment clients send is accepted; bad input gets the right 4xx."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from omnicx import Workspace
from omnicx.api.app import create_app
from omnicx.api.keys import create_key, list_keys, revoke_key


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[TestClient, str, Workspace]]:
    ws = Workspace.init(tmp_path / "ws")
    key, _ = create_key(ws.operational, "tests")
    with TestClient(create_app(ws.path)) as client:
        yield client, key, ws
    ws.close()


def stored(ws: Workspace) -> list[dict]:
    return ws.to_pandas("events").to_dict("records")


def post(client: TestClient, path: str, body: object, key: str | None, **kw) -> object:
    auth = (key, "") if key else None
    return client.post(path, content=orjson.dumps(body), auth=auth, **kw)


def test_every_call_type_and_batch(server) -> None:
    client, key, ws = server
    calls = {
        "track": {"userId": "u1", "event": "Product Viewed", "properties": {"sku": "A"}},
        "identify": {"userId": "u1", "traits": {"email": "a@b.co"}},
        "page": {"anonymousId": "a1", "name": "Home"},
        "screen": {"anonymousId": "a1", "name": "Cart"},
        "alias": {"userId": "u1", "previousId": "a1"},
        "group": {"userId": "u1", "groupId": "g1"},
    }
    for kind, body in calls.items():
        r = post(client, f"/v1/{kind}", body, key)
        assert r.status_code == 200, (kind, r.text)
    batch = {"batch": [{"type": "track", "userId": "u2", "event": "Signed In"}]}
    assert post(client, "/v1/batch", batch, key).json()["accepted"] == 1
    assert post(client, "/v1/import", batch, key).status_code == 200
    client.app.state.collector.flush()
    rows = stored(ws)
    # /v1/import resent the batch's message: same content-derived id, stored once
    assert sorted(r["type"] for r in rows) == sorted([*calls, "track"])
    screen = next(r for r in rows if r["type"] == "screen")
    assert screen["channel"] == "app"


def test_write_key_in_body_and_basic_auth(server) -> None:
    client, key, _ = server
    body = {"userId": "u", "event": "X", "writeKey": key}
    assert post(client, "/v1/track", body, None).status_code == 200
    r = post(client, "/v1/track", {"userId": "u", "event": "X"}, None)
    assert r.status_code == 401 and "write key" in r.json()["error"]
    r = post(client, "/v1/track", {"userId": "u", "event": "X"}, "wk_nope")
    assert r.status_code == 401 and r.json()["error"] == "unknown write key"


def test_revoked_key(server, monkeypatch: pytest.MonkeyPatch) -> None:
    import omnicx.api.collect as collect

    monkeypatch.setattr(collect, "_KEY_TTL", 0.0)
    client, key, ws = server
    assert post(client, "/v1/track", {"userId": "u", "event": "X"}, key).status_code == 200
    revoke_key(ws.operational, list_keys(ws.operational)[0].key_id)
    r = post(client, "/v1/track", {"userId": "u", "event": "X"}, key)
    assert r.status_code == 403 and "revoked" in r.json()["error"]


def test_bad_event_in_batch_is_quarantined_others_accepted(server) -> None:
    client, key, ws = server
    batch = {
        "batch": [
            {
                "type": "track",
                "userId": "u",
                "event": "Order Completed",
                "properties": {"order_id": "o1", "total": 12.5},
                "messageId": "ok1",
            },
            {
                "type": "track",
                "userId": "u",
                "event": "Order Completed",
                "properties": {"order_id": "o2", "total": "twelve"},
                "messageId": "bad1",
            },
            {"type": "track", "event": "X", "messageId": "bad2"},
            {"type": "track", "userId": "u", "event": "X", "messageId": "ok2"},
        ]
    }
    r = post(client, "/v1/batch", batch, key)
    assert r.status_code == 200
    body = r.json()
    assert body["accepted"] == 2
    assert [(x["index"], x["messageId"]) for x in body["rejected"]] == [(1, "bad1"), (2, "bad2")]
    assert "properties.total: expected number" in body["rejected"][0]["reason"]
    client.app.state.collector.flush()
    assert sorted(r["message_id"] for r in stored(ws)) == ["ok1", "ok2"]
    q = ws.to_pandas("quarantine")
    assert len(q) == 2 and set(q["source_kind"]) == {"http"}
    assert "twelve" in " ".join(q["raw"])


@pytest.mark.parametrize(
    ("path", "content", "status", "message"),
    [
        ("/v1/track", b"{not json", 400, "not valid JSON"),
        ("/v1/track", b"[1, 2]", 400, "must be a JSON object"),
        ("/v1/batch", b'{"batch": {"type": "track"}}', 400, "batch: expected a list"),
        ("/v1/track", b'{"userId": "u"}', 400, "event: a track message needs"),
        (
            "/v1/track",
            b'{"userId": "u", "event": "X", "properties": [1]}',
            400,
            "properties: expected an object",
        ),
        ("/v1/alias", b'{"userId": "u"}', 400, "previousId / userId"),
        (
            "/v1/track",
            b'{"userId": "u", "event": "X", "timestamp": "monday"}',
            400,
            "timestamp: 'monday' is not an ISO 8601",
        ),
    ],
)
def test_bad_requests(server, path: str, content: bytes, status: int, message: str) -> None:
    client, key, ws = server
    r = client.post(path, content=content, auth=(key, ""))
    assert r.status_code == status, r.text
    assert message in r.json()["error"]


def test_size_limits(server) -> None:
    client, key, _ = server
    big = {"userId": "u", "event": "X", "properties": {"blob": "x" * 33_000}}
    r = post(client, "/v1/track", big, key)
    assert r.status_code == 413 and "32 KB" in r.json()["error"]
    in_batch = post(
        client,
        "/v1/batch",
        {"batch": [{"type": "track", **big}, {"type": "track", "userId": "u", "event": "X"}]},
        key,
    )
    assert in_batch.status_code == 200
    assert in_batch.json()["accepted"] == 1 and "32 KB" in in_batch.json()["rejected"][0]["reason"]
    huge = {
        "batch": [
            {"type": "track", "userId": "u", "event": "X", "properties": {"blob": "y" * 20_000}}
        ]
        * 30
    }
    r = post(client, "/v1/batch", huge, key)
    assert r.status_code == 413 and "500 KB" in r.json()["error"]


def test_gzip_bodies_and_gzip_bombs(server) -> None:
    client, key, ws = server
    body = gzip.compress(
        orjson.dumps({"batch": [{"type": "track", "userId": "u", "event": "Zipped"}]})
    )
    r = client.post("/v1/batch", content=body, auth=(key, ""), headers={"Content-Encoding": "gzip"})
    assert r.status_code == 200 and r.json()["accepted"] == 1
    bomb = gzip.compress(b'{"batch": ["' + b"A" * 50_000_000 + b'"]}')
    assert len(bomb) < 100_000
    r = client.post("/v1/batch", content=bomb, auth=(key, ""), headers={"Content-Encoding": "gzip"})
    assert r.status_code == 413 and "decompressed" in r.json()["error"]
    r = client.post(
        "/v1/batch", content=b"not gzip", auth=(key, ""), headers={"Content-Encoding": "gzip"}
    )
    assert r.status_code == 400
    client.app.state.collector.flush()
    assert [e["event"] for e in stored(ws)] == ["Zipped"]


def test_message_id_dedup_and_clock_skew(server) -> None:
    client, key, ws = server
    msg = {
        "userId": "u",
        "event": "X",
        "messageId": "same",
        "timestamp": "2025-01-01T10:00:00Z",
        "sentAt": "2025-01-01T10:00:00Z",
    }
    first = post(client, "/v1/track", msg, key).json()
    again = post(client, "/v1/track", msg, key).json()
    assert first["duplicates"] == 0 and again["duplicates"] == 1 and again["accepted"] == 1
    client.app.state.collector.flush()
    rows = stored(ws)
    assert len(rows) == 1
    # The client's clock was years behind: the timestamp moves with receivedAt - sentAt.
    assert rows[0]["timestamp"].year >= 2026


def test_consent_is_recorded(server) -> None:
    import sqlalchemy as sa

    from omnicx.operational import consent_updates

    client, key, ws = server
    post(
        client,
        "/v1/track",
        {
            "userId": "u",
            "event": "Consent Updated",
            "properties": {"purposes": {"marketing_email": False}},
        },
        key,
    )
    post(
        client,
        "/v1/page",
        {"anonymousId": "a", "name": "Home", "context": {"consent": {"analytics": True}}},
        key,
    )
    client.app.state.collector.flush()
    with ws.operational.connect() as conn:
        rows = conn.execute(sa.select(consent_updates)).mappings().all()
    assert sorted((r["source"], r["purposes"]) for r in rows) == [
        ("Consent Updated", '{"marketing_email":false}'),
        ("context.consent", '{"analytics":true}'),
    ]


def test_health_and_openapi(server) -> None:
    client, _, _ = server
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
    paths = client.get("/openapi.json").json()["paths"]
    for kind in ("track", "identify", "page", "screen", "alias", "group", "batch", "import"):
        assert f"/v1/{kind}" in paths


def test_backpressure_is_503_with_retry_after(server) -> None:
    client, key, ws = server
    client.app.state.collector.max_pending = 1
    ok = post(client, "/v1/track", {"userId": "u", "event": "X", "messageId": "a"}, key)
    assert ok.status_code == 200
    r = post(client, "/v1/track", {"userId": "u", "event": "X", "messageId": "b"}, key)
    assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    client.app.state.collector.flush()
    client.app.state.collector.max_pending = 100
    # the refused event was not remembered as seen: a retry stores it
    assert (
        post(client, "/v1/track", {"userId": "u", "event": "X", "messageId": "b"}, key).json()[
            "duplicates"
        ]
        == 0
    )
    client.app.state.collector.flush()
    assert sorted(r["message_id"] for r in stored(ws)) == ["a", "b"]
