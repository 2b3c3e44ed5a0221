"""Manual identity overrides: merges and splits that every rebuild honours.

They live in the operational store (``identity_overrides``), so they survive rebuilds
and are audited with who-did-what-when.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from omnicx.errors import OmnicxError
from omnicx.operational import identity_overrides
from omnicx.schema.events import IDENTIFIER_COLUMNS

if TYPE_CHECKING:
    from omnicx.workspace import Workspace


# "record:<id>" nodes stand for source records that carry no identifier at all.
NODE_TYPES = frozenset({*IDENTIFIER_COLUMNS, "record"})


def resolve_node(ws: Workspace, identifier: str) -> tuple[str, str]:
    """An identifier (any value, ``type:value``, or a customer id) -> (node, customer_id)."""
    if not ws.has_derived("identity_map"):
        raise OmnicxError("no identity graph yet: run `omnicx build` first")
    m = ws.table("identity_map")
    wanted = identifier.strip()
    if ":" in wanted and wanted.split(":", 1)[0] in NODE_TYPES:
        rows = ws.to_pandas(m.filter(m.node == wanted))
    else:
        rows = ws.to_pandas(
            m.filter(
                (m.id_value == wanted) | (m.customer_id == wanted) | (m.id_value == wanted.lower())
            )
        )
    if rows.empty:
        from omnicx.identity.normalize import normalize_email, normalize_phone

        for value in (
            normalize_email(wanted),
            normalize_phone(wanted, ws.settings.workspace.default_region),
        ):
            if value:
                rows = ws.to_pandas(m.filter(m.id_value == value))
                if not rows.empty:
                    break
    if rows.empty:
        raise OmnicxError(f"no identifier or customer {identifier!r} in the identity graph")
    if (rows["customer_id"] == wanted).any():
        # Show the customer by its most trusted identifier.
        order = [*ws.settings.identity.priorities, "record"]
        rank = {t: i for i, t in enumerate(order)}
        rows = rows.assign(rank=rows["id_type"].map(lambda t: rank.get(t, len(order))))
        rows = rows.sort_values(["rank", "node"])
    return str(rows.iloc[0]["node"]), str(rows.iloc[0]["customer_id"])


def merge(ws: Workspace, a: str, b: str, note: str = "") -> tuple[str, str]:
    """Record that ``a`` and ``b`` (identifiers or customer ids) are one person."""
    node_a, _ = resolve_node(ws, a)
    node_b, _ = resolve_node(ws, b)
    with ws.operational.begin() as conn:
        conn.execute(
            identity_overrides.insert().values(
                kind="merge", node_a=node_a, node_b=node_b, note=note, created_at=datetime.now(UTC)
            )
        )
    return node_a, node_b


def split(ws: Workspace, customer_id: str, identifier: str, note: str = "") -> str:
    """Record that ``identifier`` does not belong to ``customer_id``; it stands alone."""
    node, owner = resolve_node(ws, identifier)
    if owner != customer_id:
        raise OmnicxError(
            f"identifier {identifier!r} belongs to customer {owner}, not {customer_id}"
        )
    with ws.operational.begin() as conn:
        conn.execute(
            identity_overrides.insert().values(
                kind="split",
                node_a=node,
                customer_id=customer_id,
                note=note,
                created_at=datetime.now(UTC),
            )
        )
    return node


def load_overrides(ws: Workspace) -> tuple[list[tuple[str, str]], list[str]]:
    """(merge edges, split nodes) in the order they were made."""
    with ws.operational.connect() as conn:
        rows = (
            conn.execute(sa.select(identity_overrides).order_by(identity_overrides.c.override_id))
            .mappings()
            .all()
        )
    merges = [(r["node_a"], r["node_b"]) for r in rows if r["kind"] == "merge"]
    splits = [r["node_a"] for r in rows if r["kind"] == "split"]
    return merges, splits
