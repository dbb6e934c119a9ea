"""`treem backup` and `treem restore` (issue 16, data safety): see services/backup.py."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from .cli import UserInputError, main
from .extensions import db


@main.command("backup")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A new or empty folder for the backup",
)
@with_appcontext
def backup(out_dir: Path) -> None:
    """Back up the database and the files folder into DIR, with a manifest of SHA-256s."""
    from flask import current_app

    from .models._common import utcnow
    from .services.backup import BackupError, make_backup

    db.session.remove()
    try:
        manifest = make_backup(
            db.engine,
            Path(current_app.config["TREEM_FILES_DIR"]),
            out_dir,
            created_at=utcnow().isoformat(timespec="seconds"),
        )
    except BackupError as exc:
        raise UserInputError(str(exc)) from exc
    rows = sum(manifest["database"]["row_counts"].values())
    click.echo(str(out_dir))
    click.echo(
        f"Đã sao lưu {rows} dòng dữ liệu và {len(manifest['files'])} tệp vào {out_dir}.", err=True
    )


@main.command("restore")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database or files folder holding data.")
@with_appcontext
def restore(folder: Path, force: bool) -> None:
    """Restore a backup made by `treem backup` (checked whole first; stop the app before)."""
    from flask import current_app

    from .services.backup import BackupError, restore_backup

    db.session.remove()
    try:
        manifest = restore_backup(
            db.engine, Path(current_app.config["TREEM_FILES_DIR"]), folder, force=force
        )
    except BackupError as exc:
        raise UserInputError(str(exc)) from exc
    rows = sum(manifest["database"]["row_counts"].values())
    click.echo(
        f"Đã khôi phục {rows} dòng dữ liệu và {len(manifest['files'])} tệp từ bản sao lưu "
        f"lúc {manifest['created_at']}.",
        err=True,
    )
