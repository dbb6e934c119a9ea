"""The `treem` console script: the Flask CLI of the app plus the commands of SPEC section 6."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from . import clock, create_app
from .extensions import db
from .models import Unit
from .models.user import ROLE_LABELS


class UserInputError(click.ClickException):
    """Bad input: a one-line message on stderr and exit status 2, nothing written."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"Lỗi / Error: {self.format_message()}", err=True)


def unit_from_code(code: str) -> Unit:
    """The unit with this code (the console sees every unit), or a UserInputError."""
    from .services.access import unit_by_code

    unit = unit_by_code(db.session, None, code)
    if unit is None:
        raise UserInputError(f"không có đơn vị mã {code}")
    return unit


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def main() -> None:
    """treem: làm sạch dữ liệu trẻ em (Đề án 06)."""


@main.group()
def units() -> None:
    """Administrative units."""


@units.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def units_import(file: Path) -> None:
    """Load units from a CSV with columns code,name,level,parent."""
    from .services.units import UnitImportError, import_units, parse_units_csv

    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UserInputError(f"không tìm thấy tệp {file}") from exc
    except UnicodeDecodeError as exc:
        raise UserInputError("tệp CSV phải được lưu ở dạng UTF-8") from exc
    try:
        created, updated = import_units(db.session, parse_units_csv(text))
    except UnitImportError as exc:
        db.session.rollback()
        raise UserInputError(str(exc)) from exc
    db.session.commit()
    click.echo(f"Đã thêm {created} đơn vị, cập nhật {updated} đơn vị.", err=True)


@units.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@with_appcontext
def units_list(as_json: bool) -> None:
    """List the units (tree order)."""
    from .services.units import units_as_json

    rows = units_as_json(db.session)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(
            f"{row['code']:<8} {row['level']:<10} {row['name']} (thuộc: {row['parent'] or '-'})"
        )


