"""Store demand and stock: true expected demand per SKU x store x week, and inventory.

Sales are accumulated over all chunks of people; inventory snapshots are then derived
backwards from them so that stock runs out exactly when a stock-out week begins (and
the store sells none of that SKU until the delivery after it).
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from omnicx.demo import params
from omnicx.demo.calendar import DAY
from omnicx.demo.catalog import WAREHOUSE, World
from omnicx.demo.instore import AWAY_SHARE, WALK_IN_ITEMS
from omnicx.demo.people import People

STORE_CYCLE_WEEKS = 2  # stores are replenished every other week, the warehouse weekly


def expected_quantity() -> float:
    """E[min(5, 1 + Poisson(QUANTITY_EXTRA))], the mean units per receipt line."""
    lam = params.QUANTITY_EXTRA
    p = [math.exp(-lam) * lam**k / math.factorial(k) for k in range(4)]
    return sum((1 + k) * pk for k, pk in enumerate(p)) + 5 * (1 - sum(p))


class Supply:
    """Sales and expected demand, summed over chunks."""

    def __init__(self, world: World) -> None:
        self.world = world
        n_stores, n_skus, weeks = (
            len(world.stores.ids),
            len(world.products.sku),
            world.calendar.n_weeks,
        )
        self.sold = np.zeros((n_stores + 1, n_skus, weeks), dtype=np.int64)
        self.expected_lines = np.zeros((n_stores, weeks, world.category_week.shape[0]))

    def add_sales(
        self, location: np.ndarray, sku: np.ndarray, week: np.ndarray, units: np.ndarray
    ) -> None:
        flat = np.ravel_multi_index((location, sku, week), self.sold.shape)
        self.sold += (
            np.bincount(flat, weights=units, minlength=self.sold.size)
            .astype(np.int64)
            .reshape(self.sold.shape)
        )

    def add_expected(self, people: People, customers: int) -> None:
        """Expected receipt lines per store, week and category for this chunk's customers."""
        world = self.world
        cal = world.calendar
        cum = cal.cumulative(cal.store)
        weeks = cal.n_weeks
        edges = np.minimum(cal.t0 + np.arange(weeks + 1) * 7 * DAY, cal.end)

        def level(seconds: np.ndarray) -> np.ndarray:
            x = np.clip((seconds - cal.t0) / DAY, 0, cal.days)
            i = np.minimum(x.astype(np.int64), cal.days - 1)
            return cum[i] + (x - i) * cal.store[i]

        def exposure(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
            a = np.maximum(lo[:, None], edges[None, :-1])
            b = np.minimum(hi[:, None], edges[None, 1:])
            return np.where(b > a, level(b) - level(a), 0.0)

        arch = people.archetype
        rate = (
            params.archetype_array("store_trips")[arch]
            * people.activity
            / 365
            * params.archetype_array("p_store_buy")[arch]
            * params.archetype_array("items_store")[arch]
        )
        start = cal.t0 + people.signup_day * DAY
        stop = np.minimum(people.churn_time, cal.end)
        move = np.minimum(people.move_time, stop)
        share = people.affinity[:, None, :] * world.category_week.T[None, :, :]
        share /= share.sum(axis=2, keepdims=True)
        traffic = world.stores.traffic[:, None, None]
        for lo, hi, store in (
            (start, move, people.home.store),
            (np.maximum(start, move), stop, people.new_home.store),
        ):
            lines = (rate[:, None] * exposure(lo, hi))[:, :, None] * share
            np.add.at(self.expected_lines, store, (1 - AWAY_SHARE) * lines)
            self.expected_lines += AWAY_SHARE * traffic * lines.sum(axis=0)[None]
        # Walk-ins spread over stores by traffic, with no category preference.
        per_day = params.WALK_INS_PER_CUSTOMER_YEAR * customers / 365 * WALK_IN_ITEMS
        per_week = (
            np.bincount(np.arange(cal.days) // 7, weights=cal.store, minlength=weeks) * per_day
        )
        mix = world.category_week / world.category_week.sum(axis=0, keepdims=True)
        self.expected_lines += traffic * (per_week[:, None] * mix.T)[None]

    def demand_table(self) -> pa.Table:
        """True expected units per SKU, store and week: unconstrained, and given stock-outs."""
        world = self.world
        products = world.products
        n_stores, weeks, n_skus = len(world.stores.ids), world.calendar.n_weeks, len(products.sku)
        launched = products.launched_day[:, None] <= np.arange(weeks)[None, :] * 7 + 6
        weight = (
            products.popularity[:, None] * (1 + params.PROMO_ELASTICITY * world.promo) * launched
        )
        cat = products.category
        cat_total = np.zeros((world.category_week.shape[0], weeks))
        np.add.at(cat_total, cat, weight)
        unconstrained = weight / np.maximum(cat_total[cat], 1e-12)  # (sku, week)
        stocked = weight[None] * ~world.stockout  # (store, sku, week)
        stocked_total = np.zeros((n_stores, world.category_week.shape[0], weeks))
        for c in range(stocked_total.shape[1]):
            stocked_total[:, c, :] = stocked[:, cat == c, :].sum(axis=1)
        constrained = stocked / np.maximum(stocked_total[:, cat, :], 1e-12)
        lines = self.expected_lines[:, :, cat].transpose(0, 2, 1)  # (store, sku, week)
        units = expected_quantity()
        demand = lines * unconstrained[None] * units
        sales = lines * constrained * units
        store, sku, week = (
            a.ravel()
            for a in np.meshgrid(
                np.arange(n_stores), np.arange(n_skus), np.arange(weeks), indexing="ij"
            )
        )
        return pa.table(
            {
                "week_start": pa.array(
                    (world.calendar.epoch_day0 + week * 7).astype(np.int32), pa.date32()
                ),
                "store_id": pa.array(world.stores.ids).take(pa.array(store)),
                "sku": pa.array(products.sku).take(pa.array(sku)),
                "expected_demand": np.round(demand.ravel(), 4),
                "expected_sales": np.round(sales.ravel(), 4),
                "units_sold": self.sold[:n_stores].ravel(),
                "promo_discount": world.promo[sku, week],
                "in_stock": ~world.stockout.ravel(),
            }
        )

    def inventory_table(self) -> pa.Table:
        """Weekly stock snapshots of the tracked SKUs in every store and the warehouse."""
        world = self.world
        tracked = world.products.tracked
        sales = self.sold[:, tracked, :]
        locations, skus, weeks = sales.shape
        out = np.zeros_like(sales, dtype=bool)
        out[:-1] = world.stockout[:, tracked, :]
        cycle = np.where(np.arange(locations) == locations - 1, 1, STORE_CYCLE_WEEKS)
        phase = np.arange(locations) % cycle
        delivery = (np.arange(weeks)[None, :] % cycle[:, None]) == phase[:, None]
        delivery = np.broadcast_to(delivery[:, None, :], sales.shape).copy()
        delivery[:, :, 1:] |= out[:, :, :-1]  # a stock-out ends with a delivery
        mean = sales.mean(axis=2)
        safety = (
            np.ceil(
                np.where(np.arange(locations)[:, None] == locations - 1, 1.5, 0.6) * mean
            ).astype(np.int64)
            + 2
        )
        level = np.zeros_like(sales)
        for w in range(weeks - 1, -1, -1):
            if w == weeks - 1:
                carry = safety
            else:
                carry = np.where(
                    out[:, :, w + 1], 0, np.where(delivery[:, :, w + 1], safety, level[:, :, w + 1])
                )
            level[:, :, w] = np.where(out[:, :, w], 0, sales[:, :, w] + carry)
        remaining = level - sales
        incoming = np.zeros_like(sales)
        incoming[:, :, :-1] = np.where(
            delivery[:, :, 1:] | out[:, :, :-1],
            np.maximum(0, level[:, :, 1:] - remaining[:, :, :-1]),
            0,
        )
        loc, sku, week = (
            a.ravel()
            for a in np.meshgrid(
                np.arange(locations), np.arange(skus), np.arange(weeks), indexing="ij"
            )
        )
        ids = [*world.stores.ids, WAREHOUSE]
        table = pa.table(
            {
                "snapshot_date": pa.array(
                    (world.calendar.epoch_day0 + week * 7).astype(np.int32), pa.date32()
                ),
                "store_id": pa.array(ids).take(pa.array(loc)),
                "sku": pa.array(world.products.sku).take(pa.array(tracked[sku])),
                "on_hand": level.ravel(),
                "on_order": incoming.ravel(),
            }
        )
        order = np.lexsort((sku, loc, week))
        return table.take(pa.array(order))
