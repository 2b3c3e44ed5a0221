"""SQL functions that exist under the same name, with the same meaning, on every backend.

Ibis compiles some of its own string methods differently per backend: on Spark,
``StringValue.strip()`` becomes a ``trim`` whose character set loses its escapes, so it
strips the letters ``f``, ``n``, ``r``, ``t`` and ``v`` from the ends of values. Domain
code uses these instead.
"""

from __future__ import annotations

import ibis


@ibis.udf.scalar.builtin(name="trim", signature=(("string",), "string"))
def trim(text):  # type: ignore[no-untyped-def]
    """Spaces off both ends (DuckDB and Spark ``trim(text)``)."""


@ibis.udf.scalar.builtin(name="to_json")
def to_json(value) -> str:  # type: ignore[no-untyped-def,empty-body]
    """A struct as JSON text (DuckDB and Spark ``to_json(struct)``)."""
