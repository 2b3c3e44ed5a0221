"""The omnicx server: one FastAPI application for collection and, later, profiles,
decisions and the dashboard. ``create_app(path)`` is what ``omnicx serve`` runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from omnicx.api.collect import Collection, router
from omnicx.api.profiles import router as profiles_router


def consent_records(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consent carried by events: ``Consent Updated`` and any ``context.consent``."""
    out = []
    for e in events:
        purposes: Any = None
        source = ""
        if e.get("event") == "Consent Updated":
            purposes = orjson.loads(e["properties"]).get("purposes")
            source = "Consent Updated"
        elif e.get("context") and '"consent"' in e["context"]:
            purposes = orjson.loads(e["context"]).get("consent")
            source = "context.consent"
        if purposes is None:
            continue
        out.append(
            {
                "message_id": e["message_id"],
                "user_id": e.get("user_id"),
                "anonymous_id": e.get("anonymous_id"),
                "purposes": orjson.dumps(purposes).decode(),
                "source": source,
                "occurred_at": e["timestamp"],
                "received_at": e.get("received_at") or datetime.now(UTC),
            }
        )
    return out


def create_app(workspace: str | Path) -> FastAPI:
    """The application for one workspace; the collector starts and stops with it."""
    from omnicx.workspace import Workspace

    ws = Workspace(workspace)

    def record_consent(events: list[dict[str, Any]]) -> None:
        import sqlalchemy as sa

        from omnicx.operational import consent_updates

        rows = consent_records(events)
        if rows:
            with ws.operational.begin() as conn:
                known = set(
                    conn.execute(
                        sa.select(consent_updates.c.message_id).where(
                            consent_updates.c.message_id.in_([r["message_id"] for r in rows])
                        )
                    ).scalars()
                )
                fresh = [r for r in rows if r["message_id"] not in known]
                if fresh:
                    conn.execute(consent_updates.insert(), fresh)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from omnicx.ingest.wal import Collector

        server = ws.settings.server
        app.state.settings = ws.settings
        app.state.workspace_path = ws.path
        app.state.operational = ws.operational
        app.state.collector = Collector(
            ws.path,
            flush_interval=server.flush_interval_seconds,
            max_pending=server.max_pending_events,
            min_free_mb=server.min_free_disk_mb,
            on_flush=record_consent,
        )
        app.state.collection = Collection(app.state)
        try:
            yield
        finally:
            app.state.collector.close()  # graceful shutdown flushes everything
            ws.close()

    app = FastAPI(
        title="omnicx",
        summary="Omnichannel customer analytics: Segment-compatible collection and more.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.include_router(router)
    app.include_router(profiles_router)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"])
    def readyz() -> JSONResponse:
        """Ready to accept events: the log writer works and is not saturated."""
        collector = app.state.collector
        try:
            collector.check_capacity()
        except Exception as e:  # noqa: BLE001 - any reason is a reason not to be ready
            return JSONResponse({"status": "unavailable", "reason": str(e)}, 503)
        s = collector.stats
        return JSONResponse(
            {
                "status": "ready",
                "acknowledged": s.acknowledged,
                "flushed": s.flushed,
                "fsyncs": s.fsyncs,
            }
        )

    return app


def serve(
    workspace: str | Path,
    host: str | None = None,
    port: int | None = None,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Run the server for a workspace until interrupted (``omnicx serve``, ``omnicx demo``).

    Host and port default to ``[server]``; a port in use is an error that says what to do.
    """
    import socket

    import uvicorn

    from omnicx.errors import OmnicxError
    from omnicx.workspace import Workspace

    with Workspace(workspace) as ws:
        host = host or ws.settings.server.host
        port = port or ws.settings.server.port
        path = ws.path
    with socket.socket() as probe:
        # As uvicorn binds: a port left in TIME_WAIT by a previous server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise OmnicxError(
                f"cannot listen on {host}:{port}: {e.strerror}. Stop what uses it, or pass "
                f"--port N (or set [server] port in {path / 'omnicx.toml'})."
            ) from e
    if announce is not None:
        announce(
            f"omnicx serving {path} on http://{host}:{port}: collection at /v1/, profiles at "
            "/v1/profiles/{id}, OpenAPI at /docs; Ctrl-C to stop"
        )
    uvicorn.run(
        create_app(path), host=host, port=port, log_level="warning", timeout_graceful_shutdown=10
    )
