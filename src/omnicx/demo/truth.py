"""Ground truth: who every person is, which identifiers and records are theirs.

The pipeline never reads these files; tests and benchmarks score against them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omnicx.demo import noise, params
from omnicx.demo.catalog import World
from omnicx.demo.formats import codes, nulls_where, take
from omnicx.demo.people import NEVER, People, business_mailbox
from omnicx.demo.writers import ParquetWriter

IDENTIFIER_TYPES = (
    "email",
    "phone",
    "user_id",
    "anonymous_id",
    "loyalty_id",
    "device_id",
    "payment_token",
    "crm_id",
)

PERSONS_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("archetype", pa.string()),
        ("household_id", pa.string()),
        ("satisfaction", pa.float64()),
        ("churned", pa.bool_()),
        ("churn_date", pa.date32()),
        ("churned_at", pa.timestamp("ms", tz="UTC")),
        ("experiment_variant", pa.string()),
        ("first_name", pa.string()),
        ("last_name", pa.string()),
        ("email", pa.string()),
        ("phone", pa.string()),
        ("postcode", pa.string()),
        ("moved", pa.bool_()),
        ("move_date", pa.date32()),
        ("new_postcode", pa.string()),
        ("signup_date", pa.date32()),
        ("home_store_id", pa.string()),
        ("business_email", pa.string()),
        ("has_account", pa.bool_()),
        ("has_loyalty", pa.bool_()),
        ("app_user", pa.bool_()),
    ]
)
IDENTIFIERS_SCHEMA = pa.schema(
    [
        ("identifier_type", pa.string()),
        ("value", pa.string()),
        ("person_id", pa.string()),
        ("shared", pa.bool_()),
    ]
)
RECORDS_SCHEMA = pa.schema(
    [("source_kind", pa.string()), ("record_key", pa.string()), ("person_id", pa.string())]
)
ORDERS_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("person_id", pa.string()),
        ("delivery_issue", pa.string()),
        ("campaign_intent", pa.bool_()),
        ("experiment_variant", pa.string()),
    ]
)
SENDS_SCHEMA = pa.schema(
    [
        ("campaign_id", pa.string()),
        ("channel", pa.string()),
        ("person_id", pa.string()),
        ("sent_at", pa.timestamp("ms", tz="UTC")),
        ("held_out", pa.bool_()),
        ("bounced", pa.bool_()),
        ("purchase_intent", pa.bool_()),
        ("expected_incremental_orders", pa.float64()),
    ]
)


class Truth:
    """Collects one chunk's truth at a time and appends it to the ground-truth files."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.persons = ParquetWriter(directory / "persons.parquet", PERSONS_SCHEMA)
        self.identifiers = ParquetWriter(directory / "identifiers.parquet", IDENTIFIERS_SCHEMA)
        self.records = ParquetWriter(directory / "records.parquet", RECORDS_SCHEMA)
        self.orders = ParquetWriter(directory / "orders.parquet", ORDERS_SCHEMA)
        self.sends = ParquetWriter(directory / "campaign_sends.parquet", SENDS_SCHEMA)
        self._ids: list[pa.Table] = []
        self._records: list[pa.Table] = []
        self._people: People | None = None

    def start_chunk(self, people: People) -> None:
        self._people = people
        self._ids, self._records = [], []

    def identifier(self, kind: str, values: pa.Array, person: np.ndarray) -> None:
        """Identifier values as written in a source, with the person (-1: nobody) of each."""
        if kind not in IDENTIFIER_TYPES:
            raise ValueError(
                f"unknown identifier type {kind!r}; expected one of {IDENTIFIER_TYPES}"
            )
        mask = pc.is_valid(values).to_numpy(zero_copy_only=False) & (np.asarray(person) >= 0)
        if not mask.any():
            return
        self._ids.append(
            pa.table(
                {
                    "identifier_type": pa.array(np.full(int(mask.sum()), kind)),
                    "value": values.filter(pa.array(mask)),
                    "person": pa.array(np.asarray(person)[mask], pa.int64()),
                }
            )
        )

    def identifiers_of(self, table: pa.Table, person: np.ndarray) -> None:
        """Every identifier column of a source table."""
        for kind in IDENTIFIER_TYPES:
            if kind in table.column_names:
                self.identifier(kind, table.column(kind).combine_chunks(), person)

    def record(self, kind: str, keys: pa.Array, person: np.ndarray) -> None:
        """Natural keys of one source kind's records, with their person (-1: nobody)."""
        self._records.append(
            pa.table(
                {
                    "source_kind": pa.array(np.full(len(keys), kind)),
                    "record_key": keys,
                    "person": pa.array(np.asarray(person), pa.int64()),
                }
            )
        )

    def end_chunk(self, world: World) -> None:
        people = self._people
        if people is None:
            raise RuntimeError("end_chunk() without start_chunk()")
        if self._ids:
            ids = pa.concat_tables(self._ids)
            ids = ids.group_by(["identifier_type", "value", "person"], use_threads=False).aggregate(
                []
            )
            counts = ids.group_by(["identifier_type", "value"], use_threads=False).aggregate(
                [("person", "count")]
            )
            ids = ids.join(counts, ["identifier_type", "value"], use_threads=False)
            ids = ids.sort_by(
                [("identifier_type", "ascending"), ("value", "ascending"), ("person", "ascending")]
            )
            person = ids.column("person").to_numpy()
            self.identifiers.write(
                pa.table(
                    {
                        "identifier_type": ids.column("identifier_type"),
                        "value": ids.column("value"),
                        "person_id": people.person_ids(person - people.offset),
                        "shared": pc.greater(ids.column("person_count"), 1),
                    }
                )
            )
        if self._records:
            rec = pa.concat_tables(self._records)
            rec = rec.group_by(
                ["source_kind", "record_key", "person"], use_threads=False
            ).aggregate([])
            rec = rec.sort_by([("source_kind", "ascending"), ("record_key", "ascending")])
            person = rec.column("person").to_numpy()
            self.records.write(
                pa.table(
                    {
                        "source_kind": rec.column("source_kind"),
                        "record_key": rec.column("record_key"),
                        "person_id": nulls_where(
                            person < 0, people.person_ids(np.maximum(person, 0) - people.offset)
                        ),
                    }
                )
            )
        self.persons.write(persons_table(world, people))
        self._people = None

    def close(self) -> dict[str, Path]:
        files = {}
        for writer in (self.persons, self.identifiers, self.records, self.orders, self.sends):
            writer.close()
            files[writer.path.stem] = writer.path
        return files


