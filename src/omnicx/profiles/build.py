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
    frame = ws.engine.to_arrow(profiles.order_by("customer_id")).to_pandas()
    # Golden contact details in their canonical form; money to the cent.
    from omnicx.identity.normalize import normalize_column, normalize_email, normalize_phone

    if "email" in frame:
        clean = normalize_column(
            frame["email"], normalize_email, strip_plus=False, gmail_dots=False
        )
        frame["email"] = clean.where(clean.notna(), frame["email"])
    if "phone" in frame:
        clean = normalize_column(
            frame["phone"], normalize_phone, default_region=ws.settings.workspace.default_region
        )
        frame["phone"] = clean.where(clean.notna(), frame["phone"])
    for money in ("revenue", "refunds", "aov"):
        if money in frame:
            frame[money] = frame[money].round(2)
    ws.write_derived("profiles", frame)
    return len(frame)
