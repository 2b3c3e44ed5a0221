"""Profile routes: the 360° view of a customer by any identifier."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from omnicx.errors import OmnicxError

router = APIRouter(prefix="/v1/profiles", tags=["profiles"])


def _view(request: Request, identifier: str) -> dict[str, Any]:
    from omnicx.profiles.view import profile_view
    from omnicx.workspace import Workspace

    # A fresh handle per request: `omnicx build` replaces the tables underneath.
    with Workspace(request.app.state.workspace_path) as ws:
        try:
            return profile_view(ws, identifier)
        except OmnicxError as e:
            raise HTTPException(404, str(e)) from e


@router.get("/{identifier}")
async def get_profile(request: Request, identifier: str) -> dict[str, Any]:
    """Profile, identifiers, recent timeline and merge reasons; any identifier works
    (customer id, e-mail, phone, loyalty id, user id)."""
    return await run_in_threadpool(_view, request, identifier)


@router.get("")
async def find_profile(
    request: Request,
    email: str | None = Query(None, description="an e-mail address, in any spelling"),
    phone: str | None = Query(None, description="a phone number, in any format"),
    loyalty_id: str | None = Query(None),
    user_id: str | None = Query(None),
) -> dict[str, Any]:
    """Look a profile up by one identifier given as a query parameter."""
    given = {
        k: v
        for k, v in {
            "email": email,
            "phone": phone,
            "loyalty_id": loyalty_id,
            "user_id": user_id,
        }.items()
        if v
    }
    if len(given) != 1:
        raise HTTPException(
            422, "give exactly one of the query parameters email, phone, loyalty_id, user_id"
        )
    return await run_in_threadpool(_view, request, next(iter(given.values())))
