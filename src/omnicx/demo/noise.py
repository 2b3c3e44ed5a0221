"""Contact details as real sources capture them: case, spacing, formats, typos, nicknames.

Each source has a ``Profile``: the probability of each way of writing a value. Rendering
is vectorised: every variant is built for every row, then one is chosen per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omnicx.demo.formats import choose, concat, integers, padded, take, where
from omnicx.demo.people import FIRST_NAMES, PHONE_COUNTRIES, Address, People, business_mailbox
from omnicx.demo.people import city_names as _city_names
from omnicx.demo.people import postcodes as _postcodes
from omnicx.demo.vocab import (
    EMAIL_DOMAINS,
    LAST_NAMES,
    PLUS_TAGS,
    STREETS,
    SUFFIXES,
    ascii_slug,
    typos,
)


@dataclass(frozen=True)
class Profile:
    """Probabilities of each variant of each contact field, for one kind of source."""

    email: tuple[float, ...]  # clean, Capitalised, spaces+UPPER domain, plus tag, googlemail, dots
    phone: tuple[float, ...]  # E.164, +44 spaced, 07..., 07 spaced, +44 (0)..-..-.., 0044...
    first: tuple[float, ...]  # as given, nickname, swapped letters, dropped letter, lower, UPPER
    last: tuple[float, ...]  # as given, swapped letters, dropped letter, UPPER, lower
    address: tuple[float, ...]  # full, abbreviated suffix, lower, flat as 3/22 (UPPER), flat last
    postcode: tuple[float, ...]  # clean, no space, lower, lower no space
    city: tuple[float, ...]  # as given, UPPER, lower


PROFILES: dict[str, Profile] = {
    "crm": Profile(
        (0.86, 0.05, 0.03, 0.03, 0.02, 0.01),
        (0.35, 0.25, 0.25, 0.10, 0.03, 0.02),
        (0.92, 0.03, 0.02, 0.02, 0.005, 0.005),
        (0.95, 0.02, 0.02, 0.005, 0.005),
        (0.60, 0.25, 0.05, 0.05, 0.05),
        (0.85, 0.10, 0.03, 0.02),
        (0.90, 0.07, 0.03),
    ),
    "account": Profile(
        (0.90, 0.04, 0.01, 0.03, 0.01, 0.01),
        (0.40, 0.30, 0.20, 0.05, 0.03, 0.02),
        (0.90, 0.06, 0.02, 0.01, 0.005, 0.005),
        (0.97, 0.01, 0.01, 0.005, 0.005),
        (0.55, 0.30, 0.05, 0.05, 0.05),
        (0.80, 0.12, 0.05, 0.03),
        (0.90, 0.05, 0.05),
    ),
    "guest": Profile(
        (0.55, 0.12, 0.10, 0.10, 0.07, 0.06),
        (0.20, 0.20, 0.35, 0.15, 0.05, 0.05),
        (0.70, 0.15, 0.05, 0.04, 0.04, 0.02),
        (0.88, 0.04, 0.04, 0.02, 0.02),
        (0.40, 0.30, 0.10, 0.10, 0.10),
        (0.60, 0.25, 0.10, 0.05),
        (0.80, 0.10, 0.10),
    ),
    "till": Profile(
        (0.50, 0.10, 0.15, 0.05, 0.10, 0.10),
        (0.10, 0.10, 0.50, 0.20, 0.05, 0.05),
        (0.60, 0.20, 0.08, 0.08, 0.02, 0.02),
        (0.80, 0.08, 0.08, 0.02, 0.02),
        (0.40, 0.30, 0.10, 0.10, 0.10),
        (0.50, 0.30, 0.10, 0.10),
        (0.70, 0.15, 0.15),
    ),
    "agent": Profile(
        (0.60, 0.10, 0.10, 0.05, 0.10, 0.05),
        (0.20, 0.20, 0.30, 0.20, 0.05, 0.05),
        (0.55, 0.20, 0.10, 0.10, 0.03, 0.02),
        (0.75, 0.10, 0.10, 0.03, 0.02),
        (0.40, 0.30, 0.10, 0.10, 0.10),
        (0.50, 0.30, 0.10, 0.10),
        (0.80, 0.10, 0.10),
    ),
    "survey": Profile(
        (0.80, 0.08, 0.04, 0.04, 0.02, 0.02),
        (0.40, 0.20, 0.25, 0.10, 0.03, 0.02),
        (0.80, 0.12, 0.03, 0.03, 0.01, 0.01),
        (0.92, 0.03, 0.03, 0.01, 0.01),
        (0.50, 0.30, 0.10, 0.05, 0.05),
        (0.70, 0.20, 0.05, 0.05),
        (0.85, 0.10, 0.05),
    ),
}

_FIRST = pa.array([n for n, _ in FIRST_NAMES])
_FIRST_SLUG = pa.array([ascii_slug(n) for n, _ in FIRST_NAMES])
_FIRST_CAP = pa.array([ascii_slug(n).capitalize() for n, _ in FIRST_NAMES])
_FIRST_INITIAL = pa.array([ascii_slug(n)[0] for n, _ in FIRST_NAMES])
_FIRST_TYPOS = [pa.array([typos(n)[k] for n, _ in FIRST_NAMES]) for k in range(2)]
_NICK_COUNT = np.array([len(nicks) for _, nicks in FIRST_NAMES])
_NICK_START = np.concatenate([[0], np.cumsum(_NICK_COUNT)])
_NICKS = pa.array([nick for _, nicks in FIRST_NAMES for nick in nicks] + [""])
_LAST = pa.array(list(LAST_NAMES))
_LAST_SLUG = pa.array([ascii_slug(n) for n in LAST_NAMES])
_LAST_CAP = pa.array([ascii_slug(n).capitalize() for n in LAST_NAMES])
_LAST_TYPOS = [pa.array([typos(n)[k] for n in LAST_NAMES]) for k in range(2)]
_DOMAINS = pa.array([d for d, _ in EMAIL_DOMAINS])
_GMAIL = next(i for i, (d, _) in enumerate(EMAIL_DOMAINS) if d == "gmail.com")


def draw(rng: np.random.Generator, probabilities: tuple[float, ...], n: int) -> np.ndarray:
    """A variant code per row."""
    p = np.asarray(probabilities, dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum())


def clean_emails(people: People, idx: np.ndarray) -> pa.Array:
    """The person's own e-mail address in its clean form."""
    return email_variants(people, idx, np.zeros(len(idx), dtype=np.int64), np.zeros(len(idx), int))


