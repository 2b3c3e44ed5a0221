"""Survivorship: pick each golden attribute of a customer from their source records.

Rules per attribute (``[identity] survivorship``): ``most_recent`` (latest record wins),
``most_frequent`` (the value seen most often, latest breaks ties), ``trusted_source`` (the
most trusted source kind that has a value, then the latest), ``longest`` (the longest
value, then the latest). The source kind and record of every chosen value are kept.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from omnicx.errors import ConfigError

RULES = ("most_recent", "most_frequent", "trusted_source", "longest")


def golden_record(records: ir.Table, survivorship: dict[str, str], trusted: list[str]) -> ir.Table:
    """One row per customer_id: each attribute, its ``<attr>_source`` and ``<attr>_record``.

    ``records`` has customer_id, record_id, source_kind, ts and the attribute columns.
    """
    out = records.select("customer_id").distinct()
    for attr, rule in survivorship.items():
        if rule not in RULES:
            raise ConfigError(
                f"identity.survivorship.{attr} = {rule!r} is not a rule; valid: {', '.join(RULES)}"
            )
        if attr not in records.columns:
            raise ConfigError(
                f"identity.survivorship names {attr!r}, which no source record has; "
                f"attributes: {', '.join(c for c in records.columns if c not in ('ts',))}"
            )
        t = records.filter(records[attr].notnull())
        t = t.select("customer_id", "record_id", "source_kind", "ts", value=t[attr].cast("string"))
        if rule == "most_frequent":
            freq = t.group_by(["customer_id", "value"]).aggregate(n=t.count())
            t = t.join(freq, ["customer_id", "value"])
            order = [ibis.desc(t.n), ibis.desc(t.ts), t.record_id]
        elif rule == "trusted_source":
            trust = ibis.cases(
                *((t.source_kind == s, i) for i, s in enumerate(trusted)), else_=len(trusted)
            )
            t = t.mutate(trust=trust)
            order = [t.trust, ibis.desc(t.ts), t.record_id]
        elif rule == "longest":
            t = t.mutate(size=t.value.length())
            order = [ibis.desc(t.size), ibis.desc(t.ts), t.record_id]
        else:
            order = [ibis.desc(t.ts), t.record_id]
        w = ibis.window(group_by=t.customer_id, order_by=order)
        best = t.mutate(rk=ibis.row_number().over(w)).filter(lambda x: x.rk == 0)
        best = best.select(
            "customer_id",
            **{
                attr: best.value,
                f"{attr}_source": best.source_kind,
                f"{attr}_record": best.record_id,
            },
        )
        out = out.left_join(best.view(), "customer_id").drop("customer_id_right")
    return out