@main.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.argument("name")
@click.option("--role", required=True, help="officer, volunteer, police, reporter or admin")
@click.option("--unit", "unit_code", required=True, help="Code of the user's unit")
@click.option("--full-name", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
@with_appcontext
def users_create(
    name: str, role: str, unit_code: str, full_name: str | None, password_stdin: bool
) -> None:
    """Create a user (the password is read from stdin, never from the command line)."""
    from .services.accounts import AccountError, create_user

    if not password_stdin:
        raise UserInputError("cần --password-stdin (mật khẩu không được ghi trên dòng lệnh)")
    password = sys.stdin.readline().rstrip("\r\n")
    unit = unit_from_code(unit_code)
    try:
        user = create_user(db.session, name, password, role=role, unit=unit, full_name=full_name)
    except AccountError as exc:
        db.session.rollback()
        raise UserInputError(str(exc)) from exc
    db.session.commit()
    click.echo(f"Đã tạo tài khoản {user.username} ({user.role}, {unit.name}).", err=True)


@main.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has units.")
@click.option(
    "--children-per-commune",
    type=int,
    default=None,
    help="Synthetic children per commune [default: 850, or 300 with --shape 2024].",
)
@click.option("--seed", default=2026, show_default=True)
@click.option(
    "--shape",
    type=click.Choice(["2025", "2024"]),
    default="2025",
    show_default=True,
    help="2025: communes directly under the province; 2024: province, districts, communes.",
)
@with_appcontext
def seed_demo(if_empty: bool, children_per_commune: int | None, seed: int, shape: str) -> None:
    """A demo province with its communes, one user per role, synthetic children."""
    from flask import current_app

    from .demo import DEMO_ACCOUNTS_FILE
    from .demo import seed as seed_database

    if if_empty and db.session.scalar(select(Unit.id).limit(1)) is not None:
        click.echo("Cơ sở dữ liệu đã có dữ liệu; bỏ qua dữ liệu mẫu.", err=True)
        return
    accounts = seed_database(
        db.session, children_per_commune=children_per_commune, seed=seed, shape=shape
    )
    db.session.commit()
    lines = [
        f"{a['username']:<19} {a['password']:<20} {ROLE_LABELS.get(a['role'], a['role']):<20} "
        f"{a['unit']}"
        for a in accounts
    ]
    path = Path(current_app.instance_path) / DEMO_ACCOUNTS_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    click.echo(
        "Tài khoản dùng thử (mật khẩu chỉ in một lần; "
        f"cũng lưu trong {path}, chỉ chủ máy đọc được):"
    )
    for line in lines:
        click.echo("  " + line)


@main.command("requeue")
@with_appcontext
def requeue() -> None:
    """Enqueue jobs left queued while Redis was unreachable; mark interrupted the jobs whose
    worker died; delete the failed sign-ins that no longer count."""
    from .queue import recover_interrupted, requeue_pending
    from .services.accounts import prune_throttles

    click.echo(f"{requeue_pending()} công việc được đưa lại vào hàng đợi.", err=True)
    click.echo(f"{recover_interrupted()} công việc bị dừng đột ngột được đánh dấu.", err=True)
    pruned = prune_throttles(db.session)
    db.session.commit()
    click.echo(f"{pruned} bản ghi đăng nhập sai đã hết hạn được xóa.", err=True)


@main.group()
def roster() -> None:
    """The roster: importing the national export of children, or of beneficiaries (step 1)."""


# Whom a command is about: children (the default), or social-protection beneficiaries.
KIND_OPTION = click.option(
    "--kind", type=click.Choice(["child", "beneficiary"]), default="child", show_default=True
)


@roster.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--unit", "unit_code", required=True, help="Code of the commune to import into")
@click.option("--screening-date", default=None, help="YYYY-MM-DD (default: today)")
@click.option("--dry-run", is_flag=True, help="Screen and report; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@KIND_OPTION
@with_appcontext
def roster_import(
    file: Path, unit_code: str, screening_date: str | None, dry_run: bool, as_json: bool, kind: str
) -> None:
    """Screen an export and merge it into the unit's records (same service as the web job)."""
    from datetime import date

    from flask import current_app

    from .files.upload_checks import UploadError
    from .services.roster_import import import_now
    from .services.roster_upload import store_upload

    try:
        day = date.fromisoformat(screening_date) if screening_date else clock.today()
    except ValueError as exc:
        raise UserInputError("--screening-date phải có dạng YYYY-MM-DD") from exc
    unit = unit_from_code(unit_code)
    if unit.children:
        raise UserInputError(
            f"không nhập được vào {unit.name} ({unit_code}): chỉ nhập vào xã/phường"
        )
    try:
        data = file.read_bytes()
    except FileNotFoundError as exc:
        raise UserInputError(f"không tìm thấy tệp {file}") from exc
    max_rows = current_app.config["TREEM_MAX_IMPORT_ROWS"]
    stored = None
    try:
        run = store_upload(
            db.session,
            unit,
            None,
            file.name,
            data,
            files_dir=current_app.config["TREEM_FILES_DIR"],
            max_bytes=current_app.config["MAX_CONTENT_LENGTH"] or 25 * 1024 * 1024,
            max_rows=max_rows,
            person_kind=kind,
        )
        stored = Path(run.stored_path)
        outcome = import_now(
            db.session, run, screening_date=day, apply=not dry_run, max_rows=max_rows
        )
    except UploadError as exc:
        db.session.rollback()
        if stored is not None:
            stored.unlink(missing_ok=True)
        raise UserInputError(str(exc)) from exc
    summary = outcome.summary
    if dry_run:
        db.session.rollback()  # a dry run writes nothing: not even the upload's record
        if stored is not None:
            stored.unlink(missing_ok=True)
    else:
        db.session.commit()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "rows": summary["rows"],
                    "created": summary["created"],
                    "updated": summary["updated"],
                    "conflicts": summary["conflicts"],
                    "findings": outcome.cli_findings,
                    "by_rule": summary["by_rule"],
                },
                ensure_ascii=False,
            )
        )
        return
    from .services.roster_import import import_message

    click.echo(import_message(summary))
    for rule, n in summary["by_rule"].items():
        click.echo(f"  {rule:<26} {n}")


