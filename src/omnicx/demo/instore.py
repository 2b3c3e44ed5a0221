"""Store trips: beacon and WiFi visits, till receipts (identified or not), walk-ins."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from omnicx.demo import noise, params
from omnicx.demo.catalog import World
from omnicx.demo.formats import (
    codes,
    concat,
    integers,
    iso_local,
    money,
    nulls_where,
    padded,
    scrambled,
    take,
    timestamps,
    where,
)
from omnicx.demo.messaging import SessionRequests
from omnicx.demo.people import People
from omnicx.demo.table import Rows
from omnicx.demo.vocab import CATEGORIES

KIOSK_SESSION = 0.03  # share of trips where the shopper orders on an in-store kiosk
AWAY_SHARE = 0.15  # trips to a store other than the nearest one
WALK_IN_ITEMS = 1.8  # mean lines on a walk-in's receipt
QUANTITY_CAP = 5


@dataclass
class Trips(Rows):
    """A person in a store: entered, left, and whether they bought something."""

    person: np.ndarray  # -1 for a walk-in from outside the customer base
    store: np.ndarray
    entered_at: np.ndarray
    exited_at: np.ndarray
    buys: np.ndarray
    collection: np.ndarray  # came to collect a click-and-collect order


@dataclass
class Receipts(Rows):
    person: np.ndarray  # -1 for a walk-in
    store: np.ndarray
    occurred_at: np.ndarray
    number: np.ndarray  # transaction number within the run
    loyalty: np.ndarray  # loyalty card scanned
    token: np.ndarray  # payment token code, -1 for cash
    e_receipt: np.ndarray  # gave an e-mail for the receipt
    coupon: np.ndarray  # index into world.coupon_codes, -1 for none
    kiosk: np.ndarray  # self-checkout kiosk


@dataclass
class PosLines(Rows):
    receipt: np.ndarray
    line: np.ndarray
    sku: np.ndarray
    quantity: np.ndarray
    unit_price: np.ndarray  # pence
    discount: np.ndarray  # pence


def plan_trips(
    rng: np.random.Generator, world: World, people: People
) -> tuple[Trips, SessionRequests]:
    """Each customer's store trips, and the kiosk sessions some of them lead to."""
    cal = world.calendar
    cum = cal.cumulative(cal.store)
    rate = params.archetype_array("store_trips")[people.archetype] * people.activity / 365
    exposure = cum[cal.days] - cum[people.signup_day]
    count = rng.poisson(rate * exposure)
    person = np.repeat(np.arange(people.n), count)
    entered = cal.sample_times(
        rng, "store", people.signup_day[person], np.full(len(person), cal.days)
    )
    home = people.store_at(person, entered)
    away = rng.random(len(person)) < AWAY_SHARE
    store = np.where(
        away, rng.choice(len(world.stores.ids), len(person), p=world.stores.traffic), home
    )
    trips = _trips(rng, person, store, entered)
    buy_p = params.archetype_array("p_store_buy")[people.archetype[person]]
    trips.buys = rng.random(len(person)) < buy_p
    kiosk = np.flatnonzero(rng.random(len(person)) < KIOSK_SESSION)
    requests = SessionRequests(
        person=person[kiosk],
        start=entered[kiosk] + rng.integers(120, 600, len(kiosk)),
        channel=np.full(len(kiosk), 2),
        campaign=np.full(len(kiosk), -1),
        intent=np.zeros(len(kiosk), dtype=bool),
    )
    return trips, requests


def _trips(
    rng: np.random.Generator, person: np.ndarray, store: np.ndarray, entered: np.ndarray
) -> Trips:
    minutes = np.minimum(120, 4 + np.exp(np.log(18) + 0.6 * rng.standard_normal(len(person))))
    return Trips(
        person=person,
        store=store,
        entered_at=entered,
        exited_at=entered + (minutes * 60).astype(np.int64),
        buys=np.zeros(len(person), dtype=bool),
        collection=np.zeros(len(person), dtype=bool),
    )


def walk_ins(rng: np.random.Generator, world: World, customers: int) -> Trips:
    """Shoppers from outside the customer base: their receipts carry no identifier."""
    cal = world.calendar
    count = rng.poisson(params.WALK_INS_PER_CUSTOMER_YEAR * customers * cal.days / 365)
    entered = cal.sample_times(
        rng, "store", np.zeros(count, dtype=np.int64), np.full(count, cal.days)
    )
    store = rng.choice(len(world.stores.ids), count, p=world.stores.traffic)
    trips = _trips(rng, np.full(count, -1), store, entered)
    trips.buys[:] = True
    return trips


