"""The ``pazhou`` command: serve, db, admin, demo, audit."""

import getpass
import json
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from anonymizers.plan import PlanError
from app.audit.commands import audit_cli
from app.config import get_settings
from app.crypto.commands import keys_cli
from app.db import migrate
from app.db.session import Database
from app.errors import AppError
from app.repositories import principals as principal_repo
from app.repositories.audit import NewEvent, append
from app.services import grants, principals
from policies.load import PolicyError, parse_text

main = typer.Typer(help="Pazhou: privacy-preserving data-sharing sandbox.", no_args_is_help=True)
db_cli = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)
admin_cli = typer.Typer(help="Organisations, principals and keys.", no_args_is_help=True)
main.add_typer(db_cli, name="db")
main.add_typer(admin_cli, name="admin")
main.add_typer(audit_cli, name="audit")
main.add_typer(keys_cli, name="keys")

DEMO_ORG = "Demo City Data Bureau"


def _database() -> Database:
    settings = get_settings()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.sqlalchemy_url)
    migrate.ensure_at_head(db.engine, settings.sqlalchemy_url)
    return db


def _cli_event(action: str, resource: str, details: dict[str, Any]) -> NewEvent:
    """Command-line actions are logged too: an admin never bypasses the audit log."""
    return NewEvent(
        action=action,
        resource=resource,
        outcome=201,
        actor=f"cli:{getpass.getuser()}",
        role="admin",
        client="cli",
        details=details,
    )


@main.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
) -> None:
    """Run the HTTP service (uvicorn)."""
    typer.echo(f"Pazhou on http://{host}:{port} — API docs at http://{host}:{port}/docs")
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        proxy_headers=False,
    )


@db_cli.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    url = get_settings().sqlalchemy_url
    if url.startswith("sqlite"):
        get_settings().data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(url, revision)
    typer.echo(f"database at revision {migrate.head_revision(url)}")


@db_cli.command("current")
def db_current() -> None:
    """Print the database's revision and the code's head."""
    settings = get_settings()
    db = Database(settings.sqlalchemy_url)
    current = migrate.current_revision(db.engine)
    typer.echo(f"current: {current or '<empty>'}  head: {migrate.head_revision(db.url)}")


@admin_cli.command("bootstrap")
def bootstrap(org: str = "Pazhou Operations", name: str = "first admin") -> None:
    """Create the first admin and print its key once (refused if an admin exists)."""
    db = _database()
    with db.transaction() as session:
        if principal_repo.any_admin(session) is not None:
            typer.echo("an admin already exists; use `pazhou admin create-key`", err=True)
            raise typer.Exit(1)
        organisation = principals.ensure_org(session, org)
        issued = principals.principal_with_key(session, organisation.id, "admin", name)
        append(session, _cli_event("admin.bootstrap", f"principal/{issued.principal_id}", {}))
    typer.echo(f"admin key (shown once): {issued.key}")


@admin_cli.command("create-key")
def create_key(
    role: Annotated[str, typer.Option(help="admin, agency, consumer or auditor")],
    org: Annotated[str, typer.Option(help="organisation id or name (created if new)")],
    name: Annotated[str, typer.Option(help="the principal's name")] = "",
) -> None:
    """Create a principal with ``role`` in ``org`` and print its key once."""
    db = _database()
    with db.transaction() as session:
        found = principal_repo.get_org(session, org)
        organisation = found or principals.ensure_org(session, org)
        issued = principals.principal_with_key(
            session, organisation.id, role, name or f"{role} of {organisation.name}"
        )
        details = {"org_id": organisation.id, "role": role}
        append(session, _cli_event("admin.create_key", f"key/{issued.key_id}", details))
    typer.echo(json.dumps({"principal_id": issued.principal_id, "key_id": issued.key_id}))
    typer.echo(f"{role} key (shown once): {issued.key}")


