"""The 360° view of one customer: profile, identifiers, timeline, and why they are one."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from omnicx.errors import OmnicxError

if TYPE_CHECKING:
    from omnicx.workspace import Workspace


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _records(frame: Any) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def find_customer(ws: Workspace, identifier: str) -> str:
    """The customer id of any identifier: e-mail, phone, loyalty id, user id, customer id."""
    from omnicx.identity.overrides import resolve_node

    if not ws.has_derived("profiles"):
        raise OmnicxError("no profiles yet: run `omnicx build` first")
    try:
        return resolve_node(ws, identifier)[1]
    except OmnicxError:
        raise OmnicxError(f"no customer with identifier {identifier!r}") from None


def profile_view(ws: Workspace, identifier: str, timeline: int = 20) -> dict[str, Any]:
    """Everything known about the customer ``identifier`` resolves to, as plain data."""
    customer_id = find_customer(ws, identifier)
    p = ws.table("profiles")
    profile = _records(ws.to_pandas(p.filter(p.customer_id == customer_id)))
    m = ws.table("identity_map")
    ids = ws.to_pandas(
        m.filter(m.customer_id == customer_id)
        .select("id_type", "id_value")
        .order_by(["id_type", "id_value"])
    )
    ev = ws.table("events")
    recs = ws.table("identity_records")
    mine = ev.join(recs.filter(recs.customer_id == customer_id), ev.message_id == recs.record_id)
    seen = mine.group_by("source_kind").aggregate(n=mine.count())
    recent = (
        mine.order_by(mine.timestamp.desc())
        .limit(timeline)
        .select("timestamp", "channel", "event", "type", "store_id", "source_kind", "revenue")
    )
    links = ws.table("identity_links")
    why = links.filter(links.customer_id == customer_id)
    why = why.group_by("rule").aggregate(
        links=why.count(), best_probability=why.match_probability.max()
    )
    return {
        "customer_id": customer_id,
        "profile": profile[0] if profile else {},
        "identifiers": _records(ids),
        "sources": {r["source_kind"]: r["n"] for r in _records(ws.to_pandas(seen))},
        "timeline": _records(ws.to_pandas(recent)),
        "merged_because": _records(ws.to_pandas(why.order_by(why.links.desc()))),
    }
