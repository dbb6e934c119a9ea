"""`treem counts rebuild` and `treem db analyze` (issue 15, province scale): the work queue's
counts kept by the database (services/queue_counts.py) and the planner's statistics."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from .cli import main, unit_from_code
from .extensions import db


@main.group()
def counts() -> None:
    """Các số đếm của danh sách hồ sơ (work queue counts kept by the database)."""


@counts.command("rebuild")
@click.option("--unit", "unit_code", default=None, help="Only this unit and the units below it")
@click.option("--check", is_flag=True, help="Only compare with the records; exit 1 if they differ.")
@with_appcontext
def counts_rebuild(unit_code: str | None, check: bool) -> None:
    """Recount the work queue's kept counts from the records (after a restore, a load that
    bypassed the triggers, or to check them)."""
    from .services.access import subtree_ids
    from .services.queue_counts import mismatches, rebuild

    if db.session.connection().dialect.name != "postgresql":
        click.echo("Trên SQLite, số đếm được tính trực tiếp từ hồ sơ; không cần đếm lại.", err=True)
        return
    unit_ids = (
        list(db.session.scalars(subtree_ids(unit_from_code(unit_code)))) if unit_code else None
    )
    if check:
        wrong = mismatches(db.session.connection(), unit_ids)
        for key, kept, live in wrong[:20]:
            click.echo(f"  {key}: {kept} ≠ {live}", err=True)
        click.echo(f"{len(wrong)} số đếm khác với hồ sơ.", err=True)
        if wrong:
            sys.exit(1)
        return
    rows = rebuild(db.session, unit_ids)
    db.session.commit()
    click.echo(f"Đã đếm lại: {rows} dòng số đếm.", err=True)


def analyze_database() -> list[str]:
    """Refresh the planner's statistics (VACUUM ANALYZE on PostgreSQL, ANALYZE and PRAGMA
    optimize on SQLite): after a large import or a restore, before autovacuum gets to it. On
    PostgreSQL the VACUUM also marks the loaded pages all-visible, which the index-only scans
    of the queue's counts and searches need to stay off the table (a province's search probed
    938 table rows for 469 persons' findings after a load; none once vacuumed); it takes
    about 2 s for 1.5 million persons, and blocks no reader or writer."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
            auto.exec_driver_sql("VACUUM (ANALYZE)")
        return ["VACUUM", "ANALYZE"]
    conn.exec_driver_sql("ANALYZE")
    conn.exec_driver_sql("PRAGMA optimize")
    db.session.commit()
    return ["ANALYZE", "PRAGMA optimize"]


def _register_db_analyze() -> None:
    """`treem db analyze`: beside Flask-Migrate's `treem db upgrade`."""
    from flask_migrate.cli import db as db_group

    @db_group.command("analyze")
    @with_appcontext
    def db_analyze() -> None:
        """Refresh the database's statistics after a large import (VACUUM ANALYZE)."""
        import time

        t0 = time.perf_counter()
        done = analyze_database()
        click.echo(
            f"Đã cập nhật thống kê ({', '.join(done)}) trong {time.perf_counter() - t0:.1f} s.",
            err=True,
        )


_register_db_analyze()
