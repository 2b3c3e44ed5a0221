"""Column roles for matching: what each column of a people table holds.

``detect_roles`` reads the column names first (``given_name`` is a first name,
``soc_sec_id`` a national id) and, for names it does not know, the contents (emails,
phone numbers, dates, postcodes, street names, known first names).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, get_args

import pandas as pd

from omnicx.errors import MappingError, did_you_mean
from omnicx.identity.nicknames import FIRST_NAMES
from omnicx.identity.normalize import normalize_address

Role = Literal[
    "first_name",
    "last_name",
    "full_name",
    "dob",
    "street_number",
    "address",
    "address2",
    "city",
    "postcode",
    "state",
    "email",
    "phone",
    "national_id",
    "ignore",
]
ROLES: tuple[str, ...] = get_args(Role)

# Column names (lower case, words joined by "_") that say the role outright.
ROLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("first_name", "firstname", "first", "given_name", "givenname", "given",
                   "forename", "forenames", "fname", "first_names", "christian_name"),
    "last_name": ("last_name", "lastname", "last", "surname", "family_name", "familyname",
                  "lname", "sname", "second_name"),
    "full_name": ("name", "full_name", "fullname", "customer_name", "person_name",
                  "contact_name", "display_name"),
    "dob": ("dob", "date_of_birth", "dateofbirth", "birth_date", "birthdate", "birthday",
            "bday", "d_o_b", "born"),
    "street_number": ("street_number", "street_no", "street_num", "house_number",
                      "house_no", "building_number", "number", "housenumber"),
    "address": ("address", "address_1", "address1", "address_line_1", "address_line1",
                "addr", "addr1", "addr_1", "street", "street_address", "address_street"),
    "address2": ("address_2", "address2", "address_line_2", "address_line2", "addr2",
                 "addr_2", "building_name", "property_name"),
    "city": ("city", "town", "suburb", "locality", "municipality", "town_city", "place"),
    "postcode": ("postcode", "post_code", "zip", "zipcode", "zip_code", "postal_code",
                 "postalcode", "plz", "cp", "eircode"),
    "state": ("state", "county", "province", "region", "state_code", "territory"),
    "email": ("email", "e_mail", "email_address", "emailaddress", "mail", "e_mail_address"),
    "phone": ("phone", "phone_number", "phonenumber", "telephone", "tel", "mobile",
              "mobile_number", "cell", "cellphone", "msisdn", "mobile_phone", "home_phone"),
    "national_id": ("soc_sec_id", "ssn", "social_security_number", "national_id",
                    "ni_number", "nino", "national_insurance_number", "tax_id", "nin",
                    "national_identity_number", "passport_number", "id_number"),
}  # fmt: skip

_BY_NAME = {syn: role for role, syns in ROLE_SYNONYMS.items() for syn in syns}
# Fragments that give the role away inside longer names ("work_email", "zip4").
_NAME_FRAGMENTS: tuple[tuple[str, str], ...] = (
    ("email", "email"),
    ("phone", "phone"),
    ("mobile", "phone"),
    ("postcode", "postcode"),
    ("zip", "postcode"),
    ("birth", "dob"),
    ("surname", "last_name"),
    ("forename", "first_name"),
)

# Names of columns that describe a person but do not identify one: never matched on,
# and not judged by contents (a gender column would look like a state).
_IGNORED_NAMES = frozenset(
    "gender sex title salutation honorific notes note comment comments status created "
    "created_at updated updated_at source segment country country_code nationality "
    "language locale currency company employer job_title occupation age place_of_birth "
    "birthplace birth_place country_of_birth birth_country".split()
)

_SAMPLE = 2000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s().\-/]{9,22}$")
_DATE = re.compile(
    r"^((1[89]|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T].*)?"
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}(?:[ T].*)?)$"
)
_UK_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$", re.IGNORECASE)
_NUMERIC_POSTCODE = re.compile(r"^\d{4,5}(-\d{4})?$")
_YEAR = re.compile(r"^(19|20)\d\d$")
_STREET_NUMBER = re.compile(r"^\d{1,5}[a-z]?$", re.IGNORECASE)
_NATIONAL_ID = re.compile(r"^(\d{6,12}|\d{3}-\d{2}-\d{4}|[A-Z]{2}\d{6}[A-D])$", re.IGNORECASE)
_WORDS = re.compile(r"^[^\d@]+$")
_STREET_TYPES = frozenset(
    "street road avenue lane drive court place crescent highway boulevard parade "
    "circuit terrace square close gardens grove way walk row mews hill rise view".split()
)


def detect_roles(df: pd.DataFrame, *, exclude: Iterable[str] = ()) -> dict[str, str]:
    """The role of every column of ``df``: one of ``ROLES`` (``ignore`` when unknown).

    Names decide first; columns whose names say nothing are judged by a sample of their
    values. Among plain-text columns the one with most known first names is the first
    name, the next one to it the last name; remaining place-like text columns become
    ``address2`` then ``city`` in column order. Small whole numbers are a street number
    only when there is an address. Columns in ``exclude`` (the id column) and columns
    like ``gender`` or ``notes`` are ``ignore``.
    """
    excluded = set(exclude)
    roles: dict[str, str] = {}
    unknown: list[str] = []
    for column in df.columns:
        name = str(column)
        if name in excluded:
            roles[name] = "ignore"
        elif (role := _role_from_name(name)) is not None:
            roles[name] = role
        else:
            roles[name] = "ignore"
            unknown.append(name)
    taken = set(roles.values())
    text_columns: list[str] = []
    street_numbers: list[str] = []
    for name in unknown:
        values = _sample(df[name])
        if values.empty:
            continue
        role = _role_from_values(values, taken)
        if role == "text":
            text_columns.append(name)
        elif role == "street_number":
            street_numbers.append(name)
        elif role is not None:
            roles[name] = role
            taken.add(role)
    # small whole numbers are street numbers only beside an address (else: order counts)
    if street_numbers and "address" in taken and "street_number" not in taken:
        roles[street_numbers[0]] = "street_number"
        taken.add("street_number")
    for name, role in _text_roles(df, text_columns, taken).items():
        roles[name] = role
    return roles


def resolve_roles(
    df: pd.DataFrame,
    columns: Mapping[str, str] | Sequence[str] | None,
    *,
    exclude: Iterable[str] = (),
) -> dict[str, str]:
    """Role → column for matching: ``columns`` if given, else what ``detect_roles`` finds.

    ``columns`` is either a mapping role → column (used as given) or a list of columns
    (roles detected among those only). The first column of each role wins.

    Raises ``MappingError`` for an unknown role or a column not in ``df``.
    """
    present = [str(c) for c in df.columns]
    if isinstance(columns, Mapping):
        chosen: dict[str, str] = {}
        for role, column in columns.items():
            if role not in ROLES:
                raise MappingError(
                    f"unknown matching role {role!r}{did_you_mean(role, ROLES)}; "
                    f"valid roles: {', '.join(ROLES)}"
                )
            _check_column(column, present)
            if role != "ignore":
                chosen[role] = column
        return chosen
    if columns is not None:
        for column in columns:
            _check_column(column, present)
        df = df[list(columns)]
    chosen = {}
    for column, role in detect_roles(df, exclude=exclude).items():
        if role != "ignore":
            chosen.setdefault(role, column)
    return chosen


def _check_column(column: str, present: list[str]) -> None:
    if column not in present:
        raise MappingError(
            f"column {column!r} is not in the data{did_you_mean(column, present)}; "
            f"columns present: {', '.join(present)}"
        )


def _role_from_name(name: str) -> str | None:
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    if key in _IGNORED_NAMES:
        return "ignore"
    if key in _BY_NAME:
        return _BY_NAME[key]
    for fragment, role in _NAME_FRAGMENTS:
        if fragment in key:
            return role
    return None


def _sample(column: pd.Series) -> pd.Series:
    values = column.dropna().astype(str).str.strip()
    values = values[values != ""]
    if len(values) > _SAMPLE:
        values = values.sample(_SAMPLE, random_state=0)
    return values


def _share(values: pd.Series, pattern: re.Pattern[str]) -> float:
    return float(values.map(lambda v: bool(pattern.match(v))).mean())


def _role_from_values(values: pd.Series, taken: set[str]) -> str | None:
    """The role a column's values show, "text" for plain words, None when unclear."""
    lengths = values.str.len()
    distinct = values.nunique() / len(values)
    checks: list[tuple[str, bool]] = [
        ("email", _share(values, _EMAIL) >= 0.8),
        ("dob", _share(values, _DATE) >= 0.8),
        (
            "phone",
            _share(values, _PHONE) >= 0.8 and values.str.count(r"\d").between(9, 15).mean() >= 0.8,
        ),
        ("postcode", _share(values, _UK_POSTCODE) >= 0.8),
        (
            # numeric postcodes have one length; ids and house numbers vary or are unique
            "postcode",
            _share(values, _NUMERIC_POSTCODE) >= 0.9
            and lengths.value_counts(normalize=True).iloc[0] >= 0.9
            and distinct < 0.9
            and _share(values, _YEAR) < 0.8,
        ),
        ("national_id", _share(values, _NATIONAL_ID) >= 0.9 and distinct >= 0.5),
        ("street_number", _share(values, _STREET_NUMBER) >= 0.9 and lengths.mean() <= 3.5),
        ("address", _street_type_share(values) >= 0.3),
        ("state", _share(values, _WORDS) >= 0.9 and values.nunique() <= 100 and distinct < 0.05),
    ]
    for role, hit in checks:
        if hit and role not in taken:
            return role
    if _share(values, _WORDS) >= 0.9:
        return "text"
    return None


