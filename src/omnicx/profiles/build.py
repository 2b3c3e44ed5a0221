"""Build the ``profiles`` table: golden record + computed traits for every customer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from omnicx.identity.build import person_records
from omnicx.profiles.golden import golden_record
from omnicx.profiles.traits import customer_traits, purchase_lines

if TYPE_CHECKING:
    from omnicx.workspace import Workspace


def build_profiles(ws: Workspace) -> int:
    """Write ``profiles`` (one row per customer); returns the number of profiles."""
    cfg = ws.settings.identity
    ids = ws.table("identity_records")
    people = person_records(ws)
    people = people.join(ids, "record_id")
    golden = golden_record(people, cfg.survivorship, cfg.trusted_sources)
    traits = customer_traits(
        ws.table("events"),
        ids,
        purchase_lines(ws.table("order_lines"), ws.table("pos_lines")),
        ws.table("products"),
    )
    profiles = traits.left_join(golden, "customer_id").drop("customer_id_right")
    front = ["customer_id", *[c for c in cfg.survivorship], "first_seen", "last_seen"]
    profiles = profiles.select(*front, *[c for c in profiles.columns if c not in front])
    table = ws.engine.to_arrow(profiles.order_by("customer_id"))
    ws.write_derived("profiles", table)
    return table.num_rows
