"""omnicx: open-source omnichannel customer analytics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Workspace", "__version__"]

if TYPE_CHECKING:
    from omnicx.workspace import Workspace


def __getattr__(name: str) -> Any:
    # Imported lazily so that `omnicx --help` does not pay for Ibis and DuckDB.
    if name == "Workspace":
        from omnicx.workspace import Workspace

        return Workspace
    raise AttributeError(name)