def collection_trips(
    rng: np.random.Generator,
    person: np.ndarray,
    store: np.ndarray,
    ready_at: np.ndarray,
    world: World,
) -> Trips:
    """Trips to collect click-and-collect orders: a short visit a day or few after ordering."""
    day = world.calendar.day_of(ready_at) + rng.integers(0, 4, len(person))
    day = np.minimum(day, world.calendar.days - 1)
    entered = world.calendar.times_on_days(rng, "store", day)
    entered = np.maximum(entered, ready_at + 3600)
    trips = _trips(rng, person, store, entered)
    trips.exited_at = entered + rng.integers(180, 900, len(person))
    trips.collection[:] = True
    return trips


def category_choice(
    rng: np.random.Generator, affinity: np.ndarray, category_week: np.ndarray, week: np.ndarray
) -> np.ndarray:
    """A category per row, from the row's affinity times the category's demand that week."""
    weights = affinity * category_week[:, week].T
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(week)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), affinity.shape[1] - 1)


def checkout_receipts(
    rng: np.random.Generator, world: World, people: People, trips: Trips, chunk: int
) -> tuple[Receipts, PosLines]:
    """Receipts for the trips that buy, with lines drawn from what the store had that week."""
    buying = trips.take(trips.buys)
    n = len(buying)
    walk_in = buying.person < 0
    person = np.maximum(buying.person, 0)
    occurred = buying.entered_at + (
        (buying.exited_at - buying.entered_at) * rng.uniform(0.5, 0.95, n)
    ).astype(np.int64)
    items = np.where(
        walk_in, WALK_IN_ITEMS, params.archetype_array("items_store")[people.archetype[person]]
    )
    count = 1 + rng.poisson(items - 1)
    receipt = np.repeat(np.arange(n), count)
    week = world.calendar.day_of(occurred[receipt]) // 7
    affinity = np.where(
        walk_in[receipt][:, None], 1.0 / len(CATEGORIES), people.affinity[person[receipt]]
    )
    category = category_choice(rng, affinity, world.category_week, week)
    sku = world.sample_skus(rng, buying.store[receipt], week, category)
    ok = sku >= 0
    receipt, sku, week = receipt[ok], sku[ok], week[ok]
    quantity = np.minimum(QUANTITY_CAP, 1 + rng.poisson(params.QUANTITY_EXTRA, len(sku)))
    # One line per SKU: a second pick of the same SKU adds to its quantity.
    key = receipt * len(world.products.sku) + sku
    order = np.argsort(key, kind="stable")
    key, receipt, sku, week, quantity = (
        key[order],
        receipt[order],
        sku[order],
        week[order],
        quantity[order],
    )
    first = (
        np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        if len(key)
        else np.zeros(0, dtype=np.int64)
    )
    quantity = np.add.reduceat(quantity, first) if len(key) else quantity
    receipt, sku, week = receipt[first], sku[first], week[first]
    has_lines = np.bincount(receipt, minlength=n) > 0

    coupon = _coupon(rng, world, people, person, occurred, walk_in)
    pct = np.where(coupon >= 0, world.coupon_pct[np.maximum(coupon, 0)], 0.0)
    price = world.price_at(sku, week)
    line_no = np.arange(len(receipt)) - np.searchsorted(receipt, receipt)
    lines = PosLines(
        receipt=receipt,
        line=line_no + 1,
        sku=sku,
        quantity=quantity,
        unit_price=price,
        discount=np.round(price * quantity * pct[receipt]).astype(np.int64),
    )
    loyalty = ~walk_in & people.loyalty[person] & (rng.random(n) < 0.8)
    card = (rng.random(n) < 0.85) & ~walk_in & (people.n_cards[person] > 0)
    slot = rng.integers(0, 2, n) % np.maximum(people.n_cards[person], 1)
    token = np.where(card, people.cards[person, slot], -1)
    receipts = Receipts(
        person=np.where(walk_in, -1, person),
        store=buying.store,
        occurred_at=occurred,
        number=np.zeros(n, dtype=np.int64),
        loyalty=loyalty,
        token=token,
        e_receipt=loyalty & (rng.random(n) < 0.2),
        coupon=coupon,
        kiosk=rng.random(n) < 0.03,
    )
    # Renumber receipts that kept at least one line, in time order.
    keep = np.flatnonzero(has_lines)
    order = keep[np.argsort(receipts.occurred_at[keep], kind="stable")]
    new_index = np.full(n, -1)
    new_index[order] = np.arange(len(order))
    receipts = receipts.take(order)
    receipts.number = chunk * 10_000_000 + np.arange(len(order))
    lines.receipt = new_index[lines.receipt]
    lines = lines.take(np.lexsort((lines.line, lines.receipt)))
    return receipts, lines


def _coupon(
    rng: np.random.Generator,
    world: World,
    people: People,
    person: np.ndarray,
    at: np.ndarray,
    walk_in: np.ndarray,
) -> np.ndarray:
    """A code at the till: usually the latest campaign code, since codes travel."""
    uses = ~walk_in & (
        rng.random(len(person)) < 0.4 * params.archetype_array("coupon")[people.archetype[person]]
    )
    return np.where(uses, world.latest_coupon(at), -1)


