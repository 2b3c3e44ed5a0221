"""The ``omnicx`` command line: thin Typer commands over ``omnicx.Workspace``.

Heavy imports happen inside commands so that ``omnicx --help`` is instant.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from omnicx.errors import OmnicxError

app = typer.Typer(
    name="omnicx",
    help="omnicx: open-source omnichannel customer analytics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
schema_app = typer.Typer(help="The canonical event model.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")
keys_app = typer.Typer(help="Write keys for the collection API.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
identity_app = typer.Typer(
    help="Identity resolution: overrides and matching files.", no_args_is_help=True
)
app.add_typer(identity_app, name="identity")

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

WorkspaceOpt = Annotated[
    Path,
    typer.Option(
        "--workspace",
        "-w",
        envvar="OMNICX_WORKSPACE",
        help="workspace directory",
        show_default=True,
    ),
]


def _fail(e: OmnicxError) -> None:
    from rich.markup import escape

    # Messages quote settings like `[server] port`: print them as text, not markup.
    err.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False)
    raise typer.Exit(e.exit_code)


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except OmnicxError as e:
        _fail(e)


def _open(workspace: Path) -> Any:
    from omnicx.workspace import Workspace

    return Workspace(workspace)


@contextmanager
def _steps(title: str, show: bool) -> Iterator[Callable[[str], None]]:
    """A progress bar over the named steps of a long operation."""
    if not show:
        yield lambda _step: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    steps = ["reading", "validating", "deduplicating", "writing"]
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as bar:
        task = bar.add_task(title, total=len(steps), step="")

        def advance(step: str) -> None:
            done = steps.index(step) if step in steps else 0
            bar.update(task, completed=done, step=step)

        yield advance
        bar.update(task, completed=len(steps), step="done")


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="where to create the workspace")] = Path(),
    name: Annotated[str | None, typer.Option(help="workspace name")] = None,
) -> None:
    """Create a workspace: omnicx.toml, event log, warehouse, operational store."""
    from omnicx.workspace import Workspace

    with _errors():
        ws = Workspace.init(directory, name)
        console.print(f"workspace ready at [bold]{ws.path}[/] (settings: omnicx.toml)")
        ws.close()


@app.command()
def ingest(
    kind: Annotated[str, typer.Argument(help="source kind (see `omnicx kinds`) or 'events'")],
    path: Annotated[Path, typer.Argument(help="CSV, Parquet or JSON Lines file")],
    workspace: WorkspaceOpt = Path(),
    mapping: Annotated[
        str | None, typer.Option(help="mapping name in omnicx.toml or a TOML mapping file")
    ] = None,
    format: Annotated[str | None, typer.Option(help="csv, parquet or jsonl")] = None,  # noqa: A002
    encoding: Annotated[str | None, typer.Option(help="e.g. utf-8, latin-1")] = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter")] = None,
) -> None:
    """Ingest a file: accepted rows to the warehouse and event log, bad rows to quarantine."""
    with _errors():
        ws = _open(workspace)
        show = _file_is_large(path, ws.settings.ingest.progress_min_rows)
        with _steps(f"ingest {kind}", show) as step:
            result = ws.ingest(kind, path, mapping, format, encoding, delimiter, step)
        _print_result(result)
        ws.close()
        if result.quarantined and result.accepted == 0:
            raise typer.Exit(1)


def _file_is_large(path: Path, min_rows: int) -> bool:
    try:
        # ~60 bytes a row is typical of retail exports; exactness is not needed here.
        return path.stat().st_size > min_rows * 60
    except OSError:
        return False


def _print_result(result: Any) -> None:
    console.print(
        f"[bold]{result.kind}[/] {result.path}: read [bold]{result.read:,}[/], "
        f"accepted [green]{result.accepted:,}[/] ({result.new:,} new, "
        f"{result.already_present:,} already present), "
        f"quarantined [{'red' if result.quarantined else 'green'}]{result.quarantined:,}[/]; "
        f"{result.events_written:,} events written in {result.seconds:.2f}s",
        highlight=False,
    )
    for reason, n in result.reasons:
        console.print(f"  quarantined {n:,} x {reason}", highlight=False)
    if result.quarantined:
        console.print("  see them with `omnicx quarantine`", style="dim")
    if result.ignored_columns:
        console.print(
            f"  columns not mapped (ignored): {', '.join(result.ignored_columns)}",
            style="dim",
            highlight=False,
        )


@app.command()
def kinds() -> None:
    """List the source kinds files can be ingested as, with their required fields."""
    from omnicx.schema.sources import SOURCE_KINDS

    table = Table("kind", "becomes", "required fields")
    table.add_row("events", "events", "Segment Spec messages (JSON Lines)")
    for k in SOURCE_KINDS.values():
        table.add_row(
            k.name, k.table + (" + events" if k.emits_events else ""), ", ".join(k.required)
        )
    console.print(table)


@app.command()
def quarantine(
    workspace: WorkspaceOpt = Path(),
    kind: Annotated[str | None, typer.Option(help="only this source kind")] = None,
    limit: Annotated[int, typer.Option(help="rows to show")] = 20,
) -> None:
    """Show quarantined rows with their file, line and reason."""
    with _errors():
        ws = _open(workspace)
        q = ws.table("quarantine")
        if kind:
            q = q.filter(q.source_kind == kind)
        rows = ws.to_pandas(q.order_by([q.quarantined_at.desc(), q.line]), limit=limit)
        table = Table("kind", "file", "line", "reason", "raw")
        for r in rows.itertuples():
            table.add_row(
                r.source_kind, Path(r.source_file).name, str(r.line), r.reason, (r.raw or "")[:80]
            )
        console.print(table)
        ws.close()


@app.command()
def summary(workspace: WorkspaceOpt = Path()) -> None:
    """Counts per table and channel: what the workspace holds."""
    with _errors():
        ws = _open(workspace)
        print_summary(ws.summary())
        ws.close()


def print_summary(s: dict[str, Any]) -> None:
    console.print(
        f"[bold]{s['events']:,}[/] events from {s['first_event']} to {s['last_event']}",
        highlight=False,
    )
    by_channel = Table("channel", "events", title="events by channel")
    for k, v in s["events_by_channel"].items():
        by_channel.add_row(k, f"{v:,}")
    by_source = Table("source", "events", title="events by source")
    for k, v in s["events_by_source"].items():
        by_source.add_row(k, f"{v:,}")
    tables = Table("table", "rows", title="tables")
    for k, v in s["tables"].items():
        tables.add_row(k, f"{v:,}")
    from rich.columns import Columns

    console.print(Columns([by_channel, by_source, tables]))
    console.print(f"quarantined rows: [bold]{s['quarantined']:,}[/]", highlight=False)


@app.command()
def demo(
    customers: Annotated[int, typer.Option(help="number of people")] = 10_000,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same data)")] = 7,
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="workspace to create")
    ] = Path("omnicx-demo"),
    days: Annotated[int, typer.Option(help="days of history")] = 365,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="serve the dashboard after")
    ] = True,
) -> None:
    """Generate the demo retailer, ingest every source, and print a summary."""
    from omnicx.demo.pipeline import run_demo

    with _errors():
        run_demo(workspace, customers=customers, seed=seed, days=days, serve=serve, console=err)


@app.command()
def serve(
    workspace: WorkspaceOpt = Path(),
    host: Annotated[str | None, typer.Option(help="default: [server] host")] = None,
    port: Annotated[int | None, typer.Option(help="default: [server] port")] = None,
) -> None:
    """Run the server: Segment-compatible collection under /v1/, OpenAPI at /docs."""
    from omnicx.api.app import serve as run_server

    with _errors():
        run_server(workspace, host, port, announce=lambda m: err.print(m, highlight=False))


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="what the key is for, e.g. 'web site'")],
    workspace: WorkspaceOpt = Path(),
) -> None:
    """Create a write key; it is printed once, only its hash is stored."""
    from omnicx.api.keys import create_key

    with _errors():
        ws = _open(workspace)
        key, info = create_key(ws.operational, name)
        err.print(f"write key {info.key_id} ({name}) created; store it now, it is not shown again:")
        sys.stdout.write(key + "\n")
        ws.close()


@keys_app.command("list")
def keys_list(workspace: WorkspaceOpt = Path()) -> None:
    """List write keys (ids and names, never the keys)."""
    from omnicx.api.keys import list_keys

    with _errors():
        ws = _open(workspace)
        table = Table("id", "name", "created", "revoked")
        for k in list_keys(ws.operational):
            table.add_row(
                k.key_id,
                k.name,
                str(k.created_at)[:19],
                str(k.revoked_at)[:19] if k.revoked_at else "",
            )
        console.print(table)
        ws.close()


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="the key id shown by `omnicx keys list`")],
    workspace: WorkspaceOpt = Path(),
) -> None:
    """Revoke a write key: requests with it get 403 (within 5 seconds)."""
    from omnicx.api.keys import revoke_key

    with _errors():
        ws = _open(workspace)
        revoke_key(ws.operational, key_id)
        console.print(f"write key {key_id} revoked")
        ws.close()


@app.command()
def build(workspace: WorkspaceOpt = Path()) -> None:
    """Resolve identities and build profiles (and, later, every derived step)."""
    with _errors():
        ws = _open(workspace)
        report = run_build_with_progress(ws)
        i = report.identity
        console.print(
            f"[bold]{i.customers:,}[/] customers from {i.identifiers:,} identifiers and "
            f"{i.records:,} records ({i.deterministic_components:,} after the graph, "
            f"{i.probabilistic_merges:,} probabilistic merges, {i.dropped:,} identifiers "
            f"kept out by guards); {report.profiles:,} profiles; {i.changes:,} merges/"
            f"splits vs the last build; {i.kept_ids:.2%} of customer ids kept",
            highlight=False,
        )
        ws.close()


def run_build_with_progress(ws: Any) -> Any:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from omnicx.build import run_build

    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]build[/] {task.fields[step]}"),
        TimeElapsedColumn(),
        console=err,
    ) as bar:
        task = bar.add_task("build", total=None, step="")
        return run_build(ws, lambda step: bar.update(task, step=step))


@app.command()
def profile(
    identifier: Annotated[
        str, typer.Argument(help="e-mail, phone, loyalty id, user id or customer id")
    ],
    workspace: WorkspaceOpt = Path(),
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The 360° view of a customer: profile, identifiers, timeline, why merged."""
    from omnicx.profiles.view import profile_view

    with _errors():
        ws = _open(workspace)
        view = profile_view(ws, identifier)
        ws.close()
    if as_json:
        import json

        sys.stdout.write(json.dumps(view, indent=2, default=str) + "\n")
        return
    p = view["profile"]
    console.print(
        f"[bold]{view['customer_id']}[/] {p.get('first_name') or ''} {p.get('last_name') or ''}",
        highlight=False,
    )
    facts = Table("trait", "value", title="profile")
    for key, value in p.items():
        if value is not None and not key.endswith("_record"):
            facts.add_row(key, str(value))
    ids = Table("type", "value", title="identifiers")
    for row in view["identifiers"]:
        ids.add_row(row["id_type"], str(row["id_value"]))
    console.print(facts)
    console.print(ids)
    timeline = Table("when", "channel", "event", "store", "revenue", title="recent timeline")
    for e in view["timeline"]:
        timeline.add_row(
            str(e["timestamp"])[:19],
            e["channel"] or "",
            e["event"] or e["type"],
            e["store_id"] or "",
            "" if e["revenue"] is None else f"{e['revenue']:.2f}",
        )
    console.print(timeline)
    why = Table("linked by", "links", "best match probability", title="why merged")
    for w in view["merged_because"]:
        prob = w["best_probability"]
        why.add_row(w["rule"], str(w["links"]), "" if prob is None else f"{prob:.4f}")
    console.print(why)


