"""`omnicx serve` as a real process: real client libraries, and kill -9 loses nothing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from omnicx import Workspace
from omnicx.api.keys import create_key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(root: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "omnicx", "serve", "-w", str(root), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server did not start: {proc.stderr.read() if proc.stderr else ''}")


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    ws = Workspace.init(tmp_path / "ws")
    cfg = ws.path / "omnicx.toml"
    cfg.write_text(
        cfg.read_text().replace("flush_interval_seconds = 1.0", "flush_interval_seconds = 0.2")
    )
    key, _ = create_key(ws.operational, "tests")
    ws.close()
    yield ws.path, key


def wait_for_events(root: Path, n: int, timeout: float = 15) -> list[dict]:
    """Read the warehouse from this process while the server runs in another."""
    deadline = time.monotonic() + timeout
    while True:
        with Workspace(root) as ws:
            rows = ws.to_pandas("events").to_dict("records")
        if len(rows) >= n or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def test_real_segment_and_rudderstack_clients(workspace: tuple[Path, str]) -> None:
    import json

    from rudderstack.analytics import Client as RudderClient
    from segment.analytics import Client as SegmentClient

    root, key = workspace
    port = free_port()
    proc = start_server(root, port)
    try:
        host = f"http://127.0.0.1:{port}"
        errors: list[object] = []
        segment = SegmentClient(
            write_key=key,
            host=host,
            gzip=True,
            sync_mode=True,
            on_error=lambda e, batch: errors.append(e),
        )
        segment.identify("seg-user", {"email": "jane@example.com", "plan": "gold"})
        segment.track(
            "seg-user",
            "Order Completed",
            {
                "order_id": "o-1",
                "total": 42.5,
                "products": [{"sku": "A", "quantity": 2, "price": 21.25}],
            },
        )
        segment.page("seg-user", "Shop", "Home", {"url": "https://shop.example/"})
        segment.flush()
        rudder = RudderClient(
            write_key=key, host=host, sync_mode=True, on_error=lambda e, batch: errors.append(e)
        )
        rudder.track("rud-user", "Product Viewed", {"sku": "B", "price": 9.99})
        rudder.screen("rud-user", "Catalog", "Shoes", {"filter": "red"})
        rudder.flush()
        assert errors == []
        rows = wait_for_events(root, 5)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    by_event = {r["event"]: r for r in rows}
    assert len(rows) == 5, rows
    order = json.loads(by_event["Order Completed"]["properties"])
    assert order["order_id"] == "o-1" and order["total"] == 42.5
    assert order["products"] == [{"sku": "A", "quantity": 2, "price": 21.25}]
    assert by_event["Order Completed"]["revenue"] == 42.5
    identify = next(r for r in rows if r["type"] == "identify")
    assert identify["email"] == "jane@example.com"
    assert json.loads(identify["traits"])["plan"] == "gold"
    assert json.loads(by_event["Product Viewed"]["properties"]) == {"sku": "B", "price": 9.99}
    assert by_event["Shoes"]["type"] == "screen" and by_event["Shoes"]["channel"] == "app"
    assert {r["user_id"] for r in rows} == {"seg-user", "rud-user"}
    assert all("library" in json.loads(r["context"]) for r in rows)


def test_kill_9_loses_no_acknowledged_event(workspace: tuple[Path, str]) -> None:
    root, key = workspace
    port = free_port()
    proc = start_server(root, port)
    acknowledged: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def sender(worker: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=(key, "")) as client:
            for n in range(10_000):
                if stop.is_set():
                    return
                ids = [f"w{worker}-{n}-{i}" for i in range(50)]
                batch = [
                    {
                        "type": "track",
                        "userId": f"u{worker}",
                        "event": "Load",
                        "messageId": m,
                        "properties": {"n": n},
                    }
                    for m in ids
                ]
                try:
                    r = client.post("/v1/batch", json={"batch": batch}, timeout=5)
                except httpx.TransportError:
                    return  # the server died mid-request: not acknowledged
                if r.status_code == 200:
                    with lock:
                        acknowledged.update(ids)

    threads = [threading.Thread(target=sender, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    time.sleep(3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stop.set()
    for t in threads:
        t.join()
    assert len(acknowledged) > 1000, "the load did not get going"
    proc = start_server(root, port)  # replays the write-ahead log
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    with Workspace(root) as ws:
        stored = ws.to_pandas("events")["message_id"]
    print(
        f"\nacknowledged {len(acknowledged):,}; stored {len(stored):,} "
        f"({stored.nunique():,} distinct)"
    )
    assert stored.is_unique
    assert acknowledged <= set(stored)
