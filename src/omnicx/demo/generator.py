"""The demo retailer: every source file of a synthetic omnichannel retailer, with ground truth.

Customers are simulated in chunks (each with its own random stream) so memory stays
bounded and time grows linearly with the number of customers; the catalogue, stores,
promotions, stock-outs and campaigns are shared by all chunks.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from omnicx.demo import crm, feedback, instore, messaging, noise, orders, params, service
from omnicx.demo.calendar import DAY
from omnicx.demo.catalog import World, build_world
from omnicx.demo.events import render_events
from omnicx.demo.formats import concat, iso_dates, iso_utc, money, nulls_where, take, timestamps
from omnicx.demo.people import NEVER
from omnicx.demo.sessions import APP
from omnicx.demo.simulation import Chunk, simulate_chunk
from omnicx.demo.supply import Supply
from omnicx.demo.table import Rows
from omnicx.demo.truth import Truth
from omnicx.demo.vocab import CATEGORIES, CITIES, RETAILER
from omnicx.demo.writers import CsvWriter, JsonLinesWriter, ParquetWriter
from omnicx.schema.sources import SOURCE_KINDS

CHUNK_SIZE = 20_000
EVENT_BATCH = 500_000  # events rendered to JSON at a time
EVENTS_FILE = "events.jsonl"
SOURCE_FILES = {
    "orders": "orders.csv",
    "order_lines": "order_lines.parquet",
    "pos": "pos.csv",
    "returns": "returns.csv",
    "crm_customers": "crm_customers.csv",
    "email_engagement": "email_engagement.parquet",
    "surveys": "surveys.jsonl",
    "support_cases": "support_cases.csv",
    "store_visits": "store_visits.parquet",
    "social_mentions": "social_mentions.jsonl",
    "products": "products.csv",
    "stores": "stores.csv",
    "inventory": "inventory.parquet",
}
_TS = pa.timestamp("ms", tz="UTC")
PARQUET_SCHEMAS = {
    "order_lines": pa.schema(
        [
            ("order_id", pa.string()),
            ("line_number", pa.int32()),
            ("sku", pa.string()),
            ("quantity", pa.int32()),
            ("unit_price", pa.float64()),
            ("discount", pa.float64()),
        ]
    ),
    "email_engagement": pa.schema(
        [("occurred_at", _TS)]
        + [
            (name, pa.string())
            for name in (
                "campaign_id",
                "event_type",
                "channel",
                "email",
                "phone",
                "device_id",
                "campaign_name",
                "url",
            )
        ]
    ),
    "store_visits": pa.schema(
        [
            ("store_id", pa.string()),
            ("device_id", pa.string()),
            ("entered_at", _TS),
            ("exited_at", _TS),
            ("detector", pa.string()),
            ("zone", pa.string()),
            ("user_id", pa.string()),
        ]
    ),
    "inventory": pa.schema(
        [
            ("snapshot_date", pa.date32()),
            ("store_id", pa.string()),
            ("sku", pa.string()),
            ("on_hand", pa.int64()),
            ("on_order", pa.int64()),
        ]
    ),
}
Progress = Callable[[str, float], None]
P = TypeVar("P", bound=Rows)
C = TypeVar("C", bound=Rows)


@dataclass
class DemoManifest:
    """What ``generate`` wrote: one file per source kind, the ground truth, row counts.

    ``sources`` maps each source kind, and ``"events"`` (the Segment messages), to its file.
    """

    sources: dict[str, Path]
    ground_truth_dir: Path
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Stats:
    """Run-wide tallies for truth.json."""

    checkouts: np.ndarray = field(default_factory=lambda: np.zeros(2))
    converted: np.ndarray = field(default_factory=lambda: np.zeros(2))
    p_order: np.ndarray = field(default_factory=lambda: np.zeros(2))
    delivered: np.ndarray = field(default_factory=lambda: np.zeros(3))
    effect: np.ndarray = field(default_factory=lambda: np.zeros(3))
    held_out: np.ndarray = field(default_factory=lambda: np.zeros(3))
    archetypes: np.ndarray = field(default_factory=lambda: np.zeros(len(params.ARCHETYPES)))
    churned: np.ndarray = field(default_factory=lambda: np.zeros(len(params.ARCHETYPES)))


class _Sources:
    """The open writers of every source file."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.csv: dict[str, CsvWriter] = {}
        self.parquet: dict[str, ParquetWriter] = {}
        self.jsonl: dict[str, JsonLinesWriter] = {}
        for kind, name in SOURCE_FILES.items():
            path = directory / name
            if name.endswith(".csv"):
                self.csv[kind] = CsvWriter(path, SOURCE_KINDS[kind].field_names)
            elif name.endswith(".parquet"):
                self.parquet[kind] = ParquetWriter(path, PARQUET_SCHEMAS[kind])
            else:
                self.jsonl[kind] = JsonLinesWriter(path)
        self.events = JsonLinesWriter(directory / EVENTS_FILE, keep_nulls=False)

    def close(self) -> dict[str, int]:
        counts = {}
        writers: list[tuple[str, CsvWriter | ParquetWriter | JsonLinesWriter]] = [
            *self.csv.items(),
            *self.parquet.items(),
            *self.jsonl.items(),
        ]
        for kind, writer in writers:
            writer.close()
            counts[kind] = writer.rows
        self.events.close()
        counts["events"] = self.events.rows
        return counts