@admin_cli.command("grant")
def grant(
    dataset: Annotated[str, typer.Option(help="dataset id")],
    consumer: Annotated[str, typer.Option(help="consumer principal id")],
    epsilon: Annotated[float, typer.Option(min=0.0001, max=100)],
    purpose: Annotated[str, typer.Option(help="the stated purpose")],
    days: Annotated[int, typer.Option(min=1)] = 30,
    output: Annotated[list[str] | None, typer.Option(help="dp_query and/or extract")] = None,
) -> None:
    """Grant a consumer an ε budget on a dataset (until access requests exist)."""
    db = _database()
    with db.transaction() as session:
        made = grants.create(
            session,
            f"cli:{getpass.getuser()}",
            dataset,
            consumer,
            epsilon,
            days,
            purpose,
            output or ["dp_query"],
        )
        details = {"consumer_id": consumer, "epsilon": epsilon}
        event = _cli_event("grants.create", f"grant/{made.id}", details)
        event.dataset_id = dataset
        append(session, event)
    typer.echo(json.dumps({"grant_id": made.id, "expires_at": made.expires_at.isoformat()}))


@main.command()
def demo() -> None:
    """Migrate the embedded database and seed a demo organisation with one key per role.

    Keys are printed once, the first time; later runs leave the existing demo alone.
    """
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.sqlalchemy_url)
    db = Database(settings.sqlalchemy_url)
    with db.transaction() as session:
        if principal_repo.org_by_name(session, DEMO_ORG) is not None:
            typer.echo("demo organisation exists; its keys were printed when it was made")
            return
        org = principals.create_org(session, DEMO_ORG)
        keys = {
            role: principals.principal_with_key(session, org.id, role, f"demo {role}")
            for role in ("admin", "agency", "consumer", "auditor")
        }
        append(session, _cli_event("demo.seed", f"org/{org.id}", {"roles": list(keys)}))
    typer.echo(f"demo organisation {org.id} ({DEMO_ORG}); keys, shown once:")
    for role, issued in keys.items():
        typer.echo(f"  {role:9} {issued.key}")


@main.command()
def scan(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    charset: str = "utf-8",
    sample: Annotated[int, typer.Option(min=10)] = 1000,
) -> None:
    """Print the classification report of a CSV, JSON Lines or Parquet file (as JSON)."""
    from app.services import local_files  # the detection stack, only for this command

    try:
        report = local_files.scan_file(file, charset, sample, get_settings().ner_model)
    except (AppError, ValueError) as exc:
        typer.echo(f"cannot scan {file.name}: {getattr(exc, 'detail', exc)}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps({"file": file.name, "columns": report}, ensure_ascii=False, indent=2))


@main.command()
def sanitize(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("-o", "--out", help="output .parquet or .csv")],
    policy: Annotated[Path | None, typer.Option(help="policy YAML/JSON")] = None,
    charset: str = "utf-8",
) -> None:
    """Mask a local file the way the policy (or the scan's defaults) says."""
    from app.services import local_files  # the detection stack, only for this command

    try:
        parsed = parse_text(policy.read_text(encoding="utf-8")) if policy else None
    except PolicyError as exc:
        typer.echo(f"invalid policy: {exc}", err=True)
        raise typer.Exit(2) from exc
    with typer.progressbar(length=1000, label="masking") as bar:
        done = [0]

        def advance(fraction: float) -> None:
            step = int(fraction * 1000) - done[0]
            bar.update(step)
            done[0] += step

        try:
            table = local_files.sanitize_file(file, out, get_settings(), parsed, charset, advance)
        except (PlanError, AppError, ValueError) as exc:
            typer.echo(f"\nnothing written: {getattr(exc, 'detail', exc)}", err=True)
            raise typer.Exit(2) from exc
    typer.echo(f"wrote {out} ({table.num_rows} rows, columns: {', '.join(table.column_names)})")


if __name__ == "__main__":
    main()
