"""The normalised columns matching compares, built from the columns given roles.

Feature names are fixed so comparisons and blocking rules can be written once, whatever
the input columns are called: ``first_name`` (+ ``first_name_canon``, nickname resolved,
and ``first_name_sx``, Soundex), ``last_name`` (+ ``last_name_sx``), ``dob``
(``YYYY-MM-DD``), ``street_number``, ``address``, ``address2``, ``city``, ``postcode``,
``state``, ``email``, ``phone`` (E.164) and ``national_id``. User blocking rules
(``MatchSettings.blocking_rules``) refer to these names.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from omnicx.identity.normalize import (
    canonical_first_name,
    normalize_address,
    normalize_column,
    normalize_date,
    normalize_email,
    normalize_name,
    normalize_phone,
    normalize_postcode,
    soundex,
)

if TYPE_CHECKING:
    from omnicx.identity.matching import MatchSettings


def build_features(
    frame: pd.DataFrame, roles: dict[str, str], settings: MatchSettings, *, offset: int = 0
) -> pd.DataFrame:
    """A frame with ``unique_id`` (row number + ``offset``) and the normalised features.

    Features whose role has no column are left out. A ``full_name`` is split into first
    and last name when those roles have no columns of their own.
    """
    out: dict[str, object] = {"unique_id": np.arange(offset, offset + len(frame), dtype="int64")}

    def column(role: str) -> pd.Series:
        return frame[roles[role]].reset_index(drop=True)

    first = column("first_name") if "first_name" in roles else None
    last = column("last_name") if "last_name" in roles else None
    if "full_name" in roles and (first is None or last is None):
        split = normalize_column(column("full_name"), _split_full_name)
        if first is None:
            first = split.map(lambda p: p[0] if p else None)
        if last is None:
            last = split.map(lambda p: p[1] if p else None)
    if first is not None:
        out["first_name"] = normalize_column(first, normalize_name)
        out["first_name_canon"] = normalize_column(first, canonical_first_name)
        out["first_name_sx"] = normalize_column(first, soundex)
    if last is not None:
        out["last_name"] = normalize_column(last, normalize_name)
        out["last_name_sx"] = normalize_column(last, soundex)
    if "dob" in roles:
        out["dob"] = normalize_column(column("dob"), normalize_date, dayfirst=settings.dayfirst)
    if "street_number" in roles:
        out["street_number"] = normalize_column(column("street_number"), _alnum, upper=False)
    for role in ("address", "address2"):
        if role in roles:
            out[role] = normalize_column(column(role), normalize_address)
    for role in ("city", "state"):
        if role in roles:
            out[role] = normalize_column(column(role), normalize_name)
    if "postcode" in roles:
        out["postcode"] = normalize_column(column("postcode"), normalize_postcode)
    if "email" in roles:
        out["email"] = normalize_column(
            column("email"),
            normalize_email,
            strip_plus=settings.email_strip_plus,
            gmail_dots=settings.email_gmail_dots,
        )
    if "phone" in roles:
        out["phone"] = normalize_column(
            column("phone"), normalize_phone, default_region=settings.default_region
        )
    if "national_id" in roles:
        out["national_id"] = normalize_column(column("national_id"), _alnum, upper=True)
    features = pd.DataFrame(out)
    for name in features.columns[1:]:
        features[name] = features[name].astype(object)
    return features


def _split_full_name(value: object) -> tuple[str | None, str | None] | None:
    """(first, last) words of a full name; ``"Smith, John"`` reads last name first."""
    if not isinstance(value, str):
        return None
    if "," in value:
        last, _, first = value.partition(",")
        return first.strip() or None, last.strip() or None
    words = value.split()
    if not words:
        return None
    return words[0], (words[-1] if len(words) > 1 else None)


def _alnum(value: object, *, upper: bool) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = re.sub(r"[^0-9A-Za-z]", "", str(value))
    if not text:
        return None
    return text.upper() if upper else text.lower()