def generate(
    out_dir: Path,
    customers: int = 2000,
    seed: int = 7,
    start: dt.date = dt.date(2025, 1, 1),
    days: int = 365,
    progress: Progress | None = None,
) -> DemoManifest:
    """Write the demo retailer's sources and ground truth under ``out_dir``.

    Sources go to ``out_dir/sources``, truth to ``out_dir/ground_truth``; ``progress`` is
    called with (step, fraction done). Same arguments, same bytes. Raises ``ValueError``
    for fewer than 1 customer or fewer than 28 days.
    """
    if customers < 1:
        raise ValueError(f"customers must be at least 1, got {customers}")
    if days < 28:
        raise ValueError(f"days must be at least 28 (four weeks), got {days}")

    def report(step: str, fraction: float) -> None:
        if progress is not None:
            progress(step, fraction)

    out_dir = Path(out_dir)
    world = build_world(customers, seed, start, days)
    sources = _Sources(out_dir / "sources")
    truth = Truth(out_dir / "ground_truth")
    supply = Supply(world)
    stats = _Stats()
    sources.csv["products"].write(_products_table(world))
    sources.csv["stores"].write(_stores_table(world))
    report("catalogue", 0.02)
    chunks = math.ceil(customers / CHUNK_SIZE)
    for chunk in range(chunks):
        offset = chunk * CHUNK_SIZE
        c = simulate_chunk(world, seed, chunk, offset, min(CHUNK_SIZE, customers - offset))
        _write_chunk(world, c, sources, truth, supply, stats)
        report("customers", 0.02 + 0.9 * (chunk + 1) / chunks)
    sources.parquet["inventory"].write(supply.inventory_table())
    report("inventory", 0.95)
    pq.write_table(
        supply.demand_table(), out_dir / "ground_truth" / "demand.parquet", compression="zstd"
    )
    truth.close()
    counts = sources.close()
    summary = _truth_json(world, customers, seed, days, stats, counts)
    (out_dir / "ground_truth" / "truth.json").write_text(
        json.dumps(summary, indent=2, sort_keys=True) + "\n"
    )
    report("ground truth", 1.0)
    files = {kind: sources.directory / name for kind, name in SOURCE_FILES.items()}
    return DemoManifest(
        sources={**files, "events": sources.directory / EVENTS_FILE},
        ground_truth_dir=out_dir / "ground_truth",
        counts=counts,
    )


