"""Report files (issue 14): the weekly and monthly tables built into .xlsx (and PDF once its
writer exists) and kept as ``ReportFile`` rows for download, on demand or by the scheduled
jobs (at each province's cut-off, and the monthly summary by the 15th).

The scheduled builds are safe to run twice: a (unit, kind, period, format) that already has a
frozen file, or one the schedule built, is not built again. A frozen table never changes, so
an on-demand build of a frozen period hands back the file already stored.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from ..domain import reports as dom
from ..domain.formatting import DEFAULT_ZONE, local_today
from ..domain.vocabulary import PERSON_KIND_NOUNS
from ..models import JobRun, ReportFile, Unit, User
from ..models._common import utcnow
from . import reports as svc
from .batches import province_of
from .report_documents import write_report

KINDS = ("weekly", "monthly")
SCHEDULED_KIND = "scheduled_reports"  # the JobRun kind of a scheduled build


def available_formats() -> tuple[str, ...]:
    """The formats a report can be built in now: .xlsx always, PDF once its writer exists."""
    try:
        from ..files import report_pdf  # noqa: F401
    except ImportError:
        return ("xlsx",)
    return ("xlsx", "pdf")


def report_title(unit: Unit, kind: str, period: str, person_kind: str = "child") -> str:
    """The title of a report ("Báo cáo tiến độ Huyện Một, Tuần 49/2026 (…)"; a report of the
    beneficiaries says so: "Báo cáo tiến độ đối tượng bảo trợ xã hội Huyện Một, …")."""
    when = dom.vn_week(period) if kind == "weekly" else dom.vn_month(period).lower()
    whose = "" if person_kind == "child" else f"{PERSON_KIND_NOUNS[person_kind]} "
    return f"Báo cáo tiến độ {whose}{unit.name}, {when}"


def normal_request(kind: str, period: str, fmt: str) -> tuple[str, str, str]:
    """Check a report request; ReportError (Vietnamese) for an unknown kind, format or period."""
    if kind not in KINDS:
        raise svc.ReportError("Loại báo cáo không hợp lệ.")
    if fmt not in available_formats():
        raise svc.ReportError("Định dạng tệp này chưa được hỗ trợ.")
    try:
        period = dom.normal_week(period) if kind == "weekly" else dom.normal_month(period)
    except dom.PeriodError as exc:
        raise svc.ReportError(str(exc)) from exc
    return kind, period, fmt


def _table(
    session: Session, unit: Unit, kind: str, period: str, now: datetime, zone_name: str, pk: str
):
    if kind == "weekly":
        return svc.weekly_report(
            session, unit, period, now=now, zone_name=zone_name, person_kind=pk
        )
    return svc.monthly_report(session, unit, period, now=now, zone_name=zone_name, person_kind=pk)


def _frozen_file(
    session: Session, unit: Unit, kind: str, period: str, fmt: str, person_kind: str = "child"
):
    return session.scalar(
        select(ReportFile)
        .where(
            ReportFile.unit_id == unit.id,
            ReportFile.kind == kind,
            ReportFile.period == period,
            ReportFile.format == fmt,
            ReportFile.person_kind == person_kind,
            ReportFile.frozen.is_(True),
        )
        .order_by(ReportFile.id)
        .limit(1)
    )


def build_report_file(
    session: Session,
    unit: Unit,
    kind: str,
    period: str,
    fmt: str,
    user: User | None,
    *,
    files_dir: Path | str,
    now: datetime | None = None,
    zone_name: str = DEFAULT_ZONE,
    job_run: JobRun | None = None,
    person_kind: str = "child",
) -> ReportFile:
    """Build one report (of the children, or of another kind of person) into
    ``files_dir/reports/UNIT/`` and record it (flushes).

    A frozen table already stored in this format is returned as it is (nothing written).
    Raises ReportError for a bad request or a period that has not begun."""
    kind, period, fmt = normal_request(kind, period, fmt)
    svc.check_kind(person_kind)
    now = now or utcnow()
    report = _table(session, unit, kind, period, now, zone_name, person_kind)
    if report.frozen:
        stored = _frozen_file(session, unit, kind, period, fmt, person_kind)
        if stored is not None:
            return stored
    folder = Path(files_dir) / "reports" / unit.code
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}-{person_kind}-{period}-{now:%Y%m%d%H%M%S%f}.{fmt}"
    write_report(session, report, path, now=now, zone_name=zone_name)
    data = path.read_bytes()
    row = ReportFile(
        unit_id=unit.id,
        unit=unit,
        kind=kind,
        period=period,
        person_kind=person_kind,
        format=fmt,
        stored_path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        as_of=report.as_of,
        frozen=report.frozen,
        created_by_id=user.id if user else None,
        created_at=now,
        job_run_id=job_run.id if job_run else None,
    )
    session.add(row)
    session.flush()
    return row


def download_name(row: ReportFile) -> str:
    """The file name offered for download (ASCII: unit code, kind, period)."""
    kind = "bao-cao-tuan" if row.kind == "weekly" else "bao-cao-thang"
    if row.person_kind != "child":
        kind += "-doi-tuong-bao-tro"
    return f"{kind}-{row.unit.code}-{row.period}-{row.id}.{row.format}"


# --------------------------------------------------------------------------- the schedule


def report_units(session: Session, province: Unit) -> list[Unit]:
    """The units a schedule builds reports for: the province and every unit under it that has
    units under it (the districts of the three-level shape), by code."""
    units = session.scalars(
        select(Unit).where(Unit.path.startswith(province.path, autoescape=True))
    ).all()
    parents = {u.parent_id for u in units}
    return sorted((u for u in units if u.id in parents or u.id == province.id), key=_order)


def _order(unit: Unit) -> tuple[int, str]:
    return unit.depth, unit.code


def _has_scheduled(session: Session, unit: Unit, kind: str, period: str, fmt: str) -> bool:
    """A file of this key that a second scheduled run must not build again: a frozen one, or
    one built by the schedule (no user)."""
    return session.scalar(
        select(
            exists().where(
                ReportFile.unit_id == unit.id,
                ReportFile.kind == kind,
                ReportFile.period == period,
                ReportFile.format == fmt,
                ReportFile.person_kind == "child",
                or_(ReportFile.frozen.is_(True), ReportFile.created_by_id.is_(None)),
            )
        )
    )


def scheduled_period(
    session: Session, province: Unit, kind: str, *, now: datetime, zone_name: str = DEFAULT_ZONE
) -> str:
    """The period a scheduled run builds at `now`: the week whose cut-off passed last (weekly),
    or the month before the local current month (monthly, due by the 15th)."""
    if kind == "weekly":
        weekday, hour = svc.cutoff_settings(session, province)
        return dom.last_closed_week(now, weekday, hour, zone_name)
    local = local_today(zone_name, now)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return f"{year}-{month:02d}"


def missing_reports(
    session: Session, province: Unit, kind: str, period: str
) -> list[tuple[Unit, str]]:
    """The (unit, format) pairs of a province whose scheduled report of the period is not
    stored yet (empty: nothing to do)."""
    return [
        (unit, fmt)
        for unit in report_units(session, province)
        for fmt in available_formats()
        if not _has_scheduled(session, unit, kind, period, fmt)
    ]


def build_scheduled(
    session: Session,
    province: Unit,
    kind: str,
    period: str,
    *,
    files_dir: Path | str,
    now: datetime,
    zone_name: str = DEFAULT_ZONE,
    job_run: JobRun | None = None,
    progress=None,
) -> dict:
    """A scheduled run for one province: freeze the period's (last) week when its cut-off has
    passed, then build every report still missing. Files written by a run that fails are
    removed (the caller rolls back the rows)."""
    if kind == "weekly":
        weeks = [period]
    else:
        weekday, _hour = svc.cutoff_settings(session, province)
        weeks = dom.weeks_of_month(period, weekday)[-1:]
    frozen = 0
    for week in weeks:
        _w, cut, _day = svc.week_cutoff(session, province, week, zone_name)
        if now >= cut:
            frozen += svc.freeze_week(session, province, week, now=now, zone_name=zone_name)
    todo = missing_reports(session, province, kind, period)
    written: list[Path] = []
    try:
        for i, (unit, fmt) in enumerate(todo):
            row = build_report_file(
                session,
                unit,
                kind,
                period,
                fmt,
                None,
                files_dir=files_dir,
                now=now,
                zone_name=zone_name,
                job_run=job_run,
            )
            written.append(Path(row.stored_path))
            if progress:
                progress(i + 1, len(todo), "reports")
    except Exception:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return {"period": period, "frozen": frozen, "built": len(todo)}


def last_failures(session: Session, unit: Unit, limit: int = 5) -> list[JobRun]:
    """The scheduled runs of the unit's province that failed and were not followed by a run
    of the same period that succeeded, newest first (what the dashboard warns about)."""
    province = province_of(session, unit)
    runs = session.scalars(
        select(JobRun)
        .where(JobRun.unit_id == province.id, JobRun.kind == SCHEDULED_KIND)
        .order_by(JobRun.id.desc())
        .limit(200)
    ).all()
    done: set[str | None] = set()
    out: list[JobRun] = []
    for run in runs:
        if run.status == "finished":
            done.add(run.params)
        elif run.status == "failed" and run.params not in done:
            done.add(run.params)  # one warning per period: its latest failure
            out.append(run)
    return out[:limit]


# --------------------------------------------------------------------------- the pages


def recent_weeks(
    session: Session, unit: Unit, *, now: datetime, zone_name: str = DEFAULT_ZONE, count: int = 12
) -> list[tuple[str, str, bool]]:
    """The reporting weeks a report can be asked for, the open one first, then the closed ones:
    (week, its Vietnamese label with dates, closed)."""
    weekday, hour = svc.cutoff_settings(session, unit)
    open_week = dom.week_of_cutoff(now, weekday, hour, zone_name)
    weeks = [dom.shift_week(open_week, -i) for i in range(count)]
    return [(w, dom.vn_week(w), i > 0) for i, w in enumerate(weeks)]


def recent_months(today, count: int = 12) -> list[tuple[str, str]]:
    """The months from the current one back: (month, "Tháng 12/2026")."""
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        key = f"{year}-{month:02d}"
        out.append((key, dom.vn_month(key)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def stored_reports(session: Session, user: User, limit: int = 100) -> list[ReportFile]:
    """The report files of the user's units, newest first."""
    from .access import scoped

    return session.scalars(
        scoped(user, ReportFile)
        .order_by(ReportFile.created_at.desc(), ReportFile.id.desc())
        .limit(limit)
    ).all()


def communes_in_scope(session: Session, user: User) -> list[Unit]:
    """The units of the user's tree that have none under them (the communes that enter (3))."""
    from sqlalchemy.orm import aliased

    from .access import units_in_scope

    child = aliased(Unit)
    return session.scalars(
        units_in_scope(user).where(~exists().where(child.parent_id == Unit.id))
    ).all()