def email_variants(
    people: People, idx: np.ndarray, variant: np.ndarray, tag: np.ndarray
) -> pa.Array:
    """The person's e-mail written in the given variant (see ``Profile.email``)."""
    idx = np.asarray(idx)
    first, last = people.first[idx], people.last[idx]
    number = integers(people.offset + idx + 1)
    pattern = people.email_pattern[idx]

    def local(first_names: pa.Array, initials: pa.Array, last_names: pa.Array) -> pa.Array:
        f, la = take(first_names, first), take(last_names, last)
        return choose(
            pattern,
            concat(f, ".", la, number),
            concat(f, la, number),
            concat(take(initials, first), la, number),
            concat(f, "_", number),
            concat(la, ".", f, number),
        )

    lower = local(_FIRST_SLUG, _FIRST_INITIAL, _LAST_SLUG)
    capital = local(_FIRST_CAP, pc.utf8_upper(_FIRST_INITIAL), _LAST_CAP)
    domain = take(_DOMAINS, people.email_domain[idx])
    gmail = people.email_domain[idx] == _GMAIL
    clean = concat(lower, "@", domain)
    dotted = pc.if_else(
        pc.match_substring(lower, "."),
        pc.replace_substring(lower, ".", ""),
        concat(pc.utf8_slice_codeunits(lower, 0, 1), ".", pc.utf8_slice_codeunits(lower, 1)),
    )
    return choose(
        variant,
        clean,
        concat(capital, "@", domain),
        concat(" ", lower, "@", pc.utf8_upper(domain), " "),
        concat(lower, "+", take(PLUS_TAGS, tag % len(PLUS_TAGS)), "@", domain),
        where(gmail, concat(lower, "@googlemail.com"), pc.utf8_upper(clean)),
        where(gmail, concat(dotted, "@gmail.com"), concat(clean, " ")),
    )


def emails(
    people: People,
    idx: np.ndarray,
    rng: np.random.Generator,
    profile: Profile,
    mailbox_share: float = 0.0,
) -> pa.Array:
    """E-mails as a source captures them; business members sometimes give the shared mailbox."""
    idx = np.asarray(idx)
    variant = draw(rng, profile.email, len(idx))
    personal = email_variants(people, idx, variant, rng.integers(0, 1000, len(idx)))
    shared = (people.business[idx] >= 0) & (rng.random(len(idx)) < mailbox_share)
    if not shared.any():
        return personal
    box = business_mailbox(np.maximum(people.business[idx], 0))
    box = choose(
        np.minimum(variant, 3),
        box,
        concat("Info", pc.utf8_slice_codeunits(box, 4)),
        concat(" ", box),
        pc.utf8_upper(box),
    )
    return where(shared, box, personal)


def e164(people: People, idx: np.ndarray) -> pa.Array:
    """The person's phone number in E.164."""
    return phones_in(people, idx, np.zeros(len(idx), dtype=np.int64))


