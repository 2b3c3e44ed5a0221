"""Normalise identifiers (emails, phones, names, dates, postcodes, addresses) for matching.

Every ``normalize_*`` function takes one raw value and returns the normalised text, or
``None`` when the value is missing or invalid. They are cached, because customer data
repeats values a lot; ``normalize_column`` applies one to a whole pandas / pyarrow column
by normalising each distinct value once.

>>> normalize_email("John.Doe+news@GoogleMail.com")
'johndoe@gmail.com'
>>> normalize_phone("0044 7700 900123")
'+447700900123'
>>> canonical_first_name("Bobby")
'robert'
>>> normalize_address("Flat 3, 12 High St.")
'flat 3 12 high street'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

import pandas as pd

from omnicx.identity.nicknames import NICKNAMES

_CACHE_SIZE = 1 << 17

T = TypeVar("T")

# Providers that deliver mail for a local part regardless of the dots in it.
DOTLESS_PROVIDERS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def _text(value: Any) -> str | None:
    """The value as stripped text; None for None, NaN, NA, NaT and blank strings."""
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if value is None or pd.isna(value) is True:
        return None
    return str(value).strip() or None


# --------------------------------------------------------------------------- email


def normalize_email(
    value: object, *, strip_plus: bool = True, gmail_dots: bool = True
) -> str | None:
    """A lower-case email address, or None when it is not a syntactically valid address.

    ``strip_plus`` drops a ``+tag`` from the local part (``ann+shop@x.com`` →
    ``ann@x.com``); ``gmail_dots`` drops dots from Gmail local parts and reads
    googlemail.com as gmail.com. Deliverability (DNS) is never checked.
    """
    text = _text(value)
    if text is None:
        return None
    return _normalize_email(text.lower(), strip_plus, gmail_dots)


@lru_cache(maxsize=_CACHE_SIZE)
def _normalize_email(text: str, strip_plus: bool, gmail_dots: bool) -> str | None:
    from email_validator import EmailNotValidError, validate_email

    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.strip().strip("<>").strip()
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return None
    local = checked.local_part.lower()
    domain = checked.domain.lower()
    if strip_plus and "+" in local:
        local = local.split("+", 1)[0]
    if gmail_dots and domain in DOTLESS_PROVIDERS:
        local = local.replace(".", "")
        domain = DOTLESS_PROVIDERS[domain]
    if not local:
        return None
    return f"{local}@{domain}"


# --------------------------------------------------------------------------- phone


def normalize_phone(
    value: object, default_region: str = "GB", *, strict: bool = False
) -> str | None:
    """A phone number in E.164 (``+447700900123``), or None when it cannot be one.

    Numbers without a country code are read in ``default_region`` (ISO 3166 alpha-2).
    By default a number counts when it is valid or has the length of a mobile number of
    its country, so the fictional ranges test and demo data use (Ofcom's 07700 900xxx,
    NANP 555-01xx) are kept; ``strict=True`` keeps only numbers in allocated ranges.
    """
    text = _text(value)
    if text is None:
        return None
    # one cache entry for "07700 900123", "07700-900-123" and "(07700) 900123"
    key = _PHONE_SEPARATORS.sub("", text)
    return _normalize_phone(key if _PHONE_KEY.match(key) else text, default_region.upper(), strict)


_PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
_PHONE_KEY = re.compile(r"^\+?\d+$")


@lru_cache(maxsize=_CACHE_SIZE)
def _normalize_phone(text: str, region: str, strict: bool) -> str | None:
    import phonenumbers
    from phonenumbers import PhoneNumberType

    if not any(c.isdigit() for c in text):
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        if strict:
            return None
        national = str(number.national_number)
        if len(set(national)) == 1 or not phonenumbers.is_possible_number_for_type(
            number, PhoneNumberType.MOBILE
        ):
            return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --------------------------------------------------------------------------- names

# Letters that Unicode does not decompose into a base letter and an accent.
_FOLD = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae",
                       "œ": "oe", "ß": "ss", "ı": "i", "ħ": "h"})  # fmt: skip
_APOSTROPHES = re.compile(r"['’‘`´]")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def _fold(text: str) -> str:
    """Lower case ASCII-ish text: accents stripped, apostrophes dropped, the rest spaced."""
    text = text.casefold().translate(_FOLD)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _APOSTROPHES.sub("", text)
    return _NON_WORD.sub(" ", text).strip()


def normalize_name(value: object) -> str | None:
    """A person or place name in lower case without accents or punctuation.

    ``"  O'Brien-Núñez "`` → ``"obrien nunez"``; None when nothing is left.
    """
    text = _text(value)
    if text is None:
        return None
    return _normalize_name(text)


@lru_cache(maxsize=_CACHE_SIZE)
def _normalize_name(text: str) -> str | None:
    return _fold(text) or None


def canonical_first_name(value: object) -> str | None:
    """The canonical form of a first name: nicknames and spelling variants resolved.

    ``Bob``, ``Rob`` and ``Robbie`` all give ``robert``; names not in the table are
    returned normalised. Only the first word of a multi-word first name is used.
    """
    name = normalize_name(value)
    if name is None:
        return None
    first = name.split(" ", 1)[0]
    return NICKNAMES.get(first, first)


def soundex(value: object) -> str | None:
    """The American Soundex code of a name (``Robert`` → ``R163``), used for blocking."""
    name = normalize_name(value)
    if name is None:
        return None
    return _soundex(name.replace(" ", ""))


_SOUNDEX_CODES = {c: str(d) for d, letters in enumerate(
    ["aeiouy", "bfpv", "cgjkqsxz", "dt", "l", "mn", "r"]) for c in letters}  # fmt: skip


@lru_cache(maxsize=_CACHE_SIZE)
def _soundex(name: str) -> str | None:
    letters = [c for c in name if c.isalpha()]
    if not letters:
        return None
    code = letters[0].upper()
    last = _SOUNDEX_CODES.get(letters[0], "")
    for c in letters[1:]:
        digit = _SOUNDEX_CODES.get(c, "")  # h and w have no code and do not separate
        if digit and digit != "0" and digit != last:
            code += digit
        if c not in "hw":
            last = digit
        if len(code) == 4:
            break
    return code.ljust(4, "0")


# --------------------------------------------------------------------------- dates

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T].*)?$")
_COMPACT = re.compile(r"^(1[89]\d\d|20\d\d)(\d\d)(\d\d)$")


def normalize_date(value: object, *, dayfirst: bool = True) -> str | None:
    """A date as ``YYYY-MM-DD`` text, or None when it cannot be read.

    Reads ISO dates, ``DD/MM/YYYY`` (``MM/DD/YYYY`` with ``dayfirst=False``), compact
    ``YYYYMMDD`` and written dates (``12 May 1980``). Compact and ISO dates that are not
    on the calendar (``19801332``) are kept as text: for matching, a mistyped date of
    birth still says something, and date comparisons treat it as a string.
    """
    text = _text(value)
    if text is None:
        return None
    return _normalize_date(text, dayfirst)


@lru_cache(maxsize=_CACHE_SIZE)
def _normalize_date(text: str, dayfirst: bool) -> str | None:
    if m := _COMPACT.match(text):
        year, month, day = m.groups()
    elif m := _ISO.match(text):
        year, month, day = m.groups()
    elif m := _DMY.match(text):
        first, second, year = m.groups()
        day, month = (first, second) if dayfirst else (second, first)
        if int(month) > 12 >= int(day):  # the other order is the only possible reading
            day, month = month, day
    else:
        return _parse_written_date(text, dayfirst)
    if not (1 <= int(month) <= 99 and 1 <= int(day) <= 99):
        return None
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _parse_written_date(text: str, dayfirst: bool) -> str | None:
    from dateutil import parser

    if not any(c.isdigit() for c in text):
        return None
    try:
        parsed = parser.parse(text, dayfirst=dayfirst, fuzzy=False)
    except (ValueError, OverflowError):
        return None
    return parsed.date().isoformat()


# --------------------------------------------------------------------------- postcodes

_UK_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$")


def normalize_postcode(value: object, *, uk_format: bool = False) -> str | None:
    """A postcode in upper case without spaces or punctuation (``sw1a 1aa`` → ``SW1A1AA``).

    With ``uk_format=True`` a valid UK postcode gets its single space back
    (``SW1A 1AA``); other postcodes are returned without spaces either way.
    """
    text = _text(value)
    if text is None:
        return None
    return _normalize_postcode(text, uk_format)


@lru_cache(maxsize=_CACHE_SIZE)
def _normalize_postcode(text: str, uk_format: bool) -> str | None:
    code = re.sub(r"[^A-Z0-9]", "", _fold(text).upper())
    if not code:
        return None
    if uk_format and (m := _UK_POSTCODE.match(code)):
        return f"{m.group(1)} {m.group(2)}"
    return code


# --------------------------------------------------------------------------- addresses

# Every spelling of a street type or unit maps to one word, so "High St" = "High Street".
ADDRESS_WORDS: dict[str, str] = {
    "rd": "road", "ave": "avenue", "av": "avenue", "avn": "avenue", "ln": "lane",
    "dr": "drive", "drv": "drive", "ct": "court", "crt": "court", "pl": "place",
    "cres": "crescent", "cresc": "crescent", "crs": "crescent", "cr": "crescent",
    "apt": "flat", "apartment": "flat", "appt": "flat", "unit": "flat",
    "hwy": "highway", "blvd": "boulevard", "pde": "parade", "cct": "circuit",
    "tce": "terrace", "terr": "terrace", "sq": "square", "cl": "close", "gdns": "gardens",
    "gdn": "garden", "gr": "grove", "gro": "grove", "pk": "park", "wy": "way",
    "hts": "heights", "mt": "mount", "cnr": "corner", "esp": "esplanade",
    "rdg": "ridge", "ter": "terrace", "bldg": "building", "fl": "floor",
    "no": "number", "nth": "north", "sth": "south", "e": "east", "w": "west",
    "n": "north", "s": "south",
}  # fmt: skip


def normalize_address(value: object) -> str | None:
    """A street address in lower case, punctuation off, abbreviations written out.

    ``St`` reads as ``street`` at the end of a part of the address and as ``saint``
    before a name (``12 St James St`` → ``12 saint james street``); ``apt``,
    ``apartment`` and ``unit`` read as ``flat``. Numbers are kept.
    """
    text = _text(value)
    if text is None:
        return None
    return _normalize_address(text)


@lru_cache(maxsize=_CACHE_SIZE)
def _normalize_address(text: str) -> str | None:
    words: list[str] = []
    for part in re.split(r"[,;\n]", text):
        tokens = _fold(part).split()
        for i, word in enumerate(tokens):
            if word == "st":
                last = i == len(tokens) - 1
                after_number_or_start = i == 0 or tokens[i - 1].isdigit()
                word = "saint" if not last and after_number_or_start else "street"
            else:
                word = ADDRESS_WORDS.get(word, word)
            words.append(word)
    return " ".join(words) or None


# --------------------------------------------------------------------------- columns


def normalize_column(values: Any, normalizer: Callable[..., T | None], **options: Any) -> Any:
    """Apply ``normalizer`` to every value of a column, each distinct value once.

    ``values`` is a pandas Series (a Series with the same index comes back), a pyarrow
    Array / ChunkedArray (a pyarrow string array comes back) or any iterable (a list).
    ``options`` are passed to the normalizer, e.g. ``default_region="FR"``.

    >>> normalize_column(["A@X.COM", "a@x.com", None], normalize_email)
    ['a@x.com', 'a@x.com', None]
    """
    if isinstance(values, pd.Series):
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        mapped = [normalizer(u, **options) for u in uniques]
        out = [mapped[c] if c >= 0 else None for c in codes]
        return pd.Series(out, index=values.index, name=values.name, dtype=object)
    import pyarrow as pa

    if isinstance(values, pa.Array | pa.ChunkedArray):
        series = pd.Series(values.to_pylist(), dtype=object)
        return pa.array(normalize_column(series, normalizer, **options).tolist(), pa.string())
    series = pd.Series(list(values), dtype=object)
    return normalize_column(series, normalizer, **options).tolist()
