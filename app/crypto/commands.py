"""``pazhou keys …``: status, rotate-data-key, remove-data-key. Key material is never
printed, except the one new key an operator must put into ``PAZHOU_DATA_KEYS`` themselves."""

import getpass
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from app.config import Settings, get_settings
from app.crypto.errors import DataKeyUnavailable
from app.crypto.keyfile import (
    create_key_file,
    read_key_file,
    with_new_active_key,
    without_key,
    write_key_file,
)
from app.crypto.keyring import encode_key, new_key, new_key_id
from app.crypto.rotation import rewrap_all, usage
from app.crypto.source import key_file_path, prepare

keys_cli = typer.Typer(help="Data keys (encryption at rest).", no_args_is_help=True)


def _fail(exc: DataKeyUnavailable) -> typer.Exit:
    typer.echo(exc.detail, err=True)
    return typer.Exit(1)


def _record(action: str, details: dict[str, Any]) -> None:
    """Key changes go into the access log like every admin action."""
    from app.main import open_database  # the server's start-up checks; heavy, so on demand
    from app.repositories.audit import NewEvent, append

    db = open_database(get_settings())
    event = NewEvent(
        action=action,
        resource="data-keys",
        outcome=200,
        actor=f"cli:{getpass.getuser()}",
        role="admin",
        client="cli",
        details=details,
    )
    with db.transaction() as session:
        append(session, event)
    db.dispose()


@keys_cli.command("status")
def status() -> None:
    """Where the keys come from, the active key id, and how many files each key id wraps."""
    settings = get_settings()
    try:
        ring = prepare(settings).ring()
    except DataKeyUnavailable as exc:
        raise _fail(exc) from exc
    in_use = usage(settings.data_dir)
    report = {"source": ring.origin, "active": ring.active_id, "keys": sorted(ring.keys)}
    typer.echo(json.dumps({**report, "files_per_key": dict(sorted(in_use.items()))}))


def _new_active_key(settings: Settings, path: Path | None) -> str | None:
    """Make a new key active in the key file (or create the file); None when keys are inline."""
    if path is None:
        return None
    if not path.exists():
        create_key_file(path)
    else:
        write_key_file(path, with_new_active_key(read_key_file(path)))
    return read_key_file(path).active_id


@keys_cli.command("rotate-data-key")
def rotate_data_key(
    rewrap_only: Annotated[
        bool, typer.Option(help="no new key: bring everything under the active key (resume)")
    ] = False,
    reencrypt: Annotated[
        bool, typer.Option(help="also re-encrypt quarantine files under fresh data keys")
    ] = False,
) -> None:
    """Make a new data key active, then re-wrap every file key and secret under it."""
    settings = get_settings()
    try:
        path = key_file_path(settings)
        if path is None and not rewrap_only:
            key_id = new_key_id()
            typer.echo(
                "keys come from PAZHOU_DATA_KEYS: put this entry first in it on every process, "
                f"keep the others, restart, then run `pazhou keys rotate-data-key --rewrap-only`"
                f":\n{key_id}:{encode_key(new_key())}"
            )
            return
        made = None if rewrap_only else _new_active_key(settings, path)
        ring = prepare(settings).ring()
        done = rewrap_all(settings.data_dir, ring, reencrypt)
    except DataKeyUnavailable as exc:
        raise _fail(exc) from exc
    old = sorted(set(ring.keys) - {ring.active_id})
    report = {"active": ring.active_id, "new_key": made is not None, **dict(sorted(done.items()))}
    _record("keys.rotate", report)
    typer.echo(json.dumps({**report, "removable": old}))
    if old:
        typer.echo(
            f"once every server has picked up {ring.active_id} (the key file is re-read when it "
            f"changes), remove old keys with `pazhou keys remove-data-key {old[0]}`",
            err=True,
        )


@keys_cli.command("remove-data-key")
def remove_data_key(key_id: Annotated[str, typer.Argument(help="the key id to remove")]) -> None:
    """Remove a key from the key file; refused while it is active or anything is sealed under it."""
    settings = get_settings()
    try:
        ring = prepare(settings).ring()
        path = key_file_path(settings)
    except DataKeyUnavailable as exc:
        raise _fail(exc) from exc
    if key_id not in ring.keys or key_id == ring.active_id:
        typer.echo(
            f"'{key_id}' is {'the active key' if key_id in ring.keys else 'unknown'}", err=True
        )
        raise typer.Exit(1)
    still = usage(settings.data_dir).get(key_id, 0)
    if still:
        typer.echo(
            f"{still} files are still sealed under '{key_id}': run rotate-data-key --rewrap-only",
            err=True,
        )
        raise typer.Exit(1)
    if path is None:
        typer.echo(f"nothing is sealed under '{key_id}': remove its entry from PAZHOU_DATA_KEYS")
        return
    write_key_file(path, without_key(ring, key_id))
    _record("keys.remove", {"key_id": key_id})
    typer.echo(json.dumps({"removed": key_id, "active": ring.active_id}))
