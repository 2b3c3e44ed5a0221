"""The deterministic identity graph, as Ibis expressions (DuckDB and Spark alike).

Nodes are identifiers (``type:value``); two identifiers seen on the same event are
linked; connected components are people. Guards keep one person from swallowing
another: blocked values, shared identifiers (an identifier seen with two values of a
unique type, like a family tablet used by two accounts, or an ``info@`` mailbox),
per-type limits resolved by dropping the lowest-priority identifiers, and manual splits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from omnicx.config import IdentitySection
from omnicx.portable import trim
from omnicx.schema.events import IDENTIFIER_COLUMNS

Materialize = Callable[[ir.Table], ir.Table]
Count = Callable[[ir.Expr], int]


@dataclass
class Graph:
    """The result of the deterministic stage."""

    occurrences: ir.Table  # record_id, id_type, id_value, node, rank, ts
    edges: ir.Table  # src, dst, rule, record_id
    components: ir.Table  # node, component
    dropped: ir.Table  # node, reason


def occurrences(events: ir.Table, normalized: dict[str, ir.Table]) -> ir.Table:
    """Every identifier seen on every event: record_id, id_type, id_value, ts.

    ``normalized[type]`` maps raw values (``raw``) to normalised ones (``value``); types
    without a map are compared as trimmed text. Alias messages link ``previous_id`` as the
    anonymous id it replaces.
    """
    raw: dict[str, list[ir.Table]] = {t: [] for t in IDENTIFIER_COLUMNS}
    for id_type in IDENTIFIER_COLUMNS:
        t = events.filter(events[id_type].notnull())
        raw[id_type].append(t.select(record_id=t.message_id, raw=trim(t[id_type]), ts=t.timestamp))
    alias = events.filter((events.type == "alias") & events.previous_id.notnull())
    raw["anonymous_id"].append(
        alias.select(record_id=alias.message_id, raw=trim(alias.previous_id), ts=alias.timestamp)
    )
    out = []
    for id_type, parts in raw.items():
        part = ibis.union(*parts) if len(parts) > 1 else parts[0]
        if id_type in normalized:
            m = normalized[id_type]
            part = part.left_join(m, part.raw == m.raw).select("record_id", "ts", id_value=m.value)
        else:
            part = part.select("record_id", "ts", id_value=part.raw)
        out.append(part.mutate(id_type=ibis.literal(id_type)))
    occ = ibis.union(*out)
    return occ.filter(occ.id_value.notnull() & (occ.id_value != ""))


def _blocked(occ: ir.Table, cfg: IdentitySection) -> ir.BooleanValue:
    value = occ.id_value.lower()
    cond = value.isin([v.lower() for v in cfg.blocked_values])
    for pattern in cfg.blocked_patterns:
        cond = cond | value.re_search(pattern)
    local = value.split("@")[0]
    shared = (occ.id_type == "email") & local.isin([m.lower() for m in cfg.shared_mailboxes])
    return cond | shared


def _rank(id_type: ir.StringValue, cfg: IdentitySection) -> ir.IntegerValue:
    order = [t for t in cfg.priorities if t in IDENTIFIER_COLUMNS]
    order += [t for t in IDENTIFIER_COLUMNS if t not in order]
    return ibis.cases(*((id_type == t, i) for i, t in enumerate(order)), else_=len(order))


def ambiguous_nodes(
    node_types: ir.Table,
    edges: ir.Table,
    cfg: IdentitySection,
    materialize: Materialize,
    count: Count,
    max_rounds: int = 30,
) -> ir.Table:
    """Identifiers that would join more values of a unique type than its limit allows.

    Each value of a unique type (an account, a loyalty card) spreads outwards through the
    graph one hop per round; an identifier reached by more values of a type than the
    type's limit is where two people meet (a family tablet, a shared mailbox, a phone
    number typed into two carts) and is kept out, so it spreads nothing further.
    """
    limit = {t: cfg.limits.get(t, 1) for t in cfg.unique}
    both = ibis.union(
        edges.select(a=edges.src, b=edges.dst), edges.select(a=edges.dst, b=edges.src)
    )
    both = materialize(both.distinct())
    seeds = node_types.filter(node_types.id_type.isin(cfg.unique))
    labels = materialize(seeds.select("node", u_type=seeds.id_type, u_value=seeds.node))
    blocked = materialize(
        ibis.memtable({"node": [], "reason": []}, schema={"node": "string", "reason": "string"})
    )
    for _ in range(max_rounds):
        j = both.join(labels, both.b == labels.node)
        spread = j.select(node=j.a, u_type=j.u_type, u_value=j.u_value)
        grown = ibis.union(labels, spread).distinct()
        grown = grown.anti_join(blocked, "node")
        counts = grown.group_by(["node", "u_type"]).aggregate(n=grown.u_value.nunique())
        cap = ibis.cases(*((counts.u_type == t, n) for t, n in limit.items()), else_=1)
        over = counts.filter(counts.n > cap)
        over = over.join(node_types.select("node", "id_type"), "node")
        over = over.filter(~over.id_type.isin(cfg.unique))
        new_blocked = over.select(
            "node",
            reason=ibis.literal("shared: links ")
            + over.n.cast("string")
            + ibis.literal(" values of ")
            + over.u_type,
        ).distinct(on="node")
        n_new = count(new_blocked.count())
        new_labels = materialize(grown.anti_join(new_blocked, "node"))
        grew = count(new_labels.count()) - count(labels.count())
        if n_new:
            blocked = materialize(ibis.union(blocked, new_blocked))
        labels = new_labels
        if n_new == 0 and grew == 0:
            break
    return blocked


def record_edges(occ: ir.Table) -> ir.Table:
    """Link every identifier of a record to the record's most trusted identifier."""
    w = ibis.window(group_by=occ.record_id, order_by=[occ["rank"], occ.node])
    anchored = occ.mutate(anchor=occ.node.first().over(w))
    e = anchored.filter(anchored.node != anchored.anchor)
    return e.select(
        src=e.anchor, dst=e.node, rule=ibis.literal("same record"), record_id=e.record_id
    )


