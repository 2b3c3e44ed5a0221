"""Sessions as Segment Spec messages: the event sequence, its timing, and the JSON lines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omnicx.demo import params
from omnicx.demo.catalog import World
from omnicx.demo.formats import (
    choose,
    concat,
    hex_ids,
    integers,
    iso_utc_millis,
    money,
    nulls_where,
    random_words,
    take,
    uuids,
    where,
)
from omnicx.demo.people import People
from omnicx.demo.sessions import APP, KIOSK, WEB, Sessions, Views, coupon_names
from omnicx.demo.table import Rows
from omnicx.demo.vocab import CATEGORIES, CURRENCY, DOMAIN, OFFERS, SEARCH_TERMS
from omnicx.demo.writers import JsonField, json_object, nested

TYPES = ("track", "page", "screen", "identify", "alias")
TRACK, PAGE, SCREEN, IDENTIFY, ALIAS = 0, 1, 2, 3, 4
_CATEGORY_NAMES = [c[0] for c in CATEGORIES]
_CATEGORY_SLUGS = [c[0].lower() for c in CATEGORIES]
_REFERRERS = (
    None,
    "https://www.google.com/",
    "https://www.google.com/",
    "https://www.facebook.com/",
    "https://www.vouchercodes.co.uk/",
    None,
)
# (slot, type, event or page name); product slots repeat per viewed product.
_FIXED = {
    "landing": (0, PAGE, ""),
    "alias": (1, ALIAS, ""),
    "identify": (2, IDENTIFY, ""),
    "signed_up": (3, TRACK, "Signed Up"),
    "signed_in": (3, TRACK, "Signed In"),
    "searched": (4, TRACK, "Products Searched"),
    "category_page": (5, PAGE, "Category"),
    "list_viewed": (6, TRACK, "Product List Viewed"),
    "offer_shown": (7, TRACK, "Offer Shown"),
    "offer_accepted": (8, TRACK, "Offer Accepted"),
    "offer_dismissed": (8, TRACK, "Offer Dismissed"),
    "removed": (900, TRACK, "Product Removed"),
    "cart_page": (901, PAGE, "Cart"),
    "cart_viewed": (902, TRACK, "Cart Viewed"),
    "checkout_page": (903, PAGE, "Checkout"),
    "checkout_started": (904, TRACK, "Checkout Started"),
    "experiment_viewed": (905, TRACK, "Experiment Viewed"),
    "coupon_applied": (906, TRACK, "Coupon Applied"),
}
_PRODUCT = (
    ("product_page", PAGE, "Product"),
    ("product_viewed", TRACK, "Product Viewed"),
    ("product_added", TRACK, "Product Added"),
)
KINDS = tuple(_FIXED) + tuple(k for k, _, _ in _PRODUCT)
_KIND_TYPE = np.array([t for _, t, _ in _FIXED.values()] + [t for _, t, _ in _PRODUCT])
_KIND_NAME = [n for _, _, n in _FIXED.values()] + [n for _, _, n in _PRODUCT]
_K = {k: i for i, k in enumerate(KINDS)}


@dataclass
class Timeline(Rows):
    """One row per event, ordered by session and time."""

    session: np.ndarray
    kind: np.ndarray  # index into KINDS
    view: np.ndarray  # index into Views for product events, else -1
    millis: np.ndarray  # epoch milliseconds


def build_timeline(rng: np.random.Generator, s: Sessions, v: Views) -> Timeline:
    """The events of each session in order, with timestamps."""
    parts: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]] = []

    def add(kind: str, mask: np.ndarray) -> None:
        rows = np.flatnonzero(mask)
        parts.append((rows, np.full(len(rows), _FIXED[kind][0]), _K[kind], np.full(len(rows), -1)))

    add("landing", np.ones(len(s), dtype=bool))
    add("alias", s.signup)
    add("identify", s.identify | s.signup)
    add("signed_up", s.signup)
    add("signed_in", s.identify & ~s.signup)
    add("searched", s.searched)
    add("category_page", s.listed)
    add("list_viewed", s.listed)
    add("offer_shown", s.offer >= 0)
    add("offer_accepted", (s.offer >= 0) & (s.offer_outcome == 1))
    add("offer_dismissed", (s.offer >= 0) & (s.offer_outcome == 2))
    add("removed", s.removed)
    add("cart_page", s.cart_viewed)
    add("cart_viewed", s.cart_viewed)
    add("checkout_page", s.checkout)
    add("checkout_started", s.checkout)
    add("experiment_viewed", s.in_experiment)
    add("coupon_applied", s.coupon >= 0)
    views = np.arange(len(v))
    for k, (product_kind, _, _) in enumerate(_PRODUCT):
        mask = v.added if product_kind == "product_added" else np.ones(len(v), dtype=bool)
        parts.append(
            (v.session[mask], 10 + 3 * v.position[mask] + k, _K[product_kind], views[mask])
        )
    session = np.concatenate([p[0] for p in parts])
    slot = np.concatenate([p[1] for p in parts])
    kind = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
    view = np.concatenate([p[3] for p in parts])
    order = np.lexsort((slot, session))
    session, kind, view = session[order], kind[order], view[order]
    # Time between events: quick after a page load, longer while reading.
    gap = np.where(
        _KIND_TYPE[kind] == TRACK,
        rng.exponential(4000, len(kind)),
        rng.exponential(25000, len(kind)),
    )
    gap = gap.astype(np.int64) + 200
    first = np.r_[True, session[1:] != session[:-1]]
    gap[first] = 0
    elapsed = np.cumsum(gap)
    elapsed -= np.maximum.accumulate(np.where(first, elapsed, 0))
    millis = (
        s.start[session] * 1000 + rng.integers(0, 1000, len(session))[first.cumsum() - 1] + elapsed
    )
    return Timeline(session=session, kind=kind, view=view, millis=millis)


@dataclass
class CheckoutFacts:
    """What the events need to know about each checkout (per session, -1/None elsewhere)."""

    order_ids: pa.Array  # per session, null without checkout
    value: np.ndarray  # pence, cart value after discount
    discount: np.ndarray  # pence
    guest_email: pa.Array  # per session, null unless a guest checkout


def render_events(
    rng: np.random.Generator,
    world: World,
    people: People,
    s: Sessions,
    v: Views,
    t: Timeline,
    anon_table: pa.Array,
    facts: CheckoutFacts,
    traits: tuple[pa.Array, pa.Array, pa.Array],
) -> pa.Array:
    """One Segment JSON object per timeline row (the rows must be whole sessions)."""
    e = t.session
    n = len(e)
    channel = s.channel[e]
    web_like = channel != APP
    ev_type = _KIND_TYPE[t.kind]
    ev_type = np.where((ev_type == PAGE) & ~web_like, SCREEN, ev_type)
    landing = t.kind == _K["landing"]
    name = where(landing & ~np.isin(s.referral[e], (0, 1)), "Category", take(_KIND_NAME, t.kind))
    name = where(landing & np.isin(s.referral[e], (0, 1)), "Home", name)
    path, url, referrer = _pages(world, s, v, t, ev_type == PAGE)

    # Identity: in a login session the landing page comes before the sign-in.
    logging_in = (s.identify[e] | s.signup[e]) & landing
    user = nulls_where(~(s.logged_in[e] & ~logging_in), people.user_ids(s.person[e]))
    anon = anon_table.take(pa.array(s.anon[e]))
    is_alias = ev_type == ALIAS
    identify = t.kind == _K["identify"]
    email, first, last = traits
    trait_fields: list[tuple[str, Getter, str]] = [
        ("email", lambda r: email.take(pa.array(e[r])), "str"),
        ("first_name", lambda r: first.take(pa.array(e[r])), "str"),
        ("last_name", lambda r: last.take(pa.array(e[r])), "str"),
    ]
    trait_obj = _grouped(np.where(identify, 0, -1), {0: trait_fields})
    fields: list[JsonField] = [
        ("type", take(TYPES, ev_type), "safe"),
        ("messageId", uuids(random_words(rng, n, 2)), "safe"),
        ("anonymousId", anon, "safe"),
        ("userId", user, "safe"),
        ("previousId", nulls_where(~is_alias, anon), "safe"),
        ("timestamp", iso_utc_millis(t.millis), "safe"),
        ("event", nulls_where(ev_type != TRACK, name), "safe"),
        ("name", nulls_where((ev_type != PAGE) & (ev_type != SCREEN), name), "safe"),
        ("properties", _properties(world, people, s, v, t, facts, path, url, ev_type), "raw"),
        ("traits", trait_obj, "raw"),
        ("context", _context(world, people, s, t, facts, path, url, referrer), "raw"),
    ]
    return json_object(fields)


Getter = Callable[[np.ndarray], pa.Array]


def _grouped(groups: np.ndarray, specs: dict[int, list[tuple[str, Getter, str]]]) -> pa.Array:
    """JSON objects built group by group, each with its own fields; null outside the groups.

    Building each kind of row with only its own fields is much cheaper than one wide
    object of mostly-null fields.
    """
    parts: list[pa.Array] = []
    position = np.full(len(groups), -1, dtype=np.int64)
    done = 0
    for group, fields in specs.items():
        rows = np.flatnonzero(groups == group)
        if len(rows) == 0:
            continue
        parts.append(json_object([(key, get(rows), kind) for key, get, kind in fields]))
        position[rows] = done + np.arange(len(rows))
        done += len(rows)
    values = pa.concat_arrays([*parts, pa.nulls(1, pa.string())])
    return values.take(pa.array(np.where(position < 0, done, position)))


def _pages(
    world: World, s: Sessions, v: Views, t: Timeline, is_page: np.ndarray
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Path, URL and referrer of the page each row happened on (web and kiosk)."""
    e = t.session
    kind = t.kind
    referral = s.referral[e]
    home = (kind == _K["landing"]) & np.isin(referral, (0, 1))
    category_page = ((kind == _K["landing"]) & ~home) | (kind == _K["category_page"])
    code = np.select(
        [
            home,
            category_page,
            kind == _K["product_page"],
            kind == _K["cart_page"],
            kind == _K["checkout_page"],
        ],
        [0, 1, 2, 3, 4],
        -1,
    )
    # Every session opens on a page, so a running index finds each row's page.
    page_row = np.maximum.accumulate(np.where(is_page, np.arange(len(e)), 0))
    rows = np.flatnonzero(is_page)
    slug = take(_CATEGORY_SLUGS, s.category[e[rows]])
    sku = np.where(t.view[rows] >= 0, v.sku[np.maximum(t.view[rows], 0)], -1)
    page_path = choose(
        np.maximum(code[rows], 0),
        "/",
        concat("/c/", slug),
        concat("/p/", pc.utf8_lower(take(world.products.sku, sku))),
        "/cart",
        "/checkout",
    )
    page_url = concat(f"https://www.{DOMAIN}", page_path)
    external = take(_REFERRERS, referral[rows])
    previous = np.searchsorted(rows, page_row[np.maximum(rows - 1, 0)])
    page_referrer = where(kind[rows] == _K["landing"], external, page_url.take(pa.array(previous)))
    at = np.searchsorted(rows, page_row)
    return (
        page_path.take(pa.array(at)),
        page_url.take(pa.array(at)),
        page_referrer.take(pa.array(at)),
    )