@identity_app.command("merge")
def identity_merge(
    a: Annotated[str, typer.Argument(help="an identifier or customer id")],
    b: Annotated[str, typer.Argument(help="another identifier or customer id")],
    workspace: WorkspaceOpt = Path(),
    note: Annotated[str, typer.Option(help="why, for the audit trail")] = "",
) -> None:
    """Declare A and B one person; every rebuild honours it (run `omnicx build`)."""
    from omnicx.identity.overrides import merge

    with _errors():
        ws = _open(workspace)
        na, nb = merge(ws, a, b, note)
        console.print(f"merge recorded: {na} + {nb}; run `omnicx build` to apply")
        ws.close()


@identity_app.command("split")
def identity_split(
    customer_id: Annotated[str, typer.Argument(help="the customer to split")],
    identifier: Annotated[str, typer.Option("--identifier", help="the identifier to take out")],
    workspace: WorkspaceOpt = Path(),
    note: Annotated[str, typer.Option(help="why, for the audit trail")] = "",
) -> None:
    """Take an identifier out of a customer; every rebuild honours it."""
    from omnicx.identity.overrides import split

    with _errors():
        ws = _open(workspace)
        node = split(ws, customer_id, identifier, note)
        console.print(f"split recorded: {node} leaves {customer_id}; run `omnicx build`")
        ws.close()


