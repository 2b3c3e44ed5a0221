"""The retailer's world: products, stores, promotions, stock-outs, campaigns, the SKU sampler.

Built once per run from its own random stream, shared by every chunk of people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from omnicx.demo import params
from omnicx.demo.calendar import DAY, Calendar, black_friday, build_calendar
from omnicx.demo.vocab import (
    ADJECTIVES,
    BRANDS,
    CATEGORIES,
    CITIES,
    PUBLIC_COUPONS,
    STORE_SITES,
)

N_SKUS = 300
TRACKED_SKUS = 120  # SKUs with inventory snapshots (and therefore possible stock-outs)
WAREHOUSE = "WH1"
_CATEGORY_SKUS = (50, 40, 25, 30, 30, 30, 35, 20, 20, 20)  # SKUs per category, sums to 300
_STORE_FORMAT_TRAFFIC = {"flagship": 3.0, "standard": 1.0, "express": 0.5, "outlet": 1.2}
_SEND_HOUR = {"email": 10.0, "sms": 12.5, "push": 18.0}
_COUPON_SHARE = {"email": 0.35, "sms": 0.6, "push": 0.2}


@dataclass(frozen=True)
class Products:
    """The catalogue, ordered by category so each category is one contiguous range."""

    sku: list[str]
    name: list[str]
    category: np.ndarray  # category index
    subcategory: list[str]
    brand: list[str]
    price: np.ndarray  # pence
    cost: np.ndarray  # pence
    launched_day: np.ndarray  # day index relative to the start (negative: before it)
    popularity: np.ndarray
    bounds: np.ndarray  # category c spans [bounds[c], bounds[c + 1])
    tracked: np.ndarray  # indices of SKUs with inventory snapshots


@dataclass(frozen=True)
class Stores:
    """Physical stores; location index len(ids) is the online warehouse."""

    ids: list[str]
    name: list[str]
    city: np.ndarray  # index into CITIES
    format: list[str]
    postcode: list[str]
    latitude: np.ndarray
    longitude: np.ndarray
    opened: list[dt.date]
    traffic: np.ndarray  # relative visits, sums to 1


@dataclass(frozen=True)
class Campaigns:
    """Marketing campaigns by e-mail, SMS and push."""

    ids: list[str]
    name: list[str]
    channel: list[str]
    sent_at: np.ndarray  # epoch seconds
    coupon: list[str | None]
    coupon_pct: np.ndarray  # 0 when the campaign has no coupon
    category: np.ndarray  # category the campaign links to


@dataclass(frozen=True)
class World:
    """Everything shared by all customers of one run."""

    calendar: Calendar
    products: Products
    stores: Stores
    campaigns: Campaigns
    promo: np.ndarray  # (skus, weeks) price discount fraction
    stockout: np.ndarray  # (stores, skus, weeks) bool
    category_week: np.ndarray  # (categories, weeks) relative category demand
    experiment_start_day: int
    sampler_prefix: np.ndarray  # flattened prefix sums of SKU weights per (location, week)
    coupon_codes: list[str]  # campaign codes, then the public codes
    coupon_pct: np.ndarray
    campaign_coupon: np.ndarray  # index into coupon_codes per campaign, -1 without a code

    @property
    def n_locations(self) -> int:
        return len(self.stores.ids) + 1

    def price_at(self, sku: np.ndarray, week: np.ndarray) -> np.ndarray:
        """Shelf price in pence, after any price promotion that week."""
        return np.round(self.products.price[sku] * (1 - self.promo[sku, week])).astype(np.int64)

    def latest_coupon(self, seconds: np.ndarray) -> np.ndarray:
        """The code of the latest campaign sent before each time (codes travel), or -1."""
        with_code = np.flatnonzero(self.campaign_coupon >= 0)
        sent = self.campaigns.sent_at[with_code]
        k = np.searchsorted(sent, seconds, side="right") - 1
        return np.where(k >= 0, self.campaign_coupon[with_code][np.maximum(k, 0)], -1)

    def public_coupon(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Public codes (welcome, student, voucher sites), chosen at random."""
        first = len(self.coupon_codes) - len(PUBLIC_COUPONS)
        return first + rng.integers(0, len(PUBLIC_COUPONS), n)

    def sample_skus(
        self,
        rng: np.random.Generator,
        location: np.ndarray,
        week: np.ndarray,
        category: np.ndarray,
    ) -> np.ndarray:
        """One SKU per row from a category, as stocked at a location that week (-1: none)."""
        n_sku = len(self.products.sku)
        row = (location.astype(np.int64) * self.calendar.n_weeks + week) * n_sku
        a = row + self.products.bounds[category]
        b = row + self.products.bounds[category + 1]
        lo, hi = self.sampler_prefix[a], self.sampler_prefix[b]
        u = lo + rng.random(len(row)) * (hi - lo)
        flat = np.searchsorted(self.sampler_prefix, u, side="right") - 1
        sku = np.clip(flat, a, b - 1) - row
        return np.where(hi > lo, sku, -1)


