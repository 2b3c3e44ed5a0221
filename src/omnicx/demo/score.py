"""Score identity resolution against the demo's ground truth (tests and benchmarks only).

Pairwise: two source records are a true pair when the ground truth says they are the
same person, a predicted pair when they got the same customer id. Recall is reported
twice: over all true pairs, and over the *linkable* ones, i.e. pairs of records that
share evidence a resolver could use: a common identifier (after normalisation) or,
for records that carry a name, the same normalised name and postcode / e-mail / phone.
A till receipt paid with a card token that never appears anywhere else describes a
person no resolver can find; counting it would measure the data, not the resolver.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from omnicx.schema.events import IDENTIFIER_COLUMNS

if TYPE_CHECKING:
    from omnicx.workspace import Workspace

_KEYS = {
    "orders": ("orders", "order_id"),
    "crm_customers": ("crm_customers", "crm_id"),
    "surveys": ("survey_responses", "response_id"),
    "support_cases": ("support_cases", "case_id"),
    "social_mentions": ("social_mentions", "mention_id"),
    "returns": ("returns", "return_id"),
}


@dataclass
class IdentityScore:
    records: int
    true_pairs: int
    linkable_pairs: int
    predicted_pairs: int
    true_positives: int
    linkable_true_positives: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        """Over the linkable pairs (see the module docstring)."""
        return self.linkable_true_positives / self.linkable_pairs if self.linkable_pairs else 1.0

    @property
    def recall_all(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __str__(self) -> str:
        return (
            f"precision {self.precision:.4f}  recall {self.recall:.4f} (linkable; "
            f"{self.recall_all:.4f} of all true pairs)  F1 {self.f1:.4f}  "
            f"[{self.records:,} records, {self.predicted_pairs:,} predicted pairs, "
            f"{self.linkable_pairs:,} linkable of {self.true_pairs:,} true pairs]"
        )


def _pairs(frame: pd.DataFrame, cols: list[str]) -> int:
    sizes = frame.groupby(cols).size()
    return int((sizes * (sizes - 1) // 2).sum())


def record_keys(ws: Workspace) -> pd.DataFrame:
    """Ground-truth record keys -> event ids (record_id)."""
    import ibis

    from omnicx.ingest.canonical import record_message_id

    parts = []
    for kind, (table, key) in _KEYS.items():
        t = ws.table(table)
        if kind == "returns":
            t = t.select("return_id", "sku").distinct()
        expr = t.select(record_key=t[key], record_id=record_message_id(kind, t)).distinct(
            on="record_key"
        )
        parts.append(ws.to_pandas(expr).assign(source_kind=kind))
    p = ws.table("pos_lines").select("store_id", "transaction_id").distinct()
    parts.append(
        ws.to_pandas(
            p.select(
                record_key=p.store_id + ibis.literal("|") + p.transaction_id,
                record_id=record_message_id("pos", p),
            )
        ).assign(source_kind="pos")
    )
    return pd.concat(parts, ignore_index=True)


def _linkable_groups(ws: Workspace, recs: pd.DataFrame) -> pd.Series:
    """A group label per record: records sharing usable evidence, within one person."""
    from omnicx.identity.build import person_records
    from omnicx.identity.normalize import normalize_email, normalize_name, normalize_phone

    ev = ws.to_pandas(ws.table("events").select("message_id", *IDENTIFIER_COLUMNS))
    ev = ev[ev["message_id"].isin(set(recs["record_id"]))]
    people = ws.to_pandas(person_records(ws))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    person = dict(zip(recs["record_id"], recs["person_id"], strict=False))
    keys: dict[tuple[str, str], str] = {}

    def link(record: str, token: str) -> None:
        k = (person[record], token)
        if k in keys:
            union(keys[k], record)
        else:
            keys[k] = record

    for row in ev.itertuples(index=False):
        for col in IDENTIFIER_COLUMNS:
            value = getattr(row, col)
            if value is None or value != value:
                continue
            if col == "email":
                value = normalize_email(value) or value
            elif col == "phone":
                value = normalize_phone(value) or value
            link(row.message_id, f"{col}:{str(value).strip().lower()}")
    for row in people[people["record_id"].isin(set(person))].itertuples(index=False):
        name = f"{normalize_name(row.first_name)} {normalize_name(row.last_name)}"
        if row.last_name is None:
            continue
        for field, value in (
            ("postcode", row.postcode),
            ("email", row.email),
            ("phone", row.phone),
        ):
            if value:
                if field == "email":
                    norm = normalize_email(value)
                elif field == "phone":
                    norm = normalize_phone(value)
                else:
                    norm = str(value).replace(" ", "").upper()
                link(row.record_id, f"{name}|{field}:{norm}")
    return recs["record_id"].map(lambda r: find(r))


def score_identity(ws: Workspace, ground_truth: Path) -> IdentityScore:
    """Pairwise precision and recall of ``identity_records`` against the ground truth."""
    truth = pd.read_parquet(ground_truth / "records.parquet")
    truth = truth.dropna(subset=["person_id"])
    recs = truth.merge(record_keys(ws), on=["source_kind", "record_key"])
    resolved = ws.to_pandas("identity_records")
    recs = recs.merge(resolved, on="record_id", how="left")
    recs["customer_id"] = recs["customer_id"].fillna("unresolved:" + recs["record_id"])
    recs["group"] = _linkable_groups(ws, recs)
    return IdentityScore(
        records=len(recs),
        true_pairs=_pairs(recs, ["person_id"]),
        linkable_pairs=_pairs(recs, ["group"]),
        predicted_pairs=_pairs(recs, ["customer_id"]),
        true_positives=_pairs(recs, ["person_id", "customer_id"]),
        linkable_true_positives=_pairs(recs, ["group", "customer_id"]),
    )
