"""Column tables of numpy arrays, for the intermediate records of the simulation."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, Self

import numpy as np


class Rows:
    """Base for dataclasses whose fields are equal-length numpy arrays (one row per index)."""

    def _columns(self) -> dict[str, np.ndarray]:
        me: Any = self
        return {f.name: getattr(self, f.name) for f in fields(me)}

    def __len__(self) -> int:
        return len(next(iter(self._columns().values())))

    def take(self, index: np.ndarray) -> Self:
        """The rows at ``index`` (an index array or a boolean mask)."""
        me: Any = self
        return replace(me, **{name: column[index] for name, column in self._columns().items()})

    def concat(self, other: Self) -> Self:
        """These rows followed by ``other``'s."""
        me: Any = self
        theirs = other._columns()
        return replace(
            me,
            **{
                name: np.concatenate([column, theirs[name]])
                for name, column in self._columns().items()
            },
        )


def at(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]`` where -1 (or any index into an empty array) gives 0."""
    index = np.asarray(index)
    if len(values) == 0:
        return np.zeros(len(index), dtype=values.dtype)
    return np.where(index >= 0, values[np.maximum(index, 0)], 0)