def build_world(customers: int, seed: int, start: dt.date, days: int) -> World:
    """The catalogue, stores, promotions, stock-outs and campaigns of one run."""
    rng = np.random.default_rng([seed, 0])
    calendar = build_calendar(start, days)
    products = _products(rng, calendar)
    stores = _stores(rng, store_count(customers))
    promo = _promotions(rng, calendar, products)
    stockout = _stockouts(rng, calendar, products, len(stores.ids), promo)
    campaigns = _campaigns(rng, calendar)
    weeks = calendar.n_weeks
    launched = products.launched_day[:, None] <= np.arange(weeks)[None, :] * 7 + 6
    demand = products.popularity[:, None] * (1 + params.PROMO_ELASTICITY * promo) * launched
    available = np.concatenate([~stockout, np.ones((1, *stockout.shape[1:]), bool)])
    weights = (demand[None, :, :] * available).transpose(0, 2, 1)  # (location, week, sku)
    prefix = np.concatenate([[0.0], np.cumsum(weights.ravel())])
    campaign_codes = [c for c in campaigns.coupon if c is not None]
    code_index = {code: i for i, code in enumerate(campaign_codes)}
    return World(
        calendar=calendar,
        products=products,
        stores=stores,
        campaigns=campaigns,
        promo=promo,
        stockout=stockout,
        category_week=calendar.week_category(),
        experiment_start_day=min(14, days // 10),
        sampler_prefix=prefix,
        coupon_codes=campaign_codes + [code for code, _ in PUBLIC_COUPONS],
        coupon_pct=np.array(
            [
                p
                for c, p in zip(campaigns.coupon, campaigns.coupon_pct, strict=True)
                if c is not None
            ]
            + [p for _, p in PUBLIC_COUPONS]
        ),
        campaign_coupon=np.array(
            [code_index[c] if c is not None else -1 for c in campaigns.coupon]
        ),
    )


def store_count(customers: int) -> int:
    """Stores grow gently with the customer base: 15 for 2,000, about 70 for a million."""
    return int(np.clip(round(15 * (customers / 2000) ** 0.25), 6, 80))


def _products(rng: np.random.Generator, calendar: Calendar) -> Products:
    category = np.repeat(np.arange(len(CATEGORIES)), _CATEGORY_SKUS)
    n = len(category)
    median = np.array([c[3] for c in CATEGORIES])[category]
    pounds = np.maximum(2.0, np.exp(np.log(median) + 0.45 * rng.standard_normal(n)))
    price = np.round(pounds).astype(np.int64) * 100 - 1
    cost = np.round(price * rng.uniform(0.3, 0.6, n)).astype(np.int64)
    # Mostly established lines; some launch during the period as new collections.
    launched = np.where(
        rng.random(n) < 0.85,
        -rng.integers(30, 4 * 365, n),
        rng.integers(0, max(1, calendar.days - 14), n),
    )
    popularity = np.empty(n)
    for c in range(len(CATEGORIES)):
        idx = np.flatnonzero(category == c)
        popularity[idx] = 1.0 / (rng.permutation(len(idx)) + 1.0) ** 0.9
    names, subs, brands = [], [], []
    for i in range(n):
        cat = CATEGORIES[category[i]]
        brand = BRANDS[rng.integers(len(BRANDS))]
        adjective = ADJECTIVES[rng.integers(len(ADJECTIVES))]
        names.append(f"{brand} {adjective} {cat[2][rng.integers(len(cat[2]))]}")
        subs.append(cat[1][rng.integers(len(cat[1]))])
        brands.append(brand)
    bounds = np.concatenate([[0], np.cumsum(_CATEGORY_SKUS)])
    return Products(
        sku=[f"SKU-{10001 + i}" for i in range(n)],
        name=names,
        category=category,
        subcategory=subs,
        brand=brands,
        price=price,
        cost=cost,
        launched_day=launched,
        popularity=popularity,
        bounds=bounds,
        tracked=np.sort(np.argsort(-popularity, kind="stable")[:TRACKED_SKUS]),
    )


def _stores(rng: np.random.Generator, count: int) -> Stores:
    city_names = [c[0] for c in CITIES]
    sites = list(STORE_SITES)
    suffixes = ("Retail Park", "High Street", "Central", "Shopping Centre")
    by_size = sorted(range(len(CITIES)), key=lambda i: -CITIES[i][5])
    k = 0
    while len(sites) < count:  # beyond the named sites, open in cities by size
        name = CITIES[by_size[k % len(by_size)]][0]
        sites.append((name, f"{suffixes[(k // len(by_size)) % len(suffixes)]}", "standard"))
        k += 1
    sites = sites[:count]
    city = np.array([city_names.index(s[0]) for s in sites])
    formats = [s[2] for s in sites]
    weight = np.array([CITIES[c][5] for c in city]) ** 0.3
    weight *= np.array([_STORE_FORMAT_TRAFFIC[f] for f in formats])
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    postcodes = [
        f"{CITIES[c][4]}{rng.integers(1, 20)} {rng.integers(1, 10)}"
        f"{letters[rng.integers(20)]}{letters[rng.integers(20)]}"
        for c in city
    ]
    return Stores(
        ids=[f"S{i + 1:03d}" for i in range(count)],
        name=[s[1] if s[0] in s[1] else f"{s[0]} {s[1]}" for s in sites],
        city=city,
        format=formats,
        postcode=postcodes,
        latitude=np.round(np.array([CITIES[c][2] for c in city]) + rng.normal(0, 0.02, count), 5),
        longitude=np.round(np.array([CITIES[c][3] for c in city]) + rng.normal(0, 0.02, count), 5),
        opened=[
            dt.date(1998, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 9500, count)
        ],
        traffic=weight / weight.sum(),
    )


def _promotions(rng: np.random.Generator, calendar: Calendar, products: Products) -> np.ndarray:
    """Price discounts per SKU and week: single-line promotions plus seasonal sales."""
    n, weeks = len(products.sku), calendar.n_weeks
    promo = np.zeros((n, weeks))
    episodes = rng.poisson(1.0 * calendar.days / 365, n)
    sku = np.repeat(np.arange(n), episodes)
    first = rng.integers(0, weeks, len(sku))
    length = rng.integers(1, 4, len(sku))
    depth = rng.choice([0.15, 0.2, 0.25, 0.3], len(sku))
    for offset in range(3):
        ok = (offset < length) & (first + offset < weeks)
        promo[sku[ok], first[ok] + offset] = depth[ok]
    # Seasonal sales: (first day of the sale, number of weeks, share of SKUs, depth range).
    sales = []
    for year in range(calendar.start.year - 1, calendar.start.year + calendar.days // 365 + 2):
        sales.append((black_friday(year) - dt.timedelta(days=3), 1, 0.3, (0.2, 0.3)))
        sales.append((dt.date(year, 12, 26), 3, 0.4, (0.3, 0.5)))
        sales.append((dt.date(year, 6, 26), 2, 0.25, (0.2, 0.4)))
    for first_day, n_weeks, share, (low, high) in sales:
        day = (first_day - calendar.start).days
        if not 0 <= day < calendar.days:
            continue
        chosen = rng.random(n) < share
        cut = np.round(rng.uniform(low, high, n) * 20) / 20
        for w in range(day // 7, min(weeks, day // 7 + n_weeks)):
            promo[chosen, w] = np.maximum(promo[chosen, w], cut[chosen])
    return promo


def _stockouts(
    rng: np.random.Generator, calendar: Calendar, products: Products, stores: int, promo: np.ndarray
) -> np.ndarray:
    """Weeks a store has none of a tracked SKU: more likely on promotion and in the rush."""
    weeks = calendar.n_weeks
    peak_week = np.zeros(weeks, dtype=bool)
    np.logical_or.at(peak_week, np.arange(calendar.days) // 7, calendar.peak)
    tracked = products.tracked
    p = 0.012 * (1 + 2 * promo[tracked][None, :, :]) * np.where(peak_week, 1.5, 1.0)
    starts = rng.random((stores, len(tracked), weeks)) < p
    length = rng.integers(1, 4, starts.shape)
    out = np.zeros((stores, len(products.sku), weeks), dtype=bool)
    block = np.zeros_like(starts)
    for offset in range(3):
        block[:, :, offset:] |= starts[:, :, : weeks - offset] & (
            length[:, :, : weeks - offset] > offset
        )
    out[:, tracked, :] = block
    return out


def _theme(day: dt.date) -> tuple[str, str]:
    """A campaign theme for a send date, and how its coupon codes start."""
    bf = black_friday(day.year)
    if bf - dt.timedelta(days=10) <= day <= bf + dt.timedelta(days=3):
        return "Black Friday Early Access", "BF"
    if day.month == 12 and day.day <= 24:
        return "Christmas Gift Guide", "XMAS"
    if (day.month == 12 and day.day > 24) or (day.month == 1 and day.day <= 14):
        return "January Sale", "JAN"
    if day.month == 2 and day.day <= 14:
        return "Valentine's Gifts", "LOVE"
    if day.month in (3, 4, 5):
        return "Spring Edit", "SPRING"
    if day.month in (6, 7):
        return "Summer Sale", "SUMMER"
    if day.month == 8:
        return "Back to School", "SCHOOL"
    if day.month in (9, 10, 11):
        return "Autumn Edit", "AUTUMN"
    return "New Season", "NEW"


def _campaigns(rng: np.random.Generator, calendar: Calendar) -> Campaigns:
    rows = []
    for channel, per_year in params.CAMPAIGNS_PER_YEAR.items():
        count = max(1, round(per_year * calendar.days / 365))
        spacing = calendar.days / count
        days = np.clip(
            (np.arange(count) * spacing + rng.uniform(0, spacing, count)).astype(int),
            0,
            calendar.days - 1,
        )
        for day in days:
            rows.append((int(day), channel))
    rows.sort()
    ids, names, channels, sent, coupons, pcts, cats = [], [], [], [], [], [], []
    used: dict[str, int] = {}
    for i, (day, channel) in enumerate(rows):
        date = calendar.start + dt.timedelta(days=day)
        theme, prefix = _theme(date)
        category = int(rng.integers(len(CATEGORIES)))
        coupon, pct = None, 0.0
        if prefix == "BF" or rng.random() < _COUPON_SHARE[channel]:
            pct = 0.2 if prefix == "BF" else float(rng.choice([0.1, 0.15, 0.2]))
            code = f"{prefix}{round(pct * 100)}"
            used[code] = used.get(code, 0) + 1
            coupon = code if used[code] == 1 else f"{code}-{used[code]}"
        label = theme if rng.random() < 0.6 else f"New In: {CATEGORIES[category][0]}"
        ids.append(f"CMP-{i + 1:04d}")
        names.append(f"{label} ({channel}, {date.isoformat()})")
        channels.append(channel)
        local = int(_SEND_HOUR[channel] * 3600)
        sent.append(calendar.t0 + day * DAY + local - int(calendar.utc_offset[day]))
        coupons.append(coupon)
        pcts.append(pct)
        cats.append(category)
    return Campaigns(
        ids=ids,
        name=names,
        channel=channels,
        sent_at=np.array(sent, dtype=np.int64),
        coupon=coupons,
        coupon_pct=np.array(pcts),
        category=np.array(cats),
    )
