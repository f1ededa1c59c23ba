"""``pazhou audit …``: verify, checkpoint, export, verify-bundle, report."""

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from app.audit.bundle import export
from app.audit.bundle_verify import BundleError, load_checkpoint, verify_bundle
from app.audit.chain import utc_instant
from app.audit.heads import checkpoint as sign_checkpoint
from app.audit.log_verify import verify_log
from app.audit.report import build, to_csv
from app.audit.sealer import seal_quietly
from app.audit.signing import load_public_pem
from app.config import get_settings
from app.db.session import Database
from app.repositories.audit import EventFilter, as_dict, stream_events

audit_cli = typer.Typer(help="The access log.", no_args_is_help=True)


def _database() -> Database:
    from app.main import open_database  # the server's start-up checks; heavy, so on demand

    return open_database(get_settings())


def _instant(value: str | None, name: str) -> str | None:
    try:
        return None if value is None else utc_instant(value)
    except ValueError as exc:
        typer.echo(f"--{name}: {exc}", err=True)
        raise typer.Exit(2) from exc


def _fail(verdict: Any, what: str) -> None:
    typer.echo(json.dumps({k: v for k, v in verdict.__dict__.items() if k != "last_hash"}))
    if not verdict.ok:
        where = f"at sequence number {verdict.first_bad_seq}" if verdict.first_bad_seq else ""
        typer.echo(f"{what} broken {where}: {verdict.reason}", err=True)
        sys.exit(1)


@audit_cli.command("verify")
def audit_verify() -> None:
    """Recompute the chain and every signed root; exit 1 naming the first bad event."""

    _fail(verify_log(_database()), "log")


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign a checkpoint now and print it."""

    typer.echo(json.dumps(sign_checkpoint(_database(), get_settings(), force=True)))


@audit_cli.command("export")
def audit_export(
    out: Annotated[Path, typer.Option("-o", "--out", help="the bundle (.zip) to write")],
    since: Annotated[str | None, typer.Option(help="ISO 8601 instant, inclusive")] = None,
    until: Annotated[str | None, typer.Option(help="ISO 8601 instant, exclusive")] = None,
) -> None:
    """Write events, checkpoints, proofs and public keys for offline verification."""

    window = _instant(since, "since"), _instant(until, "until")
    manifest = export(_database(), get_settings(), out, *window)
    typer.echo(json.dumps(manifest))


@audit_cli.command("verify-bundle")
def audit_verify_bundle(
    bundle: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    public_key: Annotated[
        Path | None, typer.Option(help="trust only this PEM key (else the bundle's keys)")
    ] = None,
    checkpoint: Annotated[
        list[Path] | None, typer.Option(help="a checkpoint (JSON) kept from earlier")
    ] = None,
) -> None:
    """Check a bundle offline; exit 1 naming the first bad event, 2 if it is unreadable."""

    try:
        pinned = load_public_pem(public_key.read_text()) if public_key else None
        extra = [load_checkpoint(path) for path in checkpoint or []]
        verdict = verify_bundle(bundle, pinned, extra)
    except BundleError as exc:
        typer.echo(f"cannot read {bundle}: {exc}", err=True)
        raise typer.Exit(2) from exc
    _fail(verdict, "bundle")


@audit_cli.command("report")
def audit_report(
    dataset_id: Annotated[str, typer.Option("--dataset-id")],
    format: Annotated[str, typer.Option(help="json or csv")] = "json",
) -> None:
    """Who accessed the dataset, for what purpose, ε per consumer per day, extracts, denials."""

    if format not in ("json", "csv"):
        typer.echo("--format must be json or csv", err=True)
        raise typer.Exit(2)
    db = _database()
    seal_quietly(db.engine)
    with db.reading() as session:
        events = (as_dict(e) for e in stream_events(session, EventFilter(dataset_id=dataset_id)))
        built = build(dataset_id, events)
    typer.echo(
        to_csv(built) if format == "csv" else json.dumps(built, ensure_ascii=False, indent=2)
    )