def _properties(
    world: World,
    people: People,
    s: Sessions,
    v: Views,
    t: Timeline,
    facts: CheckoutFacts,
    path: pa.Array,
    url: pa.Array,
    ev_type: np.ndarray,
) -> pa.Array:
    """The properties object of each row, by kind of event."""
    e = t.session
    products = world.products
    view = t.view
    removed_view = np.full(len(s), -1)
    removed_view[v.session[v.removed]] = np.flatnonzero(v.removed)
    view = np.where(t.kind == _K["removed"], removed_view[e], view)

    def sku(r: np.ndarray) -> np.ndarray:
        return v.sku[view[r]]

    def session(values: np.ndarray | pa.Array) -> Getter:
        if isinstance(values, np.ndarray):
            return lambda r: pa.array(values[e[r]])
        return lambda r: values.take(pa.array(e[r]))

    def const(value: str) -> Getter:
        return lambda r: pa.array(np.full(len(r), value))

    page = [
        ("path", lambda r: path.take(pa.array(r)), "safe"),
        ("url", lambda r: url.take(pa.array(r)), "safe"),
    ]
    product = [
        (
            "product_id",
            lambda r: concat("PRD-", pc.utf8_slice_codeunits(take(products.sku, sku(r)), 4)),
            "safe",
        ),
        ("sku", lambda r: take(products.sku, sku(r)), "safe"),
        ("category", lambda r: take(_CATEGORY_NAMES, products.category[sku(r)]), "safe"),
        ("name", lambda r: take(products.name, sku(r)), "str"),
        ("price", lambda r: money(v.price[view[r]]), "raw"),
    ]
    quantity = (
        "quantity",
        lambda r: integers(np.where(t.kind[r] == _K["removed"], 1, v.quantity[view[r]])),
        "raw",
    )
    cart: tuple[str, Getter, str] = (
        "cart_id",
        lambda r: hex_ids("cart_", s.cart[e[r]], 12),
        "safe",
    )
    order_id = ("order_id", session(facts.order_ids), "safe")
    offer = [
        ("offer_id", lambda r: take([o for o, _ in OFFERS], s.offer[e[r]]), "safe"),
        ("offer_name", lambda r: take([x for _, x in OFFERS], s.offer[e[r]]), "str"),
    ]
    arm = people.variant[s.person]
    specs: dict[int, list[tuple[str, Getter, str]]] = {
        -2: page,
        _K["signed_in"]: [("method", const("email"), "safe")],
        _K["signed_up"]: [("method", const("email"), "safe")],
        _K["searched"]: [("query", lambda r: take(SEARCH_TERMS, s.query[e[r]]), "str")],
        _K["list_viewed"]: [
            ("list_id", lambda r: concat("cat-", take(_CATEGORY_SLUGS, s.category[e[r]])), "safe"),
            ("category", lambda r: take(_CATEGORY_NAMES, s.category[e[r]]), "safe"),
        ],
        _K["offer_shown"]: [*offer, ("placement", const("homepage_banner"), "safe")],
        _K["offer_accepted"]: offer,
        _K["offer_dismissed"]: offer,
        _K["product_viewed"]: [*product, ("currency", const(CURRENCY), "safe")],
        _K["product_added"]: [*product, quantity, cart, ("currency", const(CURRENCY), "safe")],
        _K["removed"]: [*product[:3], quantity, cart],
        _K["cart_viewed"]: [cart],
        _K["checkout_started"]: [
            order_id,
            ("value", lambda r: money(facts.value[e[r]]), "raw"),
            ("currency", const(CURRENCY), "safe"),
        ],
        _K["experiment_viewed"]: [
            ("experiment_id", const(params.EXPERIMENT_ID), "safe"),
            ("experiment_name", const(params.EXPERIMENT_NAME), "safe"),
            (
                "variation_id",
                session(np.array([x for x, _ in params.EXPERIMENT_VARIATIONS])[arm]),
                "safe",
            ),
            (
                "variation_name",
                session(np.array([x for _, x in params.EXPERIMENT_VARIATIONS])[arm]),
                "safe",
            ),
        ],
        _K["coupon_applied"]: [
            order_id,
            cart,
            ("coupon_id", lambda r: take(world.coupon_codes, s.coupon[e[r]]), "safe"),
            ("coupon_name", lambda r: take(coupon_names(world), s.coupon[e[r]]), "str"),
            ("discount", lambda r: money(facts.discount[e[r]]), "raw"),
        ],
    }
    group = np.where(ev_type == PAGE, -2, np.where(ev_type == TRACK, t.kind, -1))
    return _grouped(group, specs)