def connected_components(
    nodes: ir.Table,
    edges: ir.Table,
    materialize: Materialize,
    count: Count,
    max_iterations: int = 50,
) -> ir.Table:
    """Label each node with the smallest node of its component (label propagation).

    Each round a node takes the smallest label among itself and its neighbours, then the
    label of its label (pointer jumping), so long chains converge in few rounds.
    """
    both = ibis.union(
        edges.select(a=edges.src, b=edges.dst), edges.select(a=edges.dst, b=edges.src)
    )
    both = materialize(both.distinct())
    labels = materialize(nodes.select(node=nodes.node, component=nodes.node).distinct())
    for _ in range(max_iterations):
        j = both.join(labels, both.b == labels.node)
        proposed = j.select(node=j.a, component=j.component)
        merged = ibis.union(labels, proposed)
        merged = merged.group_by("node").aggregate(component=merged.component.min())
        parent = merged.view().rename(c2="component", n2="node")
        jump = merged.join(parent, merged.component == parent.n2)
        jumped = jump.select(node=jump.node, component=ibis.least(jump.component, jump.c2))
        new = materialize(jumped)
        changed = new.join(labels, "node").filter(lambda t: t.component != t.component_right)
        labels = new
        if count(changed.count()) == 0:
            break
    return labels


def over_limit(components: ir.Table, occ_nodes: ir.Table, cfg: IdentitySection) -> ir.Table:
    """(component, id_type) pairs holding more distinct values than the type's limit."""
    j = components.join(occ_nodes, "node")
    counts = j.group_by(["component", "id_type"]).aggregate(
        n=j.node.nunique(), rank=j["rank"].max()
    )
    limit = ibis.cases(*((counts.id_type == t, n) for t, n in cfg.limits.items()), else_=1000)
    return counts.filter(counts.n > limit)


def build_graph(
    events: ir.Table,
    normalized: dict[str, ir.Table],
    cfg: IdentitySection,
    materialize: Materialize,
    count: Count,
    extra_edges: ir.Table | None = None,
    split_nodes: list[str] | None = None,
    max_rounds: int = 4,
) -> Graph:
    """Resolve identifiers into components, honouring every guard in ``cfg``."""
    occ = occurrences(events, normalized)
    occ = occ.mutate(
        node=occ.id_type + ibis.literal(":") + occ.id_value, rank=_rank(occ.id_type, cfg)
    )
    blocked = (
        occ.filter(_blocked(occ, cfg))
        .select("node", reason=ibis.literal("blocked value"))
        .distinct(on="node")
    )
    occ = occ.filter(~_blocked(occ, cfg))
    occ = materialize(occ)
    dropped = [blocked]
    if split_nodes:
        split = ibis.memtable({"node": split_nodes}, schema={"node": "string"})
        dropped.append(split.select("node", reason=ibis.literal("manual split")))
    dropped_t = materialize(ibis.union(*dropped).distinct(on="node"))
    kept = occ.anti_join(dropped_t, "node")
    node_types = materialize(kept.select("node", "id_type", "rank").distinct(on="node"))
    ambiguous = ambiguous_nodes(node_types, record_edges(kept), cfg, materialize, count)
    dropped_t = materialize(ibis.union(dropped_t, ambiguous).distinct(on="node"))
    for _ in range(max_rounds):
        kept = occ.anti_join(dropped_t, "node")
        edges = record_edges(kept)
        if extra_edges is not None:
            ok = extra_edges.anti_join(dropped_t, extra_edges.src == dropped_t.node)
            again = dropped_t.view()
            ok = ok.anti_join(again, ok.dst == again.node)
            edges = ibis.union(edges, ok)
        edges = materialize(edges)
        nodes = kept.select("node").distinct()
        if split_nodes:
            # A split identifier stands alone: a node of its own, with no links.
            alone = occ.filter(occ.node.isin(split_nodes)).select("node").distinct()
            nodes = ibis.union(nodes, alone).distinct()
        components = connected_components(nodes, edges, materialize, count)
        node_types = kept.select("node", "id_type", "rank").distinct(on="node")
        bad = over_limit(components, node_types, cfg)
        if extra_edges is not None:
            # A manual merge is a person's decision: its component is exempt from limits.
            manual = ibis.union(
                extra_edges.select(node=extra_edges.src), extra_edges.select(node=extra_edges.dst)
            )
            exempt = components.semi_join(manual, "node").select("component")
            bad = bad.anti_join(exempt, "component")
        bad = materialize(bad)
        if count(bad.count()) == 0:
            break
        # In each over-limit component, the lowest-priority identifiers give way.
        j = components.join(node_types, "node").join(bad.select("component"), "component")
        worst = j.group_by("component").aggregate(worst=j["rank"].max())
        jj = j.join(worst, "component")
        # Never drop the unique type that is over its limit: drop what links its values.
        give_way = jj.filter((jj["rank"] == jj.worst) & ~jj.id_type.isin(cfg.unique))
        more = give_way.select("node", reason=ibis.literal("over limit in its component"))
        if count(more.count()) == 0:
            break
        dropped_t = materialize(ibis.union(dropped_t, more).distinct(on="node"))
    return Graph(occurrences=occ, edges=edges, components=components, dropped=dropped_t)