@main.group()
def batch() -> None:
    """Handover batches for the commune police (step 2→3)."""


@batch.command("create")
@click.option("--unit", "unit_code", required=True, help="Code of the commune")
@click.option("--json", "as_json", is_flag=True, help='Print {"id": ID, "rows": N}.')
@KIND_OPTION
@with_appcontext
def batch_create(unit_code: str, as_json: bool, kind: str) -> None:
    """A draft batch of the commune's records (of one kind) ready for the police."""

    from flask import current_app

    from .services.batches import BatchError, create_draft

    unit = unit_from_code(unit_code)
    try:
        limit = current_app.config["TREEM_MAX_BATCH_ROWS"]
        created = create_draft(
            db.session, unit, user=None, today=clock.today(), kind=kind, max_rows=limit
        )
    except BatchError as exc:
        db.session.rollback()
        raise UserInputError(str(exc)) from exc
    db.session.commit()
    if as_json:
        click.echo(json.dumps({"id": created.id, "rows": created.row_count}))
        return
    click.echo(
        f"Đã lập danh sách #{created.id} (số {created.number}) với {created.row_count} hồ sơ."
    )


@batch.command("issue")
@click.argument("batch_id", type=int)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the PDF list and the return sheet",
)
@with_appcontext
def batch_issue(batch_id: int, out_dir: Path) -> None:
    """Lock a draft batch and write its PDF list and return sheet (.xlsx) into DIR.

    A batch already issued gets its two files written again from its locked content.
    """

    from flask import current_app

    from .models import Batch
    from .services.access import get_scoped
    from .services.batches import (
        BatchError,
        InvalidTransition,
        issue,
        record_documents,
        render_documents,
    )

    found = get_scoped(db.session, None, Batch, batch_id)
    if found is None:
        raise UserInputError(f"không có danh sách #{batch_id}")
    if out_dir.exists() and not out_dir.is_dir():
        raise UserInputError(f"{out_dir} không phải là thư mục")
    try:
        if found.state == "draft":
            limit = current_app.config["TREEM_MAX_BATCH_ROWS"]
            issue(db.session, found, user=None, today=clock.today(), max_rows=limit)
        pdf, xlsx = render_documents(
            db.session,
            found,
            out_dir,
            public_url=current_app.config.get("TREEM_PUBLIC_URL") or "http://127.0.0.1:8000",
            sheet_password=current_app.config.get("TREEM_SHEET_PASSWORD"),
        )
    except (BatchError, InvalidTransition) as exc:
        db.session.rollback()
        raise UserInputError(str(exc)) from exc
    # A documents run recorded at issue is finished: the files were made here, not by a worker.
    record_documents(db.session, found, pdf, xlsx)
    db.session.commit()
    click.echo(str(pdf))
    click.echo(str(xlsx))