def _context(
    world: World,
    people: People,
    s: Sessions,
    t: Timeline,
    facts: CheckoutFacts,
    path: pa.Array,
    url: pa.Array,
    referrer: pa.Array,
) -> pa.Array:
    """The context object: channel, device (app) or page (web, kiosk), campaign, traits."""
    e = t.session
    guest_email = nulls_where(t.kind != _K["checkout_started"], facts.guest_email.take(pa.array(e)))
    has_email = pc.is_valid(guest_email).to_numpy(zero_copy_only=False)
    traits = _grouped(
        np.where(has_email, 0, -1), {0: [("email", lambda r: guest_email.take(pa.array(r)), "str")]}
    )

    def label(name: str) -> Getter:
        return lambda r: pa.array(np.full(len(r), name))

    def page(r: np.ndarray) -> pa.Array:
        at = pa.array(r)
        return json_object(
            [
                ("url", url.take(at), "safe"),
                ("referrer", referrer.take(at), "safe"),
            ]
        )

    def device(r: np.ndarray) -> pa.Array:
        ids = take(people.device_ids, s.device[e[r]])
        kind = np.where(people.global_index[s.person[e[r]]] % 3 == 0, "android", "ios")
        return json_object([("id", ids, "safe"), ("type", pa.array(kind), "safe")])

    campaign: Getter = lambda r: _campaign_context(world, s, e[r])  # noqa: E731
    web_traits: Getter = lambda r: traits.take(pa.array(r))  # noqa: E731
    groups: dict[int, list[tuple[str, Getter, str]]] = {
        WEB: [
            ("channel", label("web"), "safe"),
            ("page", page, "raw"),
            ("campaign", campaign, "raw"),
            ("traits", web_traits, "raw"),
        ],
        KIOSK: [
            ("channel", label("kiosk"), "safe"),
            ("page", page, "raw"),
            ("traits", web_traits, "raw"),
        ],
        APP: [
            ("channel", label("app"), "safe"),
            ("device", device, "raw"),
            ("campaign", campaign, "raw"),
            ("traits", web_traits, "raw"),
        ],
    }
    return _grouped(s.channel[e], groups)


def _campaign_context(world: World, s: Sessions, idx: np.ndarray) -> pa.Array:
    """UTM parameters of the sessions' traffic sources, null where they had none."""
    referral = s.referral[idx]
    campaign = np.maximum(s.campaign[idx], 0)
    source = np.select([referral == 2, referral == 3, referral == 4], [0, 1, 2], 3)
    tagged = np.isin(referral, (2, 3, 4, 5))
    channel = take(world.campaigns.channel, campaign)
    name = take([c.lower() for c in world.campaigns.ids], campaign)
    return nested(
        [
            (
                "source",
                nulls_where(~tagged, choose(source, "google", "facebook", "vouchercodes", channel)),
                "safe",
            ),
            (
                "medium",
                nulls_where(~tagged, choose(source, "cpc", "paid_social", "affiliate", channel)),
                "safe",
            ),
            (
                "name",
                nulls_where(
                    ~tagged,
                    choose(source, "brand_search", "seasonal_social", "voucher_partner", name),
                ),
                "safe",
            ),
        ]
    )
