"""The printed weekly or monthly report (issue 14): a ``WeeklyReport`` worded as an
administrative document (``files.report_doc.ReportDocument``), with its per-commune attachments
("danh sách kèm theo": the children not yet updated and not yet cleaned, from
``reports.column_query``), then written as .xlsx or PDF.

The attachments are read live, when the report is built: a frozen week's table keeps its
figures, but the lists name the children as they stand now (the attachment says so)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain import reports as dom
from ..domain.charts import LineChart, rate_chart
from ..domain.dates import format_date
from ..domain.findings import rule_label
from ..domain.formatting import DEFAULT_ZONE, local_date, vn_datetime
from ..domain.software_sync import SYNC_STATE_LABELS, SYNCED
from ..domain.vocabulary import PERSON_KIND_NOUNS, PERSON_STATUSES
from ..files.report_doc import (
    NOT_CLEANED,
    NOT_UPDATED,
    Attachment,
    AttachmentRow,
    AttachmentSection,
    ReportDocument,
    RestatementLine,
    TableRow,
)
from ..models import Finding, Person, Unit
from .batches import agency_names, place_date_line
from .reports import CHUNK, ROMAN, WeeklyReport, column_condition, column_query

# Above this many listed children the attachments are left out of the file (a province's
# report would otherwise carry hundreds of thousands of names): each commune's or district's
# own report carries its lists.
ATTACHMENT_LIMIT = 20_000
PDF_ATTACHMENT_LIMIT = 3_000
PLACE_PREFIXES = ("Thị trấn ", "Xã ", "Phường ", "Đặc khu ", "Huyện ", "Quận ", "Thị xã ",
                  "Thành phố ", "Tỉnh ")  # fmt: skip
HEADING = "BÁO CÁO TIẾN ĐỘ CHUẨN HÓA, LÀM SẠCH DỮ LIỆU TRẺ EM"
SUMMARY = "Tiến độ chuẩn hóa, làm sạch dữ liệu trẻ em thực hiện Đề án 06"


def noun_of(report: WeeklyReport) -> str:
    """Who a report counts, as its words say it (a report is of one kind of person, issue 17)."""
    return PERSON_KIND_NOUNS[report.person_kind]


def _worded(text: str, noun: str) -> str:
    """A children's wording said of another kind of person."""
    return (
        text.replace("TRẺ EM", noun.upper())
        .replace("Trẻ em", noun[0].upper() + noun[1:])
        .replace("trẻ em", noun)
    )


def place_of(name: str) -> str:
    """A unit's name as a place: "Huyện Tuy Phước" -> "Tuy Phước"."""
    for prefix in PLACE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _span(week: str) -> str:
    """ "(từ 30/11 đến 06/12/2026)"; the first day carries its year when the week spans two."""
    monday, sunday = dom.week_bounds(week)
    first = f"{monday:%d/%m/%Y}" if monday.year != sunday.year else f"{monday:%d/%m}"
    return f"(từ {first} đến {sunday:%d/%m/%Y})"


def period_line(report: WeeklyReport) -> str:
    year, number = dom.parse_week(report.week)
    if report.kind == "monthly":
        m_year, month = dom.parse_month(report.period)
        if report.through is not None:  # a month in progress, counted live
            return f"Tháng {month:02d} năm {m_year} (tính đến ngày {report.through:%d/%m/%Y})"
        span = _span(report.week)[1:]
        return f"Tháng {month:02d} năm {m_year} (số liệu tuần {number}/{year}, {span}"
    return f"Tuần {number} năm {year} {_span(report.week)}"


def as_of_line(report: WeeklyReport, zone_name: str) -> str:
    if report.frozen:
        state = "đã chốt"
    elif report.through is not None:
        state = "tháng chưa kết thúc"
    elif report.closed:
        state = "tuần đã qua giờ chốt, số liệu chưa được chốt"
    else:
        state = "tuần chưa đến giờ chốt"
    return f"Số liệu tính đến {vn_datetime(report.as_of, zone_name)} ({state})"


def missing_note(report: WeeklyReport) -> str:
    missing = report.missing_reported
    if not missing:
        return ""
    return (
        f"Có {missing} xã, phường chưa nhập tổng số {noun_of(report)} của địa phương: "
        "cột (3), (5) và (8) của các xã này để trống; dòng tổng cộng chỉ cộng cột (3) của các "
        "xã đã nhập, cột (5) và (8) để trống."
    )


