"""`flask backup PATH` and `flask restore PATH [--force]`: see statuspage.cli.backup."""

from __future__ import annotations

import time
from pathlib import Path

import click

from statuspage.cli.backup import restore_backup, take_backup
from statuspage.cli.backup_archive import BackupError

PATH = click.Path(dir_okay=False, path_type=Path)


@click.command("backup")
@click.argument("path", type=PATH)
def backup_command(path: Path) -> None:
    """Write the database, the secret key and a manifest to one file at PATH (mode 0600)."""
    started = time.monotonic()
    try:
        manifest = take_backup(path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written to {path} ({manifest.database}, migration "
               f"{manifest.revision or 'none'}, {path.stat().st_size} bytes, "
               f"{time.monotonic() - started:.1f} s).")
    click.echo("It holds the secret key and every subscriber's address: keep it private.")
    if manifest.secret_key_source == "environment":
        click.echo("SECRET_KEY is set in the environment: keep that setting too; a restore "
                   "needs the same value for links already sent to keep working.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(path: Path, force: bool) -> None:
    """Restore the database and the secret key from a backup written by `flask backup`."""
    started = time.monotonic()
    try:
        restored = restore_backup(path, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    manifest = restored.manifest
    click.echo(f"Restored the {manifest.database} backup of {manifest.created_at} "
               f"({time.monotonic() - started:.1f} s); the secret key is back in the instance "
               "folder.")
    if restored.upgraded:
        click.echo(f"Upgraded its database from migration {manifest.revision} to "
                   f"{restored.revision}.")
    if restored.environment_key_differs:
        click.echo("Warning: SECRET_KEY in the environment is not the backed-up key: links "
                   "sent before the backup will answer 400 until SECRET_KEY is set back to the "
                   "old value (or unset, to use the restored instance/secret_key).")
    click.echo("Restart the web, worker and sms processes now.")
