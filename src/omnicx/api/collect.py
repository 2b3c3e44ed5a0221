"""Segment-compatible collection: ``/v1/track``, ``identify``, ``page``, ``screen``,
``alias``, ``group``, ``batch`` and ``import``.

Existing Segment and RudderStack client libraries work unchanged: write key as the HTTP
Basic user name (or ``writeKey`` in the body), gzip bodies, 32 KB per event, 500 KB per
request. An event is acknowledged only once it is fsync'd in the write-ahead log.
"""

from __future__ import annotations

import base64
import binascii
import time
import zlib
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from omnicx.api.keys import key_status
from omnicx.ingest.wal import Backpressure, Collector
from omnicx.schema.validate import MessageError, message_to_row

router = APIRouter(prefix="/v1", tags=["collection"])

_KEY_TTL = 5.0  # seconds a key lookup is cached; a revocation takes effect within this


class HTTPProblem(Exception):  # noqa: N818 - an HTTP response, not a programming error
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def problem_response(e: HTTPProblem) -> JSONResponse:
    return JSONResponse({"success": False, "error": str(e)}, e.status, headers=e.headers)


def _kb(n: int) -> str:
    return f"{n // 1024} KB"


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, decompressed, refusing anything over ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPProblem(
            413, f"request body is {int(declared):,} bytes; the limit is {_kb(limit)} per request"
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPProblem(413, f"request body exceeds the limit of {_kb(limit)}")
    if request.headers.get("content-encoding", "").lower() in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            # max_length stops a gzip bomb after limit + 1 bytes of output.
            data = inflater.decompress(bytes(body), limit + 1)
        except zlib.error as e:
            raise HTTPProblem(400, f"body is not valid gzip: {e}") from e
        if len(data) > limit or inflater.unconsumed_tail:
            raise HTTPProblem(413, f"decompressed body exceeds the limit of {_kb(limit)}")
        return data
    return bytes(body)


def _write_key(request: Request, body: Any) -> str:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            user = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
        except (binascii.Error, UnicodeDecodeError) as e:
            raise HTTPProblem(400, "Authorization: not valid HTTP Basic credentials") from e
        if user:
            return user
    if isinstance(body, dict) and isinstance(body.get("writeKey"), str) and body["writeKey"]:
        return str(body["writeKey"])
    raise HTTPProblem(
        401,
        "missing write key: send it as the HTTP Basic user name or as writeKey in the body",
        {"WWW-Authenticate": "Basic"},
    )


class Collection:
    """State shared by the collection routes of one server."""

    def __init__(self, app_state: Any) -> None:
        self.collector: Collector = app_state.collector
        self.operational = app_state.operational
        self.settings = app_state.settings
        self._keys: dict[str, tuple[str, float]] = {}

    def authenticate(self, key: str) -> None:
        cached = self._keys.get(key)
        now = time.monotonic()
        if cached is None or now - cached[1] > _KEY_TTL:
            cached = (key_status(self.operational, key), now)
            self._keys[key] = cached
        if cached[0] == "unknown":
            raise HTTPProblem(401, "unknown write key", {"WWW-Authenticate": "Basic"})
        if cached[0] == "revoked":
            raise HTTPProblem(403, "write key has been revoked")

    async def accept(self, messages: list[Any], batch_context: dict[str, Any]) -> dict[str, Any]:
        """Validate, deduplicate and durably log messages; the response body.

        Validation runs on the event loop (it is short); only the fsync is awaited.
        """
        received_at = datetime.now(UTC)
        limit = self.settings.server.max_event_bytes
        records: list[dict[str, Any]] = []
        claimed: list[str] = []
        rejected: list[dict[str, Any]] = []
        duplicates = 0
        for index, msg in enumerate(messages):
            raw = orjson.dumps(msg)
            message_id = msg.get("messageId") if isinstance(msg, dict) else None
            try:
                if len(raw) > limit:
                    raise MessageError(f"event is {len(raw):,} bytes; the limit is {_kb(limit)}")
                if isinstance(msg, dict):
                    for key, value in batch_context.items():
                        msg.setdefault(key, value)
                row = message_to_row(msg, received_at, "http", None)
            except MessageError as e:
                rejected.append({"index": index, "messageId": message_id, "reason": str(e)})
                records.append(
                    {
                        "_kind": "quarantine",
                        "source_kind": "http",
                        "source_file": None,
                        "line": index,
                        "raw": raw[:limit].decode(errors="replace"),
                        "reason": str(e),
                        "import_id": None,
                        "quarantined_at": received_at,
                    }
                )
                continue
            if not self.collector.claim(row["message_id"]):
                duplicates += 1
                continue
            claimed.append(row["message_id"])
            records.append(row)
        try:
            await self.collector.submit(records)
        except Backpressure:
            for message_id in claimed:
                self.collector.release(message_id)
            raise
        self.collector.stats.acknowledged += len(claimed)
        self.collector.stats.duplicates += duplicates
        self.collector.stats.quarantined += len(rejected)
        return {
            "success": True,
            "accepted": len(claimed) + duplicates,
            "duplicates": duplicates,
            "rejected": rejected,
        }


async def _collect(request: Request, kind: str | None) -> JSONResponse:
    state: Collection = request.app.state.collection
    try:
        data = await _read_body(request, state.settings.server.max_batch_bytes)
        try:
            body = orjson.loads(data) if data else None
        except orjson.JSONDecodeError as e:
            raise HTTPProblem(400, f"body is not valid JSON: {e}") from e
        if not isinstance(body, dict):
            raise HTTPProblem(400, "body must be a JSON object")
        state.authenticate(_write_key(request, body))
        if kind is None:
            batch = body.get("batch")
            if not isinstance(batch, list):
                raise HTTPProblem(400, "batch: expected a list of messages")
            shared = {k: body[k] for k in ("sentAt", "context") if k in body}
            result = await state.accept(batch, shared)
        else:
            body.setdefault("type", kind)
            body.pop("writeKey", None)
            if len(data) > state.settings.server.max_event_bytes:
                raise HTTPProblem(
                    413,
                    f"event is {len(data):,} bytes; the limit is "
                    f"{_kb(state.settings.server.max_event_bytes)}",
                )
            result = await state.accept([body], {})
            if result["rejected"]:
                raise HTTPProblem(400, result["rejected"][0]["reason"])
        return JSONResponse(result)
    except Backpressure as e:
        return JSONResponse(
            {"success": False, "error": str(e)}, 503, headers={"Retry-After": str(e.retry_after)}
        )
    except HTTPProblem as e:
        return problem_response(e)


def _route(kind: str | None):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request) -> JSONResponse:
        return await _collect(request, kind)

    endpoint.__name__ = f"collect_{kind or 'batch'}"
    endpoint.__doc__ = (
        f"Segment `{kind}` call." if kind else 'Segment batch: `{"batch": [messages]}`.'
    )
    return endpoint


for _kind in ("track", "identify", "page", "screen", "alias", "group"):
    router.add_api_route(f"/{_kind}", _route(_kind), methods=["POST"], name=_kind)
router.add_api_route("/batch", _route(None), methods=["POST"], name="batch")
router.add_api_route("/import", _route(None), methods=["POST"], name="import")