@batch.command("ingest")
@click.argument("batch_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@with_appcontext
def batch_ingest(batch_id: int, file: Path, as_json: bool) -> None:
    """Step 3: apply the police's returned sheet (.xlsx) to the batch's records."""
    from flask import current_app

    from .models import Batch
    from .services.access import get_scoped
    from .services.batch_ingest import ReturnRefused, ingest_file, store_return

    found = get_scoped(db.session, None, Batch, batch_id)
    if found is None:
        raise UserInputError(f"không có danh sách #{batch_id}")
    try:
        ret = store_return(
            db.session,
            found,
            file.read_bytes(),
            file.name,
            user=None,
            files_dir=Path(current_app.config["TREEM_FILES_DIR"]),
            max_bytes=current_app.config["MAX_CONTENT_LENGTH"] or 25 * 1024 * 1024,
        )
        summary = ingest_file(db.session, found, Path(ret.stored_path), user=None,
                              today=clock.today(), ret=ret)  # fmt: skip
    except ReturnRefused as exc:
        db.session.rollback()
        raise UserInputError(str(exc)) from exc
    db.session.commit()
    if as_json:
        keys = ("rows", "verified", "rejected", "conflicts", "empty", "unchanged")
        out = {k: summary[k] for k in keys}
        out["results"] = [
            {"row": r["row"], "status": r["status"], "reason": r["reason"]}
            for r in summary["results"]
        ]
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    click.echo(ret.message)


@main.group()
def export() -> None:
    """Exports for the national software (step 4)."""


@export.command("cleaned")
@click.option("--unit", "unit_code", required=True, help="Code of the commune")
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The .xlsx to write",
)
@click.option("--since", default=None, help="YYYY-MM-DD: only records changed since that day")
@with_appcontext
def export_cleaned(unit_code: str, out_file: Path, since: str | None) -> None:
    """Step 4: the commune's changed records as .xlsx, laid out like its last imported export."""
    from datetime import date

    from .services.cleaned_export import ExportRefused
    from .services.cleaned_export import export_cleaned as write_export

    try:
        day = date.fromisoformat(since) if since else None
    except ValueError as exc:
        raise UserInputError("--since phải có dạng YYYY-MM-DD") from exc
    if out_file.suffix.lower() != ".xlsx":
        raise UserInputError("--out phải là tệp .xlsx")
    if out_file.parent.exists() and not out_file.parent.is_dir():
        raise UserInputError(f"{out_file.parent} không phải là thư mục")
    unit = unit_from_code(unit_code)
    if unit.children:
        raise UserInputError(f"{unit.name} ({unit_code}) không phải xã/phường")
    try:
        summary = write_export(db.session, unit, out_file, since=day, zone_name=clock.zone_name())
    except ExportRefused as exc:
        db.session.rollback()
        raise UserInputError(str(exc)) from exc
    db.session.commit()
    click.echo(str(out_file))
    click.echo(f"Đã xuất {summary['rows']} hồ sơ.", err=True)


@main.group()
def report() -> None:
    """The weekly and monthly progress tables (issue 14)."""


def _report_out(out_file: Path) -> str:
    fmt = out_file.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "pdf"):
        raise UserInputError("--out phải là tệp .xlsx hoặc .pdf")
    if out_file.parent.exists() and not out_file.parent.is_dir():
        raise UserInputError(f"{out_file.parent} không phải là thư mục")
    if not out_file.parent.exists():
        raise UserInputError(f"không có thư mục {out_file.parent}")
    return fmt


def _write_report(result, out_file: Path, now) -> None:
    """Write the formatted .xlsx or the PDF (by the suffix) and say what it holds."""
    from .domain.formatting import vn_datetime
    from .services.report_documents import write_report

    doc = write_report(db.session, result, out_file, now=now, zone_name=clock.zone_name())
    state = "đã chốt" if result.frozen else "chưa chốt"
    click.echo(str(out_file))
    click.echo(
        f"{doc.file_title}: {len(result.leaf_rows)} đơn vị, số liệu {state}, tính đến "
        f"{vn_datetime(result.as_of, clock.zone_name())}.",
        err=True,
    )


@report.command("weekly")
@click.option("--unit", "unit_code", required=True, help="Code of the unit")
@click.option("--week", required=True, help="ISO week, YYYY-Www (e.g. 2026-W49)")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path))
@KIND_OPTION
@with_appcontext
def report_weekly(unit_code: str, week: str, out_file: Path, kind: str) -> None:
    """The weekly progress table of a unit: one row per commune (or district) and the total.
    The week just closed is frozen first (as the scheduled job does); an older week not frozen
    is counted as of now."""
    from .domain import reports as dom
    from .models._common import utcnow
    from .services import reports as svc

    _report_out(out_file)
    try:
        week = dom.normal_week(week)
    except dom.PeriodError as exc:
        raise UserInputError(str(exc)) from exc
    unit = unit_from_code(unit_code)
    now = utcnow()
    if dom.week_bounds(week)[0] > clock.today():
        raise UserInputError(f"{dom.vn_week(week)} chưa bắt đầu")
    weekday, hour = svc.cutoff_settings(db.session, unit)
    if week == dom.last_closed_week(now, weekday, hour, clock.zone_name()):
        svc.freeze_week(db.session, unit, week, now=now, zone_name=clock.zone_name())
        db.session.commit()
    result = svc.weekly_report(
        db.session, unit, week, now=now, zone_name=clock.zone_name(), person_kind=kind
    )
    _write_report(result, out_file, now)


