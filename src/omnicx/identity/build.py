"""Identity resolution end to end: graph, probabilistic matches, stable customer ids.

``resolve_identities(ws)`` reads the event log and entity tables and writes:

- ``identity_map``: every identifier (node) and its ``customer_id``;
- ``identity_records``: every event (``record_id`` = message id) and its ``customer_id``;
- ``identity_links``: why identifiers are together (same record, match weight, manual);
- ``identity_dropped``: identifiers kept out of the graph, with the reason;
- ``identity_changes``: merges and splits against the previous build.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from omnicx.identity.graph import build_graph
from omnicx.ingest.canonical import record_message_id
from omnicx.portable import trim

if TYPE_CHECKING:
    from omnicx.workspace import Workspace

Step = Callable[[str], None]

# Entity tables that carry a person's name and contact details, for probabilistic
# matching and survivorship: (table, source kind, columns present).
PERSON_SOURCES = (
    ("crm_customers", "crm_customers"),
    ("orders", "orders"),
    ("survey_responses", "surveys"),
    ("support_cases", "support_cases"),
    ("pos_lines", "pos"),
)
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "address",
    "postcode",
    "city",
    "birth_date",
)


# Matching role -> person record column.
MATCH_ROLES = {("dob" if f == "birth_date" else f): f for f in PERSON_FIELDS}


def matching_frame(people: pd.DataFrame) -> pd.DataFrame:
    """Person records as ``match_records`` takes them: record_id + fields, None for NA."""
    frame = people[["record_id", *PERSON_FIELDS]].astype(object)
    return frame.where(frame.notna(), None)


@dataclass
class IdentityResult:
    customers: int = 0
    identifiers: int = 0
    records: int = 0
    deterministic_components: int = 0
    probabilistic_merges: int = 0
    dropped: int = 0
    kept_ids: float = 1.0  # share of previous customer ids that survived
    changes: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def normalized_maps(ws: Workspace, events: ir.Table) -> dict[str, ir.Table]:
    """raw -> normalised value tables for e-mails and phones (Python libraries, once per
    distinct value)."""
    from omnicx.identity.normalize import normalize_email, normalize_phone

    cfg = ws.settings.identity
    region = ws.settings.workspace.default_region
    maps = {}
    for column, fn in (
        (
            "email",
            lambda v: normalize_email(
                v, strip_plus=cfg.email_strip_plus, gmail_dots=cfg.email_ignore_dots
            ),
        ),
        ("phone", lambda v: normalize_phone(v, region)),
    ):
        raw = ws.engine.to_arrow(events.select(raw=trim(events[column])).distinct())
        values = [v for v in raw.column("raw").to_pylist() if v]
        table = pa.table(
            {
                "raw": pa.array(values, pa.string()),
                "value": pa.array([fn(v) for v in values], pa.string()),
            }
        )
        maps[column] = ws.engine.from_arrow(table)
    return maps


def person_records(ws: Workspace) -> ir.Table:
    """One row per source record with a person's details, keyed by its event's id."""
    parts = []
    for table, kind in PERSON_SOURCES:
        t = ws.table(table)
        if kind == "pos":
            t = t.filter(t.first_name.notnull() | t.email.notnull() | t.phone.notnull())
            t = t.group_by(["store_id", "transaction_id"]).aggregate(
                ts=t.occurred_at.min(),
                **{c: t[c].max() for c in PERSON_FIELDS if c != "birth_date"},
            )
        cols: dict[str, ir.Value] = {}
        for c in PERSON_FIELDS:
            cols[c] = t[c].cast("string") if c in t.columns else ibis.null().cast("string")
        ts = {
            "crm_customers": "updated_at",
            "orders": "ordered_at",
            "surveys": "responded_at",
            "support_cases": "opened_at",
        }.get(kind, "ts")
        parts.append(
            t.select(
                record_id=record_message_id(kind, t),
                source_kind=ibis.literal(kind),
                ts=t[ts].cast("timestamp('UTC')"),
                **cols,
            )
        )
    return ibis.union(*parts)


def _stable_ids(
    previous: pd.DataFrame | None, current: pd.DataFrame
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """component -> customer_id, inheriting the old id that overlaps most; and changes.

    ``previous`` and ``current`` have columns node and customer_id / component.
    """
    now = datetime.now(UTC)
    assigned: dict[str, str] = {}
    changes: list[dict[str, Any]] = []
    if previous is not None and len(previous):
        j = current.merge(previous, on="node", how="inner")
        overlap = j.groupby(["component", "customer_id"]).size().reset_index(name="n")
        overlap = overlap.sort_values(
            ["n", "customer_id", "component"], ascending=[False, True, True]
        )
        taken: set[str] = set()
        for row in overlap.itertuples():
            if row.component in assigned or row.customer_id in taken:
                continue
            assigned[row.component] = row.customer_id
            taken.add(row.customer_id)
        for comp, ids in overlap.groupby("component")["customer_id"]:
            if ids.nunique() > 1:
                changes.append(
                    {
                        "change": "merge",
                        "customer_id": assigned.get(comp, ""),
                        "other_ids": ",".join(sorted(set(ids) - {assigned.get(comp)})),
                        "at": now,
                    }
                )
        for old, comps in overlap.groupby("customer_id")["component"]:
            if comps.nunique() > 1:
                changes.append(
                    {
                        "change": "split",
                        "customer_id": old,
                        "other_ids": ",".join(
                            sorted(assigned.get(c, c) for c in comps if assigned.get(c) != old)
                        ),
                        "at": now,
                    }
                )
    for comp in current["component"].unique():
        if comp not in assigned:
            assigned[comp] = (
                "C" + hashlib.md5(comp.encode(), usedforsecurity=False).hexdigest()[:12]
            )
    return assigned, changes


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(x, x) != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> str:
        ra, rb = self.find(a), self.find(b)
        root, child = (ra, rb) if ra < rb else (rb, ra)
        self.parent[child] = root
        return root


def different_first_names(a: object, b: object) -> bool:
    """Whether two first names belong to two people (not a nickname, typo or initial).

    Members of one household share a surname, an address and often a phone; a matching
    model that weighs those can link them, so their first names have the last word.
    """
    from rapidfuzz.distance import JaroWinkler

    from omnicx.identity.normalize import canonical_first_name, normalize_name

    na, nb = normalize_name(a), normalize_name(b)
    if not na or not nb:
        return False
    if canonical_first_name(na) == canonical_first_name(nb):
        return False
    if len(na) == 1 or len(nb) == 1:
        return na[0] != nb[0]
    return bool(JaroWinkler.similarity(na, nb) < 0.88)


def probabilistic_merges(
    ws: Workspace,
    records: pd.DataFrame,
    uniques: dict[str, dict[str, set[str]]],
    step: Step,
) -> tuple[dict[str, str], pd.DataFrame]:
    """Components merged by Splink matches, subject to the unique-type guard.

    ``records`` has record_id, component and the person fields; ``uniques`` maps a
    component to its values of each unique identifier type. Returns component ->
    merged component, and the accepted match pairs (for explanation).
    """
    from omnicx.identity.matching import MatchSettings, match_records

    cfg = ws.settings.identity
    usable = records.dropna(subset=["last_name"]).drop_duplicates("record_id")
    empty = pd.DataFrame(
        columns=["record_id_l", "record_id_r", "match_probability", "match_weight"]
    )
    if len(usable) < 10:
        return {}, empty
    step("matching")
    result = match_records(
        matching_frame(usable),
        None,
        id_column="record_id",
        columns=MATCH_ROLES,
        settings=MatchSettings(threshold=cfg.match_threshold),
    )
    pairs = result.pairs
    comp = dict(zip(usable["record_id"], usable["component"], strict=True))
    first = dict(zip(usable["record_id"], usable["first_name"], strict=True))
    uf = _UnionFind()
    members: dict[str, dict[str, set[str]]] = {}
    accepted = []
    for row in pairs.sort_values("match_probability", ascending=False).itertuples():
        a, b = comp.get(str(row.id_l)), comp.get(str(row.id_r))
        if a is None or b is None:
            continue
        if different_first_names(first.get(str(row.id_l)), first.get(str(row.id_r))):
            continue  # same surname and address, another first name: a household member
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            continue
        ua = members.get(ra, uniques.get(ra, {}))
        ub = members.get(rb, uniques.get(rb, {}))
        conflict = any(
            len(ua.get(t, set()) | ub.get(t, set())) > cfg.limits.get(t, 1) for t in cfg.unique
        )
        if conflict:
            continue
        root = uf.union(ra, rb)
        members[root] = {t: ua.get(t, set()) | ub.get(t, set()) for t in cfg.unique}
        accepted.append(
            (row.id_l, row.id_r, row.match_probability, getattr(row, "match_weight", None))
        )
    mapping = {c: uf.find(c) for c in set(comp.values()) if uf.find(c) != c}
    return mapping, pd.DataFrame(accepted, columns=empty.columns)


def resolve_identities(ws: Workspace, step: Step | None = None) -> IdentityResult:
    """Run identity resolution and write the identity tables (see module docstring)."""
    import time

    from omnicx.identity.overrides import load_overrides

    say = step or (lambda _s: None)
    cfg = ws.settings.identity
    engine = ws.engine
    result = IdentityResult()
    t0 = time.perf_counter()

    def count(expr: ir.Expr) -> int:
        return int(engine.execute(expr))

    events = ws.table("events")
    say("normalising identifiers")
    maps = normalized_maps(ws, events)
    merges, splits = load_overrides(ws)
    extra = None
    if merges:
        extra = ibis.memtable(
            {"src": [a for a, _ in merges], "dst": [b for _, b in merges]},
            schema={"src": "string", "dst": "string"},
        )
        extra = engine.from_arrow(extra.to_pyarrow()).mutate(
            rule=ibis.literal("manual merge"), record_id=ibis.null().cast("string")
        )
    say("building the identity graph")
    graph = build_graph(
        events, maps, cfg, engine.materialize, count, extra_edges=extra, split_nodes=splits
    )
    result.seconds["graph"] = time.perf_counter() - t0

    gone = graph.dropped.filter(graph.dropped.reason != "manual split")
    occ = graph.occurrences.anti_join(gone, "node")
    anchor_w = ibis.window(group_by=occ.record_id, order_by=[occ["rank"], occ.node])
    anchors = (
        occ.mutate(anchor=occ.node.first().over(anchor_w)).select("record_id", "anchor").distinct()
    )
    rec = anchors.join(graph.components, anchors.anchor == graph.components.node)
    record_comp = engine.to_arrow(rec.select("record_id", "component")).to_pandas()
    nodes = engine.to_arrow(
        graph.components.join(
            occ.select("node", "id_type", "id_value").distinct(on="node"), "node"
        ).select("node", "component", "id_type", "id_value")
    ).to_pandas()
    result.deterministic_components = nodes["component"].nunique()

    mapping: dict[str, str] = {}
    matched = pd.DataFrame(
        columns=["record_id_l", "record_id_r", "match_probability", "match_weight"]
    )
    if cfg.probabilistic:
        t1 = time.perf_counter()
        people = engine.to_arrow(person_records(ws)).to_pandas()
        people = people.merge(record_comp, on="record_id", how="left")
        people["component"] = people["component"].fillna("record:" + people["record_id"])
        uniq_nodes = nodes[nodes["id_type"].isin(cfg.unique)]
        uniques: dict[str, dict[str, set[str]]] = {}
        for row in uniq_nodes.itertuples():
            uniques.setdefault(row.component, {}).setdefault(row.id_type, set()).add(row.id_value)
        mapping, matched = probabilistic_merges(ws, people, uniques, say)
        result.probabilistic_merges = len(matched)
        result.seconds["matching"] = time.perf_counter() - t1
        # Records with no identifier at all that matched someone join that person.
        orphans = people[people["component"].str.startswith("record:")]
        extra_rows = orphans[["record_id", "component"]]
        record_comp = pd.concat([record_comp, extra_rows], ignore_index=True)
        node_extra = orphans.assign(
            node="record:" + orphans["record_id"], id_type="record", id_value=orphans["record_id"]
        )
        nodes = pd.concat(
            [nodes, node_extra[["node", "component", "id_type", "id_value"]]], ignore_index=True
        )

    def final(c: str) -> str:
        return mapping.get(c, c)

    nodes["component"] = nodes["component"].map(final)
    record_comp["component"] = record_comp["component"].map(final)

    say("assigning stable customer ids")
    previous = None
    if ws.has_derived("identity_map"):
        previous = ws.to_pandas(ws.table("identity_map").select("node", "customer_id"))
    ids, changes = _stable_ids(previous, nodes[["node", "component"]])
    nodes["customer_id"] = nodes["component"].map(ids)
    record_comp["customer_id"] = record_comp["component"].map(ids)
    if previous is not None and len(previous):
        old = set(previous["customer_id"])
        result.kept_ids = len(old & set(ids.values())) / len(old)

    links = engine.to_arrow(graph.edges.select("src", "dst", "rule", "record_id")).to_pandas()
    links["match_probability"] = None
    if len(matched):
        rc = dict(zip(record_comp["record_id"], record_comp["customer_id"], strict=False))
        m = pd.DataFrame(
            {
                "src": "record:" + matched["record_id_l"].astype(str),
                "dst": "record:" + matched["record_id_r"].astype(str),
                "rule": "match weight "
                + matched["match_weight"].astype(float).round(1).astype(str),
                "record_id": matched["record_id_l"].astype(str),
                "match_probability": matched["match_probability"].astype(float),
            }
        )
        m["customer_id"] = m["record_id"].map(rc)
        links = pd.concat([links, m.drop(columns="customer_id")], ignore_index=True)
    node_customer = dict(zip(nodes["node"], nodes["customer_id"], strict=False))
    links["customer_id"] = links["src"].map(node_customer)

    dropped = engine.to_arrow(graph.dropped).to_pandas()
    ws.write_derived("identity_map", nodes[["node", "id_type", "id_value", "customer_id"]])
    ws.write_derived(
        "identity_records", record_comp[["record_id", "customer_id"]].drop_duplicates("record_id")
    )
    ws.write_derived("identity_links", links.astype({"match_probability": "float64"}))
    ws.write_derived("identity_dropped", dropped)
    history = (
        ws.to_pandas("identity_changes")
        if ws.has_derived("identity_changes")
        else pd.DataFrame(columns=["change", "customer_id", "other_ids", "at"])
    )
    new_changes = pd.DataFrame(changes, columns=["change", "customer_id", "other_ids", "at"])
    ws.write_derived(
        "identity_changes",
        pd.concat([history, new_changes], ignore_index=True).astype({"at": "datetime64[us, UTC]"})
        if len(history) or len(new_changes)
        else new_changes.assign(at=pd.Series([], dtype="datetime64[us, UTC]")),
    )
    result.customers = nodes["customer_id"].nunique()
    result.identifiers = len(nodes)
    result.records = len(record_comp)
    result.dropped = len(dropped)
    result.changes = len(changes)
    result.seconds["total"] = time.perf_counter() - t0
    return result
