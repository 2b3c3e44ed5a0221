"""The customers of one chunk: latent traits, households, contact details and identifiers.

People are held as numbers (indices into vocabularies, id numbers); ``noise.py``
renders them as the strings each source writes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from omnicx.demo import params
from omnicx.demo.catalog import World
from omnicx.demo.formats import (
    codes,
    concat,
    fixed_width,
    hex_ids,
    padded,
    random_words,
    scrambled,
    uuids,
)
from omnicx.demo.vocab import (
    BUSINESS_TRADES,
    CATEGORIES,
    CITIES,
    EMAIL_DOMAINS,
    FEMALE_NAMES,
    LAST_NAMES,
    MALE_NAMES,
    STREETS,
    SUFFIXES,
    ascii_slug,
)

FIRST_NAMES = FEMALE_NAMES + MALE_NAMES
NEVER = np.iinfo(np.int64).max  # a time that never comes (not moved, not churned)
MAX_COOKIES = 4
# Calling code and length of the national number; foreign numbers are a minority.
PHONE_COUNTRIES = (
    ("GB", "44", 10),
    ("NL", "31", 9),
    ("FR", "33", 9),
    ("DE", "49", 11),
    ("ES", "34", 9),
)
_PHONE_COUNTRY_SHARE = np.array([0.0, 0.2, 0.3, 0.3, 0.2])
# Leading digits of mobile numbers, before 8 person-unique digits.
_PHONE_LEADS = ((74, 75, 77, 78, 79), (6,), (6, 7), (151, 152, 157, 160, 170, 176), (6, 7))


@dataclass
class Address:
    """Address components: street line, city and postcode parts."""

    house: np.ndarray
    flat: np.ndarray  # 0: no flat
    street: np.ndarray
    suffix: np.ndarray
    city: np.ndarray
    district: np.ndarray
    sector: np.ndarray
    unit: np.ndarray  # two letters, 0..399
    store: np.ndarray  # nearest store


@dataclass
class People:
    """One chunk of customers; arrays are indexed by the person's position in the chunk."""

    chunk: int
    offset: int  # global index of the first person
    archetype: np.ndarray
    household: np.ndarray  # global index of the household's first member
    satisfaction: np.ndarray
    activity: np.ndarray
    female: np.ndarray
    first: np.ndarray  # index into FIRST_NAMES
    last: np.ndarray  # index into LAST_NAMES
    birth_day: np.ndarray  # days since the epoch
    email_pattern: np.ndarray
    email_domain: np.ndarray
    business: np.ndarray  # global business number of a shared info@ mailbox, or -1
    phone_country: np.ndarray
    phone_number: np.ndarray  # national significant number
    home: Address
    moved: np.ndarray
    move_time: np.ndarray
    new_home: Address
    signup_day: np.ndarray
    account: np.ndarray
    loyalty: np.ndarray
    app_user: np.ndarray
    devices: np.ndarray  # (n, 2) codes into device_ids / app_anon_ids; slot 1 may be shared
    n_cookies: np.ndarray
    cookies: np.ndarray  # (n, MAX_COOKIES) codes into anon_ids
    n_cards: np.ndarray
    cards: np.ndarray  # (n, 2) codes into tokens
    wifi: np.ndarray  # code into wifi_ids, or -1
    email_optin: np.ndarray
    sms_optin: np.ndarray
    push_optin: np.ndarray
    location_optin: np.ndarray
    variant: np.ndarray  # experiment arm, 0 control / 1 treatment
    social: np.ndarray  # platform index, or -1
    affinity: np.ndarray  # (n, categories) category preference
    crm_duplicate: np.ndarray
    device_ids: pa.Array
    app_anon_ids: pa.Array
    anon_ids: pa.Array  # web cookies
    tokens: pa.Array
    wifi_ids: pa.Array
    churn_time: np.ndarray  # filled in by the churn step

    @property
    def n(self) -> int:
        return len(self.archetype)

    @property
    def global_index(self) -> np.ndarray:
        return self.offset + np.arange(self.n)

    def person_ids(self, idx: np.ndarray | None = None) -> pa.Array:
        """Ground-truth person ids (``P0000001``)."""
        index = self.global_index if idx is None else self.offset + np.asarray(idx)
        return codes("P", index + 1, 7)

    def user_ids(self, idx: np.ndarray) -> pa.Array:
        return codes("U", scrambled(self.offset + np.asarray(idx), 9, 104_729), 9)

    def loyalty_ids(self, idx: np.ndarray) -> pa.Array:
        return codes("LC", scrambled(self.offset + np.asarray(idx), 10, 7_654_321), 10)

    def crm_ids(self, idx: np.ndarray, duplicate: bool = False) -> pa.Array:
        number = self.offset + np.asarray(idx) + (50_000_000 if duplicate else 0)
        return codes("CRM", scrambled(number, 8, 31_337), 8)

    def home_at(self, idx: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """True where the person lived at the new address at that time."""
        return self.moved[idx] & (seconds >= self.move_time[idx])

    def store_at(self, idx: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """The person's nearest store at that time (it changes when they move)."""
        return np.where(self.home_at(idx, seconds), self.new_home.store[idx], self.home.store[idx])


def _addresses(rng: np.random.Generator, world: World, n: int, store: np.ndarray) -> Address:
    city = world.stores.city[store]
    flats = rng.random(n) < 0.18
    return Address(
        house=rng.integers(1, 160, n),
        flat=np.where(flats, rng.integers(1, 30, n), 0),
        street=rng.integers(0, len(STREETS), n),
        suffix=rng.integers(0, len(SUFFIXES), n),
        city=city,
        district=rng.integers(1, 28, n),
        sector=rng.integers(0, 10, n),
        unit=rng.integers(0, 400, n),
        store=store,
    )


def _households(rng: np.random.Generator, n: int) -> np.ndarray:
    """Position of each person's household head (households are runs of neighbours)."""
    sizes_p = np.array(list(params.HOUSEHOLD_SIZES.values()))
    sizes = rng.choice(np.array(list(params.HOUSEHOLD_SIZES)), size=n, p=sizes_p)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    starts = starts[starts < n]
    head = np.zeros(n, dtype=np.int64)
    head[starts] = starts
    return np.maximum.accumulate(head)


def generate_people(
    rng: np.random.Generator, world: World, chunk: int, offset: int, n: int
) -> People:
    """``n`` customers with global indices ``offset .. offset + n - 1``."""
    cal = world.calendar
    weight = params.archetype_array("weight")
    archetype = rng.choice(len(weight), size=n, p=weight / weight.sum()).astype(np.int64)

    def arch(attribute: str) -> np.ndarray:
        return params.archetype_array(attribute)[archetype]

    head = _households(rng, n)
    satisfaction = np.clip(
        arch("satisfaction") + params.SATISFACTION_SD * rng.standard_normal(n), 0, 1
    )
    activity = np.exp(params.ACTIVITY_SIGMA * rng.standard_normal(n) - params.ACTIVITY_SIGMA**2 / 2)
    female = rng.random(n) < 0.52
    first = np.where(
        female,
        rng.integers(0, len(FEMALE_NAMES), n),
        len(FEMALE_NAMES) + rng.integers(0, len(MALE_NAMES), n),
    )
    last = rng.integers(0, len(LAST_NAMES), n)
    last = np.where(rng.random(n) < 0.8, last[head], last)  # most households share a surname
    birth_day = cal.epoch_day0 - rng.integers(18 * 365, 80 * 365, n)

    # Home and moves: a household lives together and moves together.
    store = rng.choice(len(world.stores.ids), size=n, p=world.stores.traffic)[head]
    home = _addresses(rng, world, n, store)
    for name in ("house", "flat", "street", "suffix", "district", "sector", "unit"):
        setattr(home, name, getattr(home, name)[head])
    moved = (rng.random(n) < params.MOVERS)[head] & (cal.days >= 60)
    move_day = rng.integers(20, max(21, cal.days - 30), n)[head]
    move_time = np.where(moved, cal.t0 + move_day * 86_400 + 43_200, NEVER)
    same_city = (rng.random(n) < 0.7)[head]
    new_store = np.where(
        same_city, store, rng.choice(len(world.stores.ids), size=n, p=world.stores.traffic)[head]
    )
    new_home = _addresses(rng, world, n, new_store)
    for name in ("house", "flat", "street", "suffix", "district", "sector", "unit"):
        setattr(new_home, name, getattr(new_home, name)[head])

    # Acquired customers arrive during the period, more of them in the busy season.
    acquired = rng.random(n) < arch("acquired")
    cum = cal.cumulative(cal.online)
    first_day = np.searchsorted(cum, rng.random(n) * cum[max(1, cal.days - 7)], side="right") - 1
    signup_day = np.where(acquired, np.clip(first_day, 0, cal.days - 1), 0)
    move_time = np.where(move_time < cal.t0 + signup_day * 86_400, NEVER, move_time)
    moved &= move_time != NEVER

    domains = np.array([d[1] for d in EMAIL_DOMAINS])
    email_domain = rng.choice(len(EMAIL_DOMAINS), size=n, p=domains / domains.sum())
    email_pattern = rng.integers(0, 5, n)
    foreign = rng.random(n) < params.FOREIGN_PHONE
    phone_country = np.where(
        foreign, rng.choice(len(PHONE_COUNTRIES), size=n, p=_PHONE_COUNTRY_SHARE), 0
    )
    unique = scrambled(offset + np.arange(n), 8, 12_345)  # no two people share a number
    lead = np.zeros(n, dtype=np.int64)
    for c, leads in enumerate(_PHONE_LEADS):
        lead = np.where(phone_country == c, rng.choice(np.array(leads), size=n), lead)
    phone_number = lead * 10**8 + unique

    account = rng.random(n) < arch("account")
    loyalty = rng.random(n) < arch("loyalty")
    app_user = rng.random(n) < arch("app_user")

    # Devices: a phone, sometimes a tablet; some households share the tablet.
    device_words = random_words(rng, 2 * n, 2)
    devices = np.arange(2 * n).reshape(n, 2)
    has_tablet = app_user & (rng.random(n) < 0.3)
    sizes = np.bincount(head, minlength=n)
    shares = (sizes[head] > 1) & (rng.random(n) < params.SHARED_DEVICE_HOUSEHOLDS)[head]
    app_user |= shares  # the whole family uses the shared tablet
    has_tablet |= shares
    devices[:, 1] = np.where(shares, devices[head, 1], devices[:, 1])
    devices = np.where(np.stack([app_user, has_tablet], axis=1), devices, -1)

    n_cookies = np.minimum(1 + rng.poisson(1.2 * cal.days / 365, n), MAX_COOKIES)
    cookies = np.arange(n * MAX_COOKIES).reshape(n, MAX_COOKIES)
    n_cards = rng.choice(3, size=n, p=[0.1, 0.6, 0.3])
    cards = np.arange(2 * n).reshape(n, 2)
    wifi = np.where(rng.random(n) < 0.25, np.arange(n), -1)

    # Shared info@ mailboxes: a small business with three customers using one address.
    business = np.full(n, -1, dtype=np.int64)
    count = max(1, round(n / params.BUSINESS_MAILBOX_EVERY)) if n >= 20 else 0
    members = rng.choice(n, size=count * params.PEOPLE_PER_BUSINESS_MAILBOX, replace=False)
    number = chunk * 10_000 + np.arange(count)
    business[members] = np.repeat(number, params.PEOPLE_PER_BUSINESS_MAILBOX)
    owners = members[:: params.PEOPLE_PER_BUSINESS_MAILBOX]
    last[owners] = number % len(LAST_NAMES)

    affinity = rng.dirichlet(np.full(len(CATEGORIES), 0.6), size=n)
    median_price = np.array([c[3] for c in CATEGORIES])
    affinity *= (median_price[None, :] / median_price.mean()) ** (arch("price_level")[:, None] - 1)
    affinity[:, 0] *= np.where(female, 2.0, 0.4)  # womenswear
    affinity[:, 1] *= np.where(female, 0.4, 2.0)  # menswear
    affinity /= affinity.sum(axis=1, keepdims=True)

    return People(
        chunk=chunk,
        offset=offset,
        archetype=archetype,
        household=offset + head,
        satisfaction=satisfaction,
        activity=activity,
        female=female,
        first=first,
        last=last,
        birth_day=birth_day,
        email_pattern=email_pattern,
        email_domain=email_domain,
        business=business,
        phone_country=phone_country,
        phone_number=phone_number,
        home=home,
        moved=moved,
        move_time=move_time,
        new_home=new_home,
        signup_day=signup_day,
        account=account,
        loyalty=loyalty,
        app_user=app_user,
        devices=devices,
        n_cookies=n_cookies,
        cookies=cookies,
        n_cards=n_cards,
        cards=cards,
        wifi=wifi,
        email_optin=rng.random(n) < arch("email_optin"),
        sms_optin=rng.random(n) < arch("sms_optin"),
        push_optin=app_user & (rng.random(n) < arch("push_optin")),
        location_optin=app_user & (rng.random(n) < 0.6),
        variant=rng.integers(0, 2, n),
        social=np.where(rng.random(n) < 0.15, rng.integers(0, 5, n), -1),
        affinity=affinity,
        crm_duplicate=rng.random(n) < params.DUPLICATE_CRM,
        device_ids=uuids(device_words, upper=True),
        app_anon_ids=uuids(random_words(rng, 2 * n, 2)),
        anon_ids=uuids(random_words(rng, n * MAX_COOKIES, 2)),
        tokens=hex_ids("tok_", random_words(rng, 2 * n, 2), 24),
        wifi_ids=hex_ids("mac_", random_words(rng, n, 1), 16),
        churn_time=np.full(n, NEVER, dtype=np.int64),
    )


def business_mailbox(number: np.ndarray) -> pa.Array:
    """The shared ``info@`` address of a business (clean form)."""
    surname = pa.array([ascii_slug(s) for s in LAST_NAMES]).take(pa.array(number % len(LAST_NAMES)))
    trade_index = (number // len(LAST_NAMES)) % len(BUSINESS_TRADES)
    trade = pa.array(list(BUSINESS_TRADES)).take(pa.array(trade_index))
    series = number // (len(LAST_NAMES) * len(BUSINESS_TRADES))
    suffix = pa.array(np.where(series > 0, series.astype(str), ""))
    return concat("info@", surname, trade, suffix, ".co.uk")


def city_names(city: np.ndarray) -> pa.Array:
    return pa.array([c[0] for c in CITIES]).take(pa.array(city))


def postcodes(address: Address, idx: np.ndarray) -> pa.Array:
    """Clean postcodes (``M14 5RT``) of the given people."""
    letters = np.frombuffer(b"ABDEFGHJLNPQRSTUWXYZ", dtype=np.uint8)
    unit = address.unit[idx]
    pair = np.stack([letters[unit // 20], letters[unit % 20]], axis=1)
    area = pa.array([c[4] for c in CITIES]).take(pa.array(address.city[idx]))
    return concat(
        area,
        padded(address.district[idx], 1),
        " ",
        padded(address.sector[idx], 1),
        fixed_width(pair.astype(np.uint8)),
    )