def visits_table(
    world: World, people: People, trips: Trips, rng: np.random.Generator
) -> tuple[pa.Table, np.ndarray]:
    """Rows of store_visits: trips seen by the app's beacons or the store WiFi."""
    person = trips.person
    phone = people.devices[person, 0]
    beacon = people.location_optin[person] & (phone >= 0) & (rng.random(len(person)) < 0.85)
    wifi = ~beacon & (people.wifi[person] >= 0) & (rng.random(len(person)) < 0.6)
    seen = beacon | wifi
    t, beacon, person = trips.take(seen), beacon[seen], person[seen]
    device = where(
        beacon,
        take(people.device_ids, people.devices[person, 0]),
        take(people.wifi_ids, np.maximum(people.wifi[person], 0)),
    )
    logged_in = beacon & people.account[person] & (rng.random(len(person)) < 0.85)
    top = np.argmax(people.affinity[person], axis=1)
    zone = np.where(t.collection, "click_and_collect", np.where(t.buys, "checkout", "entrance"))
    browsing = ~t.collection & ~t.buys & (rng.random(len(person)) < 0.6)
    zone_text = where(browsing, take([c[0].lower() for c in CATEGORIES], top), pa.array(zone))
    exited = rng.random(len(person)) < 0.9
    table = pa.table(
        {
            "store_id": take(world.stores.ids, t.store),
            "device_id": device,
            "entered_at": timestamps(t.entered_at * 1000, "ms"),
            "exited_at": pa.array(
                np.where(exited, t.exited_at * 1000, 0), pa.timestamp("ms", tz="UTC"), mask=~exited
            ),
            "detector": where(beacon, "beacon", "wifi"),
            "zone": zone_text,
            "user_id": nulls_where(~logged_in, people.user_ids(person)),
        }
    )
    order = np.lexsort((t.entered_at,))
    return table.take(pa.array(order)), person[order]


def pos_table(
    rng: np.random.Generator, world: World, people: People, receipts: Receipts, lines: PosLines
) -> tuple[pa.Table, np.ndarray]:
    """Rows of the pos source (one per receipt line), and the person of each row."""
    r = lines.receipt
    person = np.maximum(receipts.person, 0)
    walk_in = receipts.person < 0
    n = len(receipts)
    profile = noise.PROFILES["till"]
    email = nulls_where(~receipts.e_receipt, noise.emails(people, person, rng, profile))
    named = receipts.e_receipt & (rng.random(n) < 0.1)
    first = nulls_where(~named, noise.first_names(people, person, rng, profile))
    last = nulls_where(~named, noise.last_names(people, person, rng, profile))
    phone = nulls_where(
        ~(receipts.loyalty & (rng.random(n) < 0.03)), noise.phones(people, person, rng, profile)
    )
    postcode_given = receipts.loyalty & (rng.random(n) < 0.03)
    _, postcode, _ = noise.addresses(people, person, receipts.occurred_at, rng, profile)
    store_number = receipts.store + 1
    staff = concat("E", padded(store_number, 3), padded(rng.integers(1, 30, n), 2))
    tx = transaction_ids(receipts.number)
    coupon = take(world.coupon_codes, receipts.coupon)
    offset = world.calendar.utc_offset[
        np.clip(world.calendar.day_of(receipts.occurred_at), 0, world.calendar.days - 1)
    ]
    table = pa.table(
        {
            "transaction_id": tx.take(pa.array(r)),
            "store_id": take(world.stores.ids, receipts.store[r]),
            "occurred_at": iso_local(receipts.occurred_at, offset).take(pa.array(r)),
            "line_number": integers(lines.line),
            "sku": take(world.products.sku, lines.sku),
            "quantity": integers(lines.quantity),
            "unit_price": money(lines.unit_price),
            "discount": money(lines.discount),
            "loyalty_id": nulls_where(~receipts.loyalty, people.loyalty_ids(person)).take(
                pa.array(r)
            ),
            "payment_token": take(people.tokens, receipts.token).take(pa.array(r)),
            "coupon_code": coupon.take(pa.array(r)),
            "staff_id": staff.take(pa.array(r)),
            "channel": where(receipts.kiosk, "kiosk", "store").take(pa.array(r)),
            "email": email.take(pa.array(r)),
            "phone": phone.take(pa.array(r)),
            "first_name": first.take(pa.array(r)),
            "last_name": last.take(pa.array(r)),
            "postcode": nulls_where(~postcode_given, postcode).take(pa.array(r)),
        }
    )
    return table, np.where(walk_in, -1, person)[r]


def transaction_ids(numbers: np.ndarray) -> pa.Array:
    return codes("TX", scrambled(numbers, 10, 271_828), 10)


def receipt_keys(world: World, receipts: Receipts) -> pa.Array:
    """The ground-truth record key of each receipt: ``{store_id}|{transaction_id}``."""
    return concat(take(world.stores.ids, receipts.store), "|", transaction_ids(receipts.number))