def persons_table(world: World, people: People) -> pa.Table:
    cal = world.calendar
    idx = np.arange(people.n)
    churned = people.churn_time != NEVER
    churn_day = np.where(churned, (people.churn_time - cal.t0) // 86_400, 0) + cal.epoch_day0
    move_day = (
        np.where(people.moved, (np.minimum(people.move_time, cal.end) - cal.t0) // 86_400, 0)
        + cal.epoch_day0
    )
    return pa.table(
        {
            "person_id": people.person_ids(),
            "archetype": take(params.ARCHETYPE_NAMES, people.archetype),
            "household_id": codes("H", people.household + 1, 7),
            "satisfaction": np.round(people.satisfaction, 4),
            "churned": churned,
            "churn_date": pa.array(churn_day.astype(np.int32), pa.date32(), mask=~churned),
            "churned_at": pa.array(
                np.where(churned, people.churn_time, 0) * 1000,
                pa.timestamp("ms", tz="UTC"),
                mask=~churned,
            ),
            "experiment_variant": take(
                [v for _, v in params.EXPERIMENT_VARIATIONS], people.variant
            ),
            "first_name": noise.true_first_names(people, idx),
            "last_name": noise.true_last_names(people, idx),
            "email": noise.clean_emails(people, idx),
            "phone": noise.e164(people, idx),
            "postcode": noise.true_postcodes(people, idx),
            "moved": people.moved,
            "move_date": pa.array(move_day.astype(np.int32), pa.date32(), mask=~people.moved),
            "new_postcode": nulls_where(~people.moved, noise.true_postcodes(people, idx, new=True)),
            "signup_date": pa.array(
                (cal.epoch_day0 + people.signup_day).astype(np.int32), pa.date32()
            ),
            "home_store_id": take(world.stores.ids, people.home.store),
            "business_email": nulls_where(
                people.business < 0, business_mailbox(np.maximum(people.business, 0))
            ),
            "has_account": people.account,
            "has_loyalty": people.loyalty,
            "app_user": people.app_user,
        }
    )