def phones_in(people: People, idx: np.ndarray, variant: np.ndarray) -> pa.Array:
    """Phone numbers written in the given variant (see ``Profile.phone``)."""
    idx = np.asarray(idx)
    country = people.phone_country[idx]
    parts: list[pa.Array] = []
    order: list[np.ndarray] = []
    for c, (_, code, length) in enumerate(PHONE_COUNTRIES):
        rows = np.flatnonzero(country == c)
        if len(rows) == 0:
            continue
        d = padded(people.phone_number[idx[rows]], length)

        def cut(lo: int, hi: int | None = None, d: pa.Array = d) -> pa.Array:
            return pc.utf8_slice_codeunits(d, lo, hi)

        if code == "44":
            text = choose(
                variant[rows],
                concat("+44", d),
                concat("+44 ", cut(0, 4), " ", cut(4)),
                concat("0", d),
                concat("0", cut(0, 4), " ", cut(4, 7), " ", cut(7)),
                concat("+44 (0)", cut(0, 4), "-", cut(4, 7), "-", cut(7)),
                concat("0044", d),
            )
        else:
            text = choose(
                variant[rows] % 4,
                concat(f"+{code}", d),
                concat(
                    f"+{code} ",
                    cut(0, length - 8),
                    " ",
                    cut(length - 8, length - 4),
                    " ",
                    cut(length - 4),
                ),
                concat(f"00{code}", d),
                concat(f"+{code} (0)", d),
            )
        parts.append(text)
        order.append(rows)
    rows_in_order = np.concatenate(order) if order else np.zeros(0, dtype=np.int64)
    inverse = np.empty(len(idx), dtype=np.int64)
    inverse[rows_in_order] = np.arange(len(idx))
    combined = pa.concat_arrays(parts) if parts else pa.array([], pa.string())
    return combined.take(pa.array(inverse))


def phones(people: People, idx: np.ndarray, rng: np.random.Generator, profile: Profile) -> pa.Array:
    return phones_in(people, idx, draw(rng, profile.phone, len(idx)))


def first_names(
    people: People, idx: np.ndarray, rng: np.random.Generator, profile: Profile
) -> pa.Array:
    """Given names: as registered, a nickname (Robert -> Bob), a typo, or a case slip."""
    first = people.first[np.asarray(idx)]
    variant = draw(rng, profile.first, len(first))
    has_nick = _NICK_COUNT[first] > 0
    pick = _NICK_START[first] + rng.integers(0, 1 << 30, len(first)) % np.maximum(
        _NICK_COUNT[first], 1
    )
    canonical = take(_FIRST, first)
    nickname = where(has_nick, take(_NICKS, pick), canonical)
    return choose(
        variant,
        canonical,
        nickname,
        take(_FIRST_TYPOS[0], first),
        take(_FIRST_TYPOS[1], first),
        pc.utf8_lower(canonical),
        pc.utf8_upper(canonical),
    )


def last_names(
    people: People, idx: np.ndarray, rng: np.random.Generator, profile: Profile
) -> pa.Array:
    last = people.last[np.asarray(idx)]
    canonical = take(_LAST, last)
    return choose(
        draw(rng, profile.last, len(last)),
        canonical,
        take(_LAST_TYPOS[0], last),
        take(_LAST_TYPOS[1], last),
        pc.utf8_upper(canonical),
        pc.utf8_lower(canonical),
    )


def true_first_names(people: People, idx: np.ndarray) -> pa.Array:
    return take(_FIRST, people.first[np.asarray(idx)])


def true_last_names(people: People, idx: np.ndarray) -> pa.Array:
    return take(_LAST, people.last[np.asarray(idx)])


def current_address(
    people: People, idx: np.ndarray, seconds: np.ndarray
) -> tuple[Address, np.ndarray]:
    """Address components per row at the given times (new address after a move)."""
    idx = np.asarray(idx)
    new = people.home_at(idx, seconds)
    fields = ("house", "flat", "street", "suffix", "city", "district", "sector", "unit", "store")
    picked = {
        f: np.where(new, getattr(people.new_home, f)[idx], getattr(people.home, f)[idx])
        for f in fields
    }
    return Address(**picked), np.arange(len(idx))


def addresses(
    people: People,
    idx: np.ndarray,
    seconds: np.ndarray,
    rng: np.random.Generator,
    profile: Profile,
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(street line, postcode, city) per row, at the address the person had at that time."""
    address, rows = current_address(people, idx, seconds)
    n = len(rows)
    house = integers(address.house)
    flat = integers(address.flat)
    has_flat = address.flat > 0
    street = take(STREETS, address.street)
    full = concat(house, " ", street, " ", take([s for s, _ in SUFFIXES], address.suffix))
    short = concat(house, " ", street, " ", take([a for _, a in SUFFIXES], address.suffix))
    flat_first = concat("Flat ", flat, ", ")
    v0 = where(has_flat, concat(flat_first, full), full)
    line = choose(
        draw(rng, profile.address, n),
        v0,
        where(has_flat, concat(flat_first, short), short),
        pc.utf8_lower(v0),
        where(has_flat, concat(flat, "/", full), pc.utf8_upper(short)),
        where(has_flat, concat(full, ", Flat ", flat), pc.utf8_lower(short)),
    )
    clean = _postcodes(address, rows)
    squeezed = pc.replace_substring(clean, " ", "")
    postcode = choose(
        draw(rng, profile.postcode, n),
        clean,
        squeezed,
        pc.utf8_lower(clean),
        pc.utf8_lower(squeezed),
    )
    city_name = _city_names(address.city)
    city = choose(
        draw(rng, profile.city, n), city_name, pc.utf8_upper(city_name), pc.utf8_lower(city_name)
    )
    return line, postcode, city


def true_postcodes(people: People, idx: np.ndarray, new: bool = False) -> pa.Array:
    return _postcodes(people.new_home if new else people.home, np.asarray(idx))
