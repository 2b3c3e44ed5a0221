"""The CRM: one contact per customer with an account or a loyalty card, with its history.

Movers get a second row for the same contact (new address, later ``updated_at``); a few
customers were keyed in twice and have a duplicate contact under another ``crm_id``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from omnicx.demo import noise
from omnicx.demo.calendar import DAY
from omnicx.demo.catalog import World
from omnicx.demo.formats import iso_dates, iso_utc, nulls_where, where
from omnicx.demo.messaging import platform_email_variant
from omnicx.demo.people import PHONE_COUNTRIES, People, business_mailbox


def crm_table(
    rng: np.random.Generator, world: World, people: People
) -> tuple[pa.Table, np.ndarray]:
    """Rows of the crm_customers source, and the person of each row."""
    cal = world.calendar
    contact = np.flatnonzero(people.account | people.loyalty)
    n = len(contact)
    existing = people.signup_day[contact] == 0
    joined = cal.t0 - rng.integers(30, 5 * 365, n) * DAY - rng.integers(0, DAY, n)
    signup = cal.t0 + people.signup_day[contact] * DAY + rng.integers(8 * 3600, 20 * 3600, n)
    created = np.where(existing, joined, signup)
    updated = np.where(
        existing,
        created + ((cal.t0 - created) * rng.random(n)).astype(np.int64),
        created + rng.integers(0, 7200, n),
    )

    # A move is recorded when the customer tells us, if they are still with us by then.
    told = people.move_time[contact] + rng.integers(1, 20, n) * DAY
    moved = people.moved[contact] & (told < np.minimum(people.churn_time[contact], cal.end))
    movers = contact[moved]
    dup = people.crm_duplicate[contact]
    dups = contact[dup]
    dup_created = np.where(
        existing[dup],
        cal.t0 - rng.integers(1, 900, len(dups)) * DAY,
        signup[dup] + rng.integers(1, 60, len(dups)) * DAY,
    )
    dup_created = np.minimum(dup_created, cal.end - DAY)

    person = np.concatenate([contact, movers, dups])
    created_at = np.concatenate([created, created[moved], dup_created])
    updated_at = np.concatenate(
        [updated, told[moved], dup_created + rng.integers(0, 3600, len(dups))]
    )
    address_time = np.concatenate(
        [np.full(n, cal.t0 - DAY), told[moved], np.full(len(dups), cal.t0 - DAY)]
    )
    kind = np.concatenate(
        [np.zeros(n, dtype=np.int64), np.ones(len(movers), dtype=np.int64), np.full(len(dups), 2)]
    )
    rows = len(person)
    duplicate = kind == 2
    profile = noise.PROFILES["crm"]
    till = noise.PROFILES["till"]
    platform = noise.email_variants(people, person, platform_email_variant(people, person), person)
    # Half the members of a small business registered with its shared mailbox.
    office = (people.business[person] >= 0) & (people.global_index[person] % 2 == 0)
    platform = where(office, business_mailbox(np.maximum(people.business[person], 0)), platform)
    typed = noise.emails(people, person, rng, till)
    line, postcode, city = noise.addresses(people, person, address_time, rng, profile)
    first = where(
        duplicate,
        noise.first_names(people, person, rng, till),
        noise.first_names(people, person, rng, profile),
    )
    last = noise.last_names(people, person, rng, profile)
    u = rng.random((6, rows))
    female = people.female[person]
    gender = np.where(
        u[0] < 0.05, "unknown", np.where(u[0] < 0.06, "other", np.where(female, "female", "male"))
    )
    # Where the contact was created: loyalty cards in store, accounts online.
    online = people.account[person] & ~duplicate & ((u[2] < 0.7) | ~people.loyalty[person])
    signed_up = np.where(
        online, np.where(people.app_user[person] & (u[3] < 0.4), "app", "web"), "store"
    )
    country = pa.array([c for c, _, _ in PHONE_COUNTRIES]).take(
        pa.array(np.where(u[1] < 0.5, people.phone_country[person], 0))
    )
    table = pa.table(
        {
            "crm_id": where(
                duplicate, people.crm_ids(person, duplicate=True), people.crm_ids(person)
            ),
            "updated_at": iso_utc(updated_at),
            "created_at": iso_utc(created_at),
            "user_id": nulls_where(~people.account[person] | duplicate, people.user_ids(person)),
            "loyalty_id": nulls_where(
                ~people.loyalty[person] | (duplicate & (u[2] < 0.5)), people.loyalty_ids(person)
            ),
            "email": where(duplicate, nulls_where(u[3] < 0.3, typed), platform),
            "phone": nulls_where(u[4] < 0.15, noise.phones(people, person, rng, profile)),
            "first_name": first,
            "last_name": last,
            "address": line,
            "postcode": postcode,
            "city": city,
            "country": country,
            "birth_date": nulls_where(u[5] < 0.25, iso_dates(people.birth_day[person])),
            "gender": pa.array(gender),
            "channel": pa.array(signed_up),
        }
    )
    order = np.lexsort((kind, updated_at))
    return table.take(pa.array(order)), person[order]