def _write_chunk(
    world: World, c: Chunk, out: _Sources, truth: Truth, supply: Supply, stats: _Stats
) -> None:
    """Append one chunk's rows to every source file and its truth to the ground truth."""
    rng, people, sessions = c.rng, c.people, c.sessions
    chunk, offset = people.chunk, people.offset
    order_rows, lines, receipts, returns, cases = c.orders, c.lines, c.receipts, c.returns, c.cases
    sends, views, timeline, facts, anon_table = c.sends, c.views, c.timeline, c.facts, c.anon_table
    trips, surveys, mentions, alive_session = c.trips, c.surveys, c.mentions, c.alive_session
    pos_lines, churn = c.pos_lines, people.churn_time

    def person_ids(local: np.ndarray) -> np.ndarray:
        return np.where(local >= 0, offset + local, -1)

    truth.start_chunk(people)
    # Online orders and their lines.
    anon_of_order = anon_table.take(pa.array(sessions.anon[order_rows.session]))
    table = orders.orders_table(rng, world, people, order_rows, facts, anon_of_order)
    out.csv["orders"].write(table)
    truth.identifiers_of(table, person_ids(order_rows.person))
    truth.record("orders", table.column("order_id").combine_chunks(), person_ids(order_rows.person))
    out.parquet["order_lines"].write(orders.order_lines_table(world, order_rows, lines))
    # Store receipts.
    table, person = instore.pos_table(rng, world, people, receipts, pos_lines)
    out.csv["pos"].write(table)
    truth.identifiers_of(table, person_ids(person))
    truth.record("pos", instore.receipt_keys(world, receipts), person_ids(receipts.person))
    # Returns and support.
    table = service.returns_table(rng, world, people, returns, order_rows, receipts)
    out.csv["returns"].write(table)
    truth.identifiers_of(table, person_ids(returns.person))
    truth.record("returns", table.column("return_id").combine_chunks(), person_ids(returns.person))
    table = service.cases_table(rng, world, people, cases, order_rows)
    out.csv["support_cases"].write(table)
    truth.identifiers_of(table, person_ids(cases.person))
    truth.record(
        "support_cases", table.column("case_id").combine_chunks(), person_ids(cases.person)
    )
    # CRM, messaging, visits.
    table, person = crm.crm_table(rng, world, people)
    out.csv["crm_customers"].write(table)
    truth.identifiers_of(table, person_ids(person))
    truth.record("crm_customers", table.column("crm_id").combine_chunks(), person_ids(person))
    table, person = messaging.engagement_table(world, people, sends)
    out.parquet["email_engagement"].write(table)
    truth.identifiers_of(table, person_ids(person))
    table, person = instore.visits_table(world, people, trips, rng)
    out.parquet["store_visits"].write(table)
    truth.identifiers_of(table, person_ids(person))
    entered = iso_utc(
        table.column("entered_at").combine_chunks().cast(pa.int64()).to_numpy() // 1000
    )
    keys = concat(
        table.column("store_id").combine_chunks(),
        "|",
        table.column("device_id").combine_chunks(),
        "|",
        entered,
    )
    truth.record("store_visits", keys, person_ids(person))
    # Surveys and social mentions.
    fields, _ = feedback.surveys_fields(rng, world, people, surveys, chunk)
    out.jsonl["surveys"].write_fields(fields)
    columns = {name: values for name, values, _ in fields}
    truth.identifiers_of(pa.table(columns), person_ids(surveys.person))
    truth.record("surveys", columns["response_id"], person_ids(surveys.person))
    fields, _ = feedback.mentions_fields(rng, people, mentions, chunk)
    out.jsonl["social_mentions"].write_fields(fields)
    columns = {name: values for name, values, _ in fields}
    truth.identifiers_of(pa.table({"email": columns["email"]}), person_ids(mentions.person))
    truth.record("social_mentions", columns["mention_id"], person_ids(mentions.person))

    # Web and app events.
    account = noise.PROFILES["account"]
    traits = (
        noise.emails(people, sessions.person, rng, account),
        noise.first_names(people, sessions.person, rng, account),
        noise.last_names(people, sessions.person, rng, account),
    )
    # In batches of whole sessions, to bound memory; each batch in time order.
    first_rows = np.flatnonzero(np.r_[True, timeline.session[1:] != timeline.session[:-1]])
    targets = np.searchsorted(first_rows, np.arange(0, len(timeline), EVENT_BATCH))
    cuts = np.unique(first_rows[np.minimum(targets, len(first_rows) - 1)])
    for lo, hi in zip(cuts, np.r_[cuts[1:], len(timeline)], strict=True):
        if hi <= lo:
            continue
        batch = timeline.take(np.arange(lo, hi))
        lines_json = render_events(
            rng, world, people, sessions, views, batch, anon_table, facts, traits
        )
        out.events.write_lines(lines_json.take(pa.array(np.argsort(batch.millis, kind="stable"))))
    alive = np.flatnonzero(alive_session)
    who = person_ids(sessions.person[alive])
    truth.identifier("anonymous_id", anon_table.take(pa.array(sessions.anon[alive])), who)
    truth.identifier(
        "user_id",
        nulls_where(~sessions.logged_in[alive], people.user_ids(sessions.person[alive])),
        who,
    )
    is_app = sessions.channel[alive] == APP
    truth.identifier(
        "device_id",
        nulls_where(~is_app, take(people.device_ids, np.where(is_app, sessions.device[alive], -1))),
        who,
    )
    identified = sessions.identify[alive] | sessions.signup[alive]
    truth.identifier("email", nulls_where(~identified, traits[0].take(pa.array(alive))), who)
    truth.identifier("email", facts.guest_email.take(pa.array(alive)), who)
    truth.end_chunk(world)

    # Ground truth beyond identity: orders, campaign sends, demand.
    truth.orders.write(
        pa.table(
            {
                "order_id": orders.order_ids(order_rows.number),
                "person_id": people.person_ids(order_rows.person),
                "delivery_issue": take(orders.ISSUES, order_rows.issue),
                "campaign_intent": order_rows.intent,
                "experiment_variant": take(
                    [v for _, v in params.EXPERIMENT_VARIATIONS], people.variant[order_rows.person]
                ),
            }
        )
    )
    truth.sends.write(
        pa.table(
            {
                "campaign_id": take(world.campaigns.ids, sends.campaign),
                "channel": take(messaging.CHANNELS, sends.channel),
                "person_id": people.person_ids(sends.person),
                "sent_at": timestamps(sends.sent_at * 1000, "ms"),
                "held_out": sends.held_out,
                "bounced": sends.bounced,
                "purchase_intent": sends.intent,
                "expected_incremental_orders": np.round(sends.effect, 6),
            }
        )
    )
    week = world.calendar.day_of(receipts.occurred_at[pos_lines.receipt]) // 7
    supply.add_sales(receipts.store[pos_lines.receipt], pos_lines.sku, week, pos_lines.quantity)
    online_week = world.calendar.day_of(order_rows.ordered_at[lines.order]) // 7
    supply.add_sales(
        np.full(len(lines), world.n_locations - 1),
        lines.sku,
        np.minimum(online_week, world.calendar.n_weeks - 1),
        lines.quantity,
    )
    supply.add_expected(people, people.n)

    # Tallies for truth.json.
    tested = alive_session & sessions.in_experiment
    arm = people.variant[sessions.person[tested]]
    stats.checkouts += np.bincount(arm, minlength=2)
    stats.converted += np.bincount(arm, weights=sessions.converted[tested], minlength=2)
    stats.p_order += np.bincount(arm, weights=sessions.p_order[tested], minlength=2)
    delivered = ~sends.held_out
    stats.delivered += np.bincount(sends.channel[delivered], minlength=3)
    stats.effect += np.bincount(
        sends.channel[delivered], weights=sends.effect[delivered], minlength=3
    )
    stats.held_out += np.bincount(sends.channel[sends.held_out], minlength=3)
    stats.archetypes += np.bincount(people.archetype, minlength=len(params.ARCHETYPES))
    stats.churned += np.bincount(
        people.archetype, weights=churn != NEVER, minlength=len(params.ARCHETYPES)
    )


