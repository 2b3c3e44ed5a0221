"""Benchmark: HTTP collection on loopback, against a bare ASGI handler as the ceiling.

In one run: (a) `/v1/batch` with 100 events a request, (b) single `/v1/track`, (c) a bare
ASGI app under the same uvicorn that only returns 200. Load comes from `wrk` (Debian
package `wrk`; this script installs it with apt-get when missing and it runs as root),
every event with a unique messageId so nothing is skipped as a duplicate. Then a paced
run sends single events at a fixed 1,500 req/s from Python and reports p50/p99.

    python benchmarks/ingest_http.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

BARE_APP = textwrap.dedent("""
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", b"16")]})
        await send({"type": "http.response.body", "body": b'{"success":true}'})
""")

LUA = textwrap.dedent("""
    local n = 0
    local per = %d
    request = function()
      n = n + 1
      local parts = {}
      for i = 1, per do
        parts[i] = string.format('{"type":"track","userId":"u%%d","event":"Product Viewed",'
          .. '"messageId":"%%s-%%d-%%d","properties":{"sku":"SKU%%d","price":19.99},'
          .. '"context":{"channel":"web"}}', i, id, n, i, i)
      end
      local body = parts[1]
      if per > 1 then body = '{"batch":[' .. table.concat(parts, ',') .. ']}' end
      return wrk.format("POST", nil, nil, body)
    end
    setup = function(thread) thread:set("id", tostring(math.random(1, 1e9))) end
    init = function(args) id = id or tostring(math.random(1, 1e9)) end
""")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, path: str) -> None:
    import httpx

    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def wrk(url: str, key: str, per: int, seconds: int, tmp: Path) -> dict[str, float]:
    script = tmp / f"batch{per}.lua"
    script.write_text(LUA % per)
    auth = base64.b64encode(f"{key}:".encode()).decode()
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            "-c16",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            "-H",
            f"Authorization: Basic {auth}",
            "-H",
            "Content-Type: application/json",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)  # type: ignore[union-attr]
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "rps": rps,
        "p50": pct("50"),
        "p99": pct("99"),
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
    }


async def paced(port: int, key: str, rate: int, seconds: int) -> list[float]:
    """Single events at a fixed rate over keep-alive connections; latencies in ms."""
    auth = base64.b64encode(f"{key}:".encode()).decode()
    latencies: list[float] = []
    conns = 32
    per_conn = rate / conns
    total = rate * seconds

    async def worker(c: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        start = time.perf_counter()
        for i in range(int(total / conns)):
            due = start + i / per_conn
            if (delay := due - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            body = (
                f'{{"userId":"u{c}","event":"Product Viewed","messageId":"p{c}-{i}-'
                f'{start}","properties":{{"sku":"A"}}}}'
            ).encode()
            head = (
                f"POST /v1/track HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            t0 = time.perf_counter()
            writer.write(head.encode() + body)
            await writer.drain()
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            if b" 200 " in status:
                latencies.append((time.perf_counter() - t0) * 1000)
        writer.close()

    await asyncio.gather(*(worker(c) for c in range(conns)))
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    from omnicx import Workspace
    from omnicx.api.keys import create_key

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        ws = Workspace.init(tmp / "ws")
        key, _ = create_key(ws.operational, "bench")
        ws.close()
        (tmp / "bare.py").write_text(BARE_APP)
        results = {}
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "omnicx", "serve", "-w", str(tmp / "ws"), "--port", str(port)],
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_ready(port, "/healthz")
            results["batch"] = wrk(f"http://127.0.0.1:{port}/v1/batch", key, 100, args.seconds, tmp)
            results["track"] = wrk(f"http://127.0.0.1:{port}/v1/track", key, 1, args.seconds, tmp)
            lat = sorted(asyncio.run(paced(port, key, 1500, min(args.seconds, 10))))
        finally:
            server.terminate()
            server.wait()
        bare_port = free_port()
        bare = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bare:app",
                "--port",
                str(bare_port),
                "--log-level",
                "warning",
            ],
            cwd=tmp,
        )
        try:
            wait_ready(bare_port, "/")
            results["bare"] = wrk(f"http://127.0.0.1:{bare_port}/", key, 100, args.seconds, tmp)
            bare_lat = sorted(asyncio.run(paced(bare_port, key, 1500, min(args.seconds, 10))))
        finally:
            bare.terminate()
            bare.wait()
        with Workspace(tmp / "ws") as ws:
            stored = int(ws.engine.execute(ws.table("events").count()))

    b, t, c = results["batch"], results["track"], results["bare"]
    print(
        f"(a) /v1/batch x100 : {b['rps'] * 100:10,.0f} events/s  {b['rps']:8,.0f} req/s  "
        f"p50 {b['p50']:.1f} ms  p99 {b['p99']:.1f} ms  non-2xx {b['errors']:.0f}"
    )
    print(
        f"(b) /v1/track      : {t['rps']:10,.0f} events/s  {t['rps']:8,.0f} req/s  "
        f"p50 {t['p50']:.1f} ms  p99 {t['p99']:.1f} ms  non-2xx {t['errors']:.0f}"
    )
    print(
        f"(c) bare ASGI 200  : {c['rps']:8,.0f} req/s (same 100-event bodies)  "
        f"p50 {c['p50']:.1f} ms  p99 {c['p99']:.1f} ms"
    )
    print(f"ratio batch req/s / bare req/s : {b['rps'] / c['rps']:.2f}  (goal >= 0.30)")
    print(f"ratio track req/s / bare req/s : {t['rps'] / c['rps']:.2f}")
    print(f"batch events/s vs goal 17,000  : {b['rps'] * 100 / 17_000:.2f}")
    if lat:
        p50, p99 = lat[len(lat) // 2], lat[int(len(lat) * 0.99)]
        print(
            f"paced /v1/track at 1,500 req/s : {len(lat):,} ok, p50 {p50:.1f} ms, "
            f"p99 {p99:.1f} ms (goal p99 <= 50 ms)"
        )
    if bare_lat:
        p50, p99 = bare_lat[len(bare_lat) // 2], bare_lat[int(len(bare_lat) * 0.99)]
        print(
            f"same pacing, bare ASGI app     : p50 {p50:.1f} ms, p99 {p99:.1f} ms "
            "(what the Python load generator itself adds)"
        )
    print(f"events stored after shutdown    : {stored:,}")


if __name__ == "__main__":
    main()