@report.command("monthly")
@click.option("--unit", "unit_code", required=True, help="Code of the unit")
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path))
@KIND_OPTION
@with_appcontext
def report_monthly(unit_code: str, month: str, out_file: Path, kind: str) -> None:
    """The monthly summary: the table of the month's last frozen week (or live as of now)."""
    from .domain import reports as dom
    from .models._common import utcnow
    from .services import reports as svc

    _report_out(out_file)
    try:
        month = dom.normal_month(month)
    except dom.PeriodError as exc:
        raise UserInputError(str(exc)) from exc
    unit = unit_from_code(unit_code)
    if dom.month_bounds(month)[0] > clock.today():
        raise UserInputError(f"{dom.vn_month(month)} chưa bắt đầu")
    now = utcnow()
    result = svc.monthly_report(
        db.session, unit, month, now=now, zone_name=clock.zone_name(), person_kind=kind
    )
    _write_report(result, out_file, now)


@main.group()
def campaign() -> None:
    """Campaigns: phases, deadlines and pace (issue 17)."""


@campaign.command("show")
@click.option("--unit", "unit_code", required=True, help="Code of the unit")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object")
@with_appcontext
def campaign_show(unit_code: str, as_json: bool) -> None:
    """The campaign the unit follows and the pace of each commune under it, today."""
    from .services.campaign_pace import board_pace
    from .services.campaigns import campaign_for
    from .services.progress_board import leaf_ids_under

    unit = unit_from_code(unit_code)
    followed = campaign_for(db.session, unit)
    ids = leaf_ids_under(db.session, unit)
    communes = db.session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.code)).all()
    paces = board_pace(db.session, list(communes), now=clock.now(), today=clock.today(),
                       zone_name=clock.zone_name())  # fmt: skip
    plan = None
    if followed is not None:
        plan = {
            "name": followed.name,
            "owner": followed.unit.code,
            "schedule": followed.schedule.__dict__,
            "phases": [{"kind": p.kind, "start": p.starts_on.isoformat(),
                        "end": p.ends_on.isoformat()} for p in followed.phases],
        }  # fmt: skip
    rows = []
    for cp in paces:
        p = cp.pace
        rows.append({"code": cp.unit.code, "name": cp.unit.name} | ({} if p is None else {
            "phase": p.phase.kind, "state": p.state, "days_left": p.days_left,
            "days_to_start": p.days_to_start, "remaining": p.remaining,
            "needed_per_week": p.needed_per_week,
            "past_per_week": None if p.past_per_week is None else float(p.past_per_week),
            "projected_end": p.projected_end.isoformat() if p.projected_end else None,
            "flags": list(p.flags), "summary": p.summary()}))  # fmt: skip
    if as_json:
        click.echo(json.dumps({"unit": unit.code, "campaign": plan, "communes": rows},
                              ensure_ascii=False))  # fmt: skip
        return
    if followed is None:
        click.echo(f"{unit.name}: chưa có kế hoạch chiến dịch.")
        return
    click.echo(f"{followed.name} (kế hoạch của {followed.unit.name})")
    click.echo(followed.schedule.text())
    for cp in paces:
        click.echo(f"  {cp.unit.name}: {cp.pace.summary() if cp.pace else 'không có giai đoạn'}")


# Registers `treem backup` and `treem restore`, and `treem counts` and `treem db analyze`
# (their own modules keep this one short).
from . import cli_backup, cli_counts  # noqa: E402, F401