def _products_table(world: World) -> pa.Table:
    p = world.products
    cal = world.calendar
    return pa.table(
        {
            "sku": pa.array(p.sku),
            "name": pa.array(p.name),
            "category": take([c[0] for c in CATEGORIES], p.category),
            "subcategory": pa.array(p.subcategory),
            "brand": pa.array(p.brand),
            "price": money(p.price),
            "cost": money(p.cost),
            "launched_at": iso_dates(cal.epoch_day0 + p.launched_day),
        }
    )


def _stores_table(world: World) -> pa.Table:
    s = world.stores
    return pa.table(
        {
            "store_id": pa.array(s.ids),
            "name": pa.array(s.name),
            "city": take([c[0] for c in CITIES], s.city),
            "postcode": pa.array(s.postcode),
            "region": take([c[1] for c in CITIES], s.city),
            "country": pa.array(["GB"] * len(s.ids)),
            "latitude": pa.array([f"{x:.5f}" for x in s.latitude]),
            "longitude": pa.array([f"{x:.5f}" for x in s.longitude]),
            "format": pa.array(s.format),
            "opened_at": pa.array([d.isoformat() for d in s.opened]),
        }
    )


def _truth_json(
    world: World, customers: int, seed: int, days: int, stats: _Stats, counts: dict[str, int]
) -> dict[str, object]:
    rate = stats.converted / np.maximum(stats.checkouts, 1)
    expected = stats.p_order / np.maximum(stats.checkouts, 1)
    channels = messaging.CHANNELS
    return {
        "retailer": RETAILER,
        "seed": seed,
        "customers": customers,
        "start": world.calendar.start.isoformat(),
        "days": days,
        "stores": len(world.stores.ids),
        "skus": len(world.products.sku),
        "chunk_size": CHUNK_SIZE,
        "parameters": params.truth_parameters(),
        "archetype_counts": {
            a: int(c) for a, c in zip(params.ARCHETYPE_NAMES, stats.archetypes, strict=True)
        },
        "churned_counts": {
            a: int(c) for a, c in zip(params.ARCHETYPE_NAMES, stats.churned, strict=True)
        },
        "experiment": {
            "experiment_id": params.EXPERIMENT_ID,
            "experiment_name": params.EXPERIMENT_NAME,
            "metric": "orders per Checkout Started (order_id joins events to orders.csv)",
            "start": (
                world.calendar.start + dt.timedelta(days=world.experiment_start_day)
            ).isoformat(),
            "true_relative_lift": params.EXPERIMENT_LIFT,
            "variants": {
                name: {
                    "variation_id": vid,
                    "checkouts": int(stats.checkouts[i]),
                    "orders": int(stats.converted[i]),
                    "true_conversion_rate": round(float(expected[i]), 6),
                    "observed_conversion_rate": round(float(rate[i]), 6),
                }
                for i, (vid, name) in enumerate(params.EXPERIMENT_VARIATIONS)
            },
            "true_absolute_lift": round(float(expected[1] - expected[0]), 6),
        },
        "campaign_effects": {
            channels[c]: {
                "delivered_sends": int(stats.delivered[c]),
                "held_out": int(stats.held_out[c]),
                "true_incremental_orders_per_send": round(
                    float(stats.effect[c] / max(stats.delivered[c], 1)), 6
                ),
                "intent_probability": params.INTENT_PROBABILITY[channels[c]],
                "window_days": params.INTENT_WINDOW_DAYS,
            }
            for c in range(len(channels))
        },
        "counts": counts,
        "notes": {
            "anonymous_receipts": "pos rows with neither loyalty_id nor payment_token",
            "walk_ins": "receipts of shoppers outside the customer base have no person",
            "store_visit_key": "store_id|device_id|entered_at as YYYY-MM-DDTHH:MM:SSZ",
            "sends_after_churn": "campaigns keep reaching churned people; they never open or buy",
            "day": DAY,
        },
    }