def _reasons(session: Session, person_ids: list[int]) -> dict[int, list[str]]:
    """The open errors of these persons, as Vietnamese labels."""
    out: dict[int, list[str]] = {}
    for i in range(0, len(person_ids), CHUNK):
        for pid, rule in session.execute(
            select(Finding.person_id, Finding.rule)
            .where(
                Finding.person_id.in_(person_ids[i : i + CHUNK]),
                Finding.status == "open",
                Finding.severity == "error",
            )
            .order_by(Finding.person_id, Finding.id)
        ):
            label = rule_label(rule)
            if label not in out.setdefault(pid, []):
                out[pid].append(label)
    return out


def _not_cleaned_reason(person: Person, errors: list[str]) -> str:
    if errors:
        return "; ".join(errors)
    if person.status != "clean":
        return PERSON_STATUSES.get(person.status, "Chưa làm sạch")
    if person.sync_state != SYNCED:
        return f"Đã làm sạch; {SYNC_STATE_LABELS[person.sync_state].lower()}"
    return "Chưa làm sạch"


def _section(
    session: Session, unit_id: int, column: str, title: str, person_kind: str = "child"
) -> AttachmentSection:
    persons = session.scalars(column_query([unit_id], column, person_kind)).all()
    errors = _reasons(session, [p.id for p in persons]) if column == "not_cleaned" else {}
    rows = []
    for i, p in enumerate(persons, 1):
        if column == "not_in_software":
            reason = "Chưa có trên phần mềm; " + PERSON_STATUSES.get(p.status, "").lower()
        else:
            reason = _not_cleaned_reason(p, errors.get(p.id, []))
        rows.append(
            AttachmentRow(
                position=i,
                full_name=p.full_name or "",
                dob=format_date(p.dob, p.dob_precision or "day"),
                hamlet=p.hamlet or "",
                id_number=p.id_number or "",
                reason=reason.rstrip("; "),
            )
        )
    return AttachmentSection(_worded(title, PERSON_KIND_NOUNS[person_kind]), rows)


def listed_count(session: Session, unit_ids: list[int], person_kind: str = "child") -> int:
    """How many children (or beneficiaries) the attachments of these communes would list."""
    total = 0
    for column in ("not_in_software", "not_cleaned"):
        for i in range(0, len(unit_ids), CHUNK):
            total += session.scalar(
                select(func.count())
                .select_from(Person)
                .where(
                    Person.unit_id.in_(unit_ids[i : i + CHUNK]),
                    column_condition(column, person_kind),
                )
            )
    return total


def attachments(session: Session, report: WeeklyReport, limit: int) -> tuple[list, str]:
    """The per-commune lists (communes with nobody to list are left out), or none and a note
    when they would list more than `limit` children."""
    leaves = report.leaf_rows
    kind, noun = report.person_kind, noun_of(report)
    count = listed_count(session, [r.unit.id for r in leaves], kind)
    if count > limit:
        return [], (
            f"Danh sách kèm theo có {dom.vn_count(count)} {noun}, quá dài để kèm trong tệp này: "
            "lập báo cáo của từng xã, phường để có danh sách."
        )
    out: list[Attachment] = []
    for row in leaves:
        sections = [
            _section(session, row.unit.id, "not_in_software", NOT_UPDATED, kind),
            _section(session, row.unit.id, "not_cleaned", NOT_CLEANED, kind),
        ]
        if any(s.rows for s in sections):
            n = len(out)
            label = ROMAN[n] if n < len(ROMAN) else str(n + 1)
            out.append(Attachment(f"Phụ lục {label}", row.unit.name, sections))
    note = "" if out else f"Không có {noun} nào chưa cập nhật hoặc chưa làm sạch."
    return out, note


def rate_history_chart(session: Session, report: WeeklyReport) -> LineChart | None:
    """The clean rate of the frozen weeks up to and including the report's week (the
    dashboard's chart, ``progress_board.history``); None when no week of them has a rate
    (none frozen, or every one lacking some commune's reported total)."""
    from .progress_board import chart_series, history

    leaves = [r.unit.id for r in report.leaf_rows]
    past = history(session, leaves, dom.shift_week(report.week, 1), person_kind=report.person_kind)
    if not any(p.rate is not None for p in past):
        return None
    return rate_chart(chart_series(past))


