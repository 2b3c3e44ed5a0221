"""``omnicx demo``: generate the demo retailer and run the pipeline on it.

The generated files go to ``WORKSPACE/demo/sources`` and the ground truth to
``WORKSPACE/demo/ground_truth``; the pipeline reads only the sources, like any import.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from omnicx.ingest.files import IngestResult
    from omnicx.workspace import Workspace

# Reference data first, so that later steps can look products and stores up.
INGEST_ORDER = (
    "products",
    "stores",
    "inventory",
    "crm_customers",
    "orders",
    "order_lines",
    "pos",
    "returns",
    "email_engagement",
    "surveys",
    "support_cases",
    "store_visits",
    "social_mentions",
    "events",
)


def ingest_demo_sources(
    ws: Workspace, sources: dict[str, Path], console: Console | None = None
) -> list[IngestResult]:
    """Ingest every generated source file into the workspace, with a progress bar."""
    results = []
    # A tiny demo can leave a source without rows; there is nothing to ingest then.
    kinds = [k for k in INGEST_ORDER if k in sources and sources[k].stat().st_size > 0]
    with Progress(
        TextColumn("[bold]ingest"),
        BarColumn(),
        TextColumn("{task.fields[kind]}"),
        TimeElapsedColumn(),
        console=console,
        disable=console is None,
    ) as bar:
        task = bar.add_task("ingest", total=len(kinds), kind="")
        for kind in kinds:
            bar.update(task, kind=kind)
            results.append(ws.ingest(kind, sources[kind]))
            bar.advance(task)
    return results


def run_demo(
    workspace: Path,
    customers: int = 10_000,
    seed: int = 7,
    days: int = 365,
    serve: bool = True,
    console: Console | None = None,
) -> dict[str, Any]:
    """Generate, ingest and summarise the demo retailer; returns the summary."""
    from omnicx.cli.main import print_summary
    from omnicx.demo.generator import generate
    from omnicx.workspace import Workspace

    out = console or Console(stderr=True)
    started = time.perf_counter()
    ws = Workspace.init(workspace, name="omnicx demo retailer")
    with Progress(
        TextColumn("[bold]generate"),
        BarColumn(),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=out,
    ) as bar:
        task = bar.add_task("generate", total=1.0, step="")

        def progress(step: str, fraction: float) -> None:
            bar.update(task, completed=fraction, step=step)

        manifest = generate(
            ws.path / "demo", customers=customers, seed=seed, days=days, progress=progress
        )
        bar.update(task, completed=1.0, step="done")
    results = ingest_demo_sources(ws, manifest.sources, out)
    table = Table(
        "source", "read", "accepted", "new", "quarantined", "events", "seconds", title="ingested"
    )
    for r in results:
        table.add_row(
            r.kind,
            f"{r.read:,}",
            f"{r.accepted:,}",
            f"{r.new:,}",
            f"{r.quarantined:,}",
            f"{r.events_written:,}",
            f"{r.seconds:.1f}",
        )
    out.print(table)
    from omnicx.build import run_build

    with Progress(
        TextColumn("[bold]build"),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=out,
    ) as bar:
        task = bar.add_task("build", total=None, step="")
        report = run_build(ws, lambda step: bar.update(task, step=step))
    i = report.identity
    out.print(
        f"identity: [bold]{i.customers:,}[/] customers from {i.identifiers:,} identifiers "
        f"({i.probabilistic_merges:,} probabilistic merges, {i.dropped:,} identifiers kept "
        f"out by guards); {report.profiles:,} profiles",
        highlight=False,
    )
    summary = ws.summary()
    print_summary(summary)
    out.print(
        f"demo workspace [bold]{ws.path}[/] built in {time.perf_counter() - started:.0f}s; "
        f"ground truth in {manifest.ground_truth_dir} (never read by the pipeline)",
        highlight=False,
    )
    ws.close()
    if serve:
        from omnicx.api.app import serve as run_server

        run_server(ws.path, announce=lambda m: out.print(m, highlight=False))
    return summary
