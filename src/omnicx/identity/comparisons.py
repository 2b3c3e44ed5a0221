"""Splink comparisons and blocking rules over the normalised features (``features.py``).

Each function looks only at which features are present, so the same model definition
serves a FEBRL extract (names, date of birth, address, national id) and a retailer's
customers (names, email, phone, postcode).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omnicx.identity.matching import MatchSettings


def _null(column: str) -> dict[str, Any]:
    return {
        "sql_condition": f'"{column}_l" IS NULL OR "{column}_r" IS NULL',
        "label_for_charts": "null",
        "is_null_level": True,
    }


def _level(sql: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def _exact(column: str, *, tf: bool = False) -> dict[str, Any]:
    level = _level(f'"{column}_l" = "{column}_r"', "exact")
    if tf:
        level["tf_adjustment_column"] = column
        level["tf_adjustment_weight"] = 1.0
    return level


def _jaro_winkler(column: str, threshold: float) -> dict[str, Any]:
    return _level(
        f'jaro_winkler_similarity("{column}_l", "{column}_r") >= {threshold}',
        f"Jaro-Winkler >= {threshold}",
    )


def _edits(column: str, edits: int) -> dict[str, Any]:
    return _level(
        f'damerau_levenshtein("{column}_l", "{column}_r") <= {edits}', f"<= {edits} edits"
    )


_ELSE = {"sql_condition": "ELSE", "label_for_charts": "else"}


def _comparison(name: str, levels: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "output_column_name": name,
        "comparison_description": name,
        "comparison_levels": [*levels, _ELSE],
    }


def comparisons(features: list[str], settings: MatchSettings) -> list[dict[str, Any]]:
    """Splink comparison dicts, one per compared field present in ``features``."""
    has = set(features).__contains__
    tf = settings.term_frequencies
    out: list[dict[str, Any]] = []
    swapped = (
        '"first_name_l" = "last_name_r" OR "last_name_l" = "first_name_r"'
        if has("first_name") and has("last_name")
        else None
    )
    for name in ("first_name", "last_name"):
        if not has(name):
            continue
        levels = [_null(name), _exact(name, tf=tf)]
        if name == "first_name" and has("first_name_canon"):
            levels.append(_level('"first_name_canon_l" = "first_name_canon_r"', "nickname"))
        levels += [_jaro_winkler(name, t) for t in sorted(settings.name_thresholds, reverse=True)]
        if swapped:
            levels.append(_level(swapped, "first and last name swapped"))
        out.append(_comparison(name, levels))
    if has("dob"):
        transposed = (
            'substr("dob_l", 1, 4) = substr("dob_r", 1, 4) '
            'AND substr("dob_l", 6, 2) = substr("dob_r", 9, 2) '
            'AND substr("dob_l", 9, 2) = substr("dob_r", 6, 2)'
        )
        out.append(
            _comparison(
                "dob",
                [
                    _null("dob"),
                    _exact("dob"),
                    _level(transposed, "day and month transposed"),
                    _edits("dob", 1),
                    _level('substr("dob_l", 1, 4) = substr("dob_r", 1, 4)', "same year"),
                ],
            )
        )
    if has("street_number"):
        out.append(_comparison("street_number", [_null("street_number"), _exact("street_number")]))
    for name in ("address", "address2", "city"):
        if has(name):
            levels = [_null(name), _exact(name, tf=tf and name == "city")]
            levels += [
                _jaro_winkler(name, t) for t in sorted(settings.text_thresholds, reverse=True)
            ]
            out.append(_comparison(name, levels))
    if has("postcode"):
        out.append(
            _comparison("postcode", [_null("postcode"), _exact("postcode"), _edits("postcode", 1)])
        )
    if has("state"):
        out.append(_comparison("state", [_null("state"), _exact("state")]))
    if has("email"):
        user = "split_part(\"email_l\", '@', 1) = split_part(\"email_r\", '@', 1)"
        out.append(
            _comparison(
                "email",
                [
                    _null("email"),
                    _exact("email"),
                    _level(user, "same user name"),
                    _jaro_winkler("email", 0.88),
                ],
            )
        )
    if has("phone"):
        out.append(_comparison("phone", [_null("phone"), _exact("phone"), _edits("phone", 1)]))
    if has("national_id"):
        levels = [_null("national_id"), _exact("national_id")]
        levels += [_edits("national_id", n) for n in range(1, settings.id_max_edits + 1)]
        out.append(_comparison("national_id", levels))
    return out


def _rule(*conditions: str) -> str:
    return " AND ".join(conditions)


def _eq(expr: str) -> str:
    """``l.x = r.x`` for a column or an expression of one column written with ``{}``."""
    if "{}" not in expr:
        expr = "{}." + expr
    return f"{expr.format('l')} = {expr.format('r')}"


def blocking_rules(features: list[str]) -> list[str]:
    """Rules that pick candidate pairs: each cheap (an equi-join), together high recall.

    A true match is found when any one rule holds, so each rule uses fields the others
    do not: a typo in the surname is caught by date of birth, a wrong date of birth by
    the national id, a changed address by the names.
    """
    has = set(features).__contains__
    rules: list[str] = []
    for single in ("dob", "national_id", "email", "phone"):
        if has(single):
            rules.append(_eq(single))
    if has("first_name_sx") and has("last_name_sx"):
        rules.append(_rule(_eq("first_name_sx"), _eq("last_name_sx")))
    if has("last_name") and has("postcode"):
        rules.append(_rule(_eq("postcode"), _eq("substr({}.last_name, 1, 1)")))
    if has("first_name") and has("postcode"):
        rules.append(_rule(_eq("postcode"), _eq("substr({}.first_name, 1, 1)")))
    if has("street_number") and has("address"):
        rules.append(_rule(_eq("street_number"), _eq("address")))
    if has("last_name") and has("city"):
        rules.append(_rule(_eq("last_name"), _eq("city")))
    if not rules:  # only weak fields: block on the first letters of whatever there is
        for name in ("last_name", "first_name", "address", "city", "postcode"):
            if has(name):
                rules.append(_eq(f"substr({{}}.{name}, 1, 3)"))
    return rules


def deterministic_rules(features: list[str]) -> list[str]:
    """Rules that almost only hold for true matches, to estimate the prior match rate."""
    has = set(features).__contains__
    rules: list[str] = []
    if has("first_name") and has("last_name") and has("dob"):
        rules.append(_rule(_eq("first_name"), _eq("last_name"), _eq("dob")))
    if has("national_id") and has("dob"):
        rules.append(_rule(_eq("national_id"), _eq("dob")))
    if has("email"):
        rules.append(_rule(_eq("email"), _eq("last_name")) if has("last_name") else _eq("email"))
    if has("phone") and has("last_name"):
        rules.append(_rule(_eq("phone"), _eq("last_name")))
    if has("first_name") and has("last_name") and has("postcode"):
        rules.append(_rule(_eq("first_name"), _eq("last_name"), _eq("postcode")))
    return rules


def training_rules(features: list[str]) -> list[str]:
    """Up to two blocking rules for expectation maximisation, on disjoint fields.

    A session estimates m for every field its rule does not use, so two rules on
    disjoint fields train every comparison.
    """
    has = set(features).__contains__
    candidates: list[tuple[str, set[str]]] = []
    if has("dob"):
        candidates.append((_eq("dob"), {"dob"}))
    if has("first_name") and has("last_name"):
        candidates.append((_rule(_eq("first_name"), _eq("last_name")), {"first_name", "last_name"}))
    for single in ("postcode", "email", "phone", "national_id", "last_name", "city", "address"):
        if has(single):
            candidates.append((_eq(single), {single}))
    chosen: list[tuple[str, set[str]]] = []
    for rule, used in candidates:
        if all(not (used & other) for _, other in chosen):
            chosen.append((rule, used))
        if len(chosen) == 2:
            break
    return [rule for rule, _ in chosen]