def report_document(
    session: Session,
    report: WeeklyReport,
    *,
    now: datetime,
    zone_name: str = DEFAULT_ZONE,
    attachment_limit: int = ATTACHMENT_LIMIT,
) -> ReportDocument:
    unit: Unit = report.unit
    agency, governing = agency_names(unit)
    today = local_date(now, zone_name)
    place = place_of(unit.name)
    year, number = dom.parse_week(report.week)
    rows = [TableRow(r.number, r.unit.name, r.is_group, r.depth, r.figures) for r in report.rows]
    restated = [
        RestatementLine(
            s.unit_name,
            dom.vn_week(s.week),
            f"({s.column}) {s.label}",
            s.stored,
            s.restated,
            _worded(s.reason, noun_of(report)),
        )
        for s in report.restatements
    ]
    previous = dom.shift_week(report.week, -1)
    chart = rate_history_chart(session, report)
    lists, note = attachments(session, report, attachment_limit)
    period = period_line(report)
    kind = "tháng" if report.kind == "monthly" else "tuần"
    whose = "" if report.person_kind == "child" else f"{noun_of(report)} "
    return ReportDocument(
        governing_agency=governing,
        agency=agency,
        number_line="Số:        /BC-UBND",
        place_date=place_date_line(place, today),
        title="BÁO CÁO",
        heading=_worded(HEADING, noun_of(report)),
        summary=_worded(SUMMARY, noun_of(report)),
        period_line=period,
        as_of_line=as_of_line(report, zone_name),
        as_of_day=vn_datetime(report.as_of, zone_name)[6:],
        recipient=f"Kính gửi: Ủy ban nhân dân {unit.parent.name}" if unit.parent else None,
        intro=(
            f"Ủy ban nhân dân {unit.name} báo cáo tiến độ chuẩn hóa, làm sạch dữ liệu "
            f"{noun_of(report)} trên địa bàn, {period[0].lower()}{period[1:]}, như sau:"
        ),
        rows=rows,
        total=TableRow("", "Tổng cộng", True, 0, report.total),
        missing_note=missing_note(report),
        restatements=restated,
        restatement_title=f"Điều chỉnh số liệu tuần trước (tuần {previous[-2:].lstrip('0')}/"
        f"{previous[:4]}, đã chốt)",
        attachments=lists,
        attachments_note=note,
        attachments_as_of=f"Danh sách lập lúc {vn_datetime(now, zone_name)}, theo dữ liệu tại "
        "thời điểm lập (số liệu của bảng có thể đã chốt trước đó).",
        reference_line=(
            f"(Kèm theo Báo cáo số      /BC-UBND ngày {today.day:02d}/{today.month:02d}/"
            f"{today.year} của Ủy ban nhân dân {unit.name})"
        ),
        signer_title="TM. ỦY BAN NHÂN DÂN",
        signer_note="(Ký, ghi rõ họ tên, đóng dấu)",
        recipients=[
            *([f"- UBND {unit.parent.name} (để báo cáo);"] if unit.parent else []),
            "- Lưu: VT.",
        ],
        file_title=f"Báo cáo tiến độ {whose}{unit.name}, {kind} {number}/{year}"
        if report.kind == "weekly"
        else f"Báo cáo tiến độ {whose}{unit.name}, {dom.vn_month(report.period).lower()}",
        chart=chart,
        noun=noun_of(report),
    )


def write_report(
    session: Session,
    report: WeeklyReport,
    path: Path,
    *,
    now: datetime,
    zone_name: str = DEFAULT_ZONE,
) -> ReportDocument:
    """Write the report as .xlsx or PDF (by the file's suffix); the file appears complete."""
    from ..files.report_pdf import render_report_pdf
    from ..files.report_xlsx import write_report_xlsx

    pdf = path.suffix.lower() == ".pdf"
    doc = report_document(
        session,
        report,
        now=now,
        zone_name=zone_name,
        attachment_limit=PDF_ATTACHMENT_LIMIT if pdf else ATTACHMENT_LIMIT,
    )
    tmp = path.with_name(path.name + ".part")
    if pdf:
        tmp.write_bytes(render_report_pdf(doc))
    else:
        write_report_xlsx(doc, tmp)
    tmp.replace(path)
    return doc