@identity_app.command("match")
def identity_match(
    a: Annotated[Path, typer.Argument(help="CSV of person records")],
    b: Annotated[Path | None, typer.Argument(help="second CSV to link against A")] = None,
    id_column: Annotated[str, typer.Option(help="the column that identifies a record")] = "id",
    columns: Annotated[str | None, typer.Option(help="columns to use, comma separated")] = None,
    output: Annotated[Path, typer.Option(help="scored pairs CSV")] = Path("pairs.csv"),
    clusters: Annotated[Path | None, typer.Option(help="also write clusters CSV")] = None,
) -> None:
    """Match person records in any file(s): normalisation + Splink + clustering."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from omnicx.identity.matching import match_files

    with _errors():
        cols = [c.strip() for c in columns.split(",")] if columns else None
        with Progress(
            SpinnerColumn(),
            TextColumn("[bold]match[/] {task.fields[step]}"),
            TimeElapsedColumn(),
            console=err,
        ) as bar:
            task = bar.add_task("match", total=None, step="")
            result = match_files(
                a,
                b,
                id_column,
                cols,
                output,
                clusters,
                progress=lambda step: bar.update(task, step=step[:90]),
            )
        console.print(
            f"{len(result.pairs):,} matching pairs written to {output}"
            + (f"; clusters to {clusters}" if clusters else "")
        )


@schema_app.command("export")
def schema_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file; default stdout")
    ] = None,
) -> None:
    """Print the JSON Schema of an omnicx event (Segment Spec message)."""
    import json

    from omnicx.schema.export import json_schema

    text = json.dumps(json_schema(), indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")


@schema_app.command("docs")
def schema_docs(
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("docs/events.md"),
) -> None:
    """Write the human page of the event model (docs/events.md)."""
    from omnicx.schema.export import events_markdown

    output.write_text(events_markdown(), encoding="utf-8")
    console.print(f"wrote {output}")


def main() -> None:  # pragma: no cover - console entry for `python -m omnicx`
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    app()
