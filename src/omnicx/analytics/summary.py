"""A workspace at a glance: rows per table, events per channel and source, quarantine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omnicx.workspace import Workspace


def workspace_summary(ws: Workspace) -> dict[str, Any]:
    """Counts a person checks after an import, as plain Python values."""
    from omnicx.ingest.eventlog import entity_tables

    engine = ws.engine
    events = ws.table("events")
    q = ws.table("quarantine")

    def counts(expr: Any, key: str) -> dict[str, int]:
        rows = engine.to_arrow(
            expr.group_by(key).aggregate(n=expr.count()).order_by([expr.count().desc(), key])
        ).to_pylist()
        return {str(r[key]): int(r["n"]) for r in rows}

    span = engine.to_arrow(
        events.aggregate(
            first=events.timestamp.min(), last=events.timestamp.max(), n=events.count()
        )
    ).to_pylist()[0]
    return {
        "events": int(span["n"]),
        "first_event": span["first"],
        "last_event": span["last"],
        "events_by_channel": counts(events, "channel"),
        "events_by_source": counts(events, "source_kind"),
        "events_by_name": counts(events.mutate(event=events.event.fill_null(events.type)), "event"),
        "tables": {t: int(engine.execute(ws.table(t).count())) for t in sorted(entity_tables())},
        "quarantined": int(engine.execute(q.count())),
        "quarantine_by_source": counts(q, "source_kind"),
    }
