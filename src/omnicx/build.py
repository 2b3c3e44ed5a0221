"""``omnicx build``: every derived step, in order (identity -> profiles; later issues
append theirs)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omnicx.workspace import Workspace


@dataclass
class BuildReport:
    steps: dict[str, float] = field(default_factory=dict)  # step -> seconds
    identity: Any = None
    profiles: int = 0


def run_build(ws: Workspace, progress: Callable[[str], None] | None = None) -> BuildReport:
    """Resolve identities, then build profiles."""
    from omnicx.identity.build import resolve_identities
    from omnicx.profiles.build import build_profiles

    say = progress or (lambda _s: None)
    report = BuildReport()
    t = time.perf_counter()
    report.identity = resolve_identities(ws, say)
    report.steps["identity"] = time.perf_counter() - t
    say("building profiles")
    t = time.perf_counter()
    report.profiles = build_profiles(ws)
    report.steps["profiles"] = time.perf_counter() - t
    return report