def _street_type_share(values: pd.Series) -> float:
    def ends_with_street_type(value: str) -> bool:
        words = (normalize_address(value) or "").split()
        return bool(words) and words[-1] in _STREET_TYPES

    return float(values.map(ends_with_street_type).mean())


def _text_roles(df: pd.DataFrame, columns: list[str], taken: set[str]) -> dict[str, str]:
    """Roles of plain-text columns: first name by known names, then last name, places."""
    remaining = list(columns)
    roles: dict[str, str] = {}
    if "first_name" not in taken and remaining:
        share = {c: float(_sample(df[c]).str.lower().isin(FIRST_NAMES).mean()) for c in remaining}
        best = max(remaining, key=lambda c: share[c])
        if share[best] >= 0.15:
            roles[best] = "first_name"
            taken.add("first_name")
            remaining.remove(best)
    if "last_name" not in taken and remaining and "first_name" in taken:
        first = next((c for c, r in roles.items() if r == "first_name"), None)
        last = _neighbour(df, first, remaining) if first else None
        if last is not None:
            roles[last] = "last_name"
            taken.add("last_name")
            remaining.remove(last)
    for role in ("address2", "city"):
        if len(remaining) == 1 and role == "address2" and "city" not in taken:
            continue  # a single place column is more likely the town than a second line
        if remaining and role not in taken:
            roles[remaining.pop(0)] = role
            taken.add(role)
    return roles


def _neighbour(df: pd.DataFrame, column: str, candidates: list[str]) -> str | None:
    """The candidate right after ``column`` in ``df`` (or right before), if any."""
    order = [str(c) for c in df.columns]
    at = order.index(column)
    for near in (at + 1, at - 1):
        if 0 <= near < len(order) and order[near] in candidates:
            return order[near]
    return None
