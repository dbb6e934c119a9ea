"""What a printed weekly or monthly report holds (issue 14), already worded: built by
``services.report_documents.report_document`` and written by ``report_xlsx`` (the formatted
workbook) and ``report_pdf`` (the administrative document). Plain data: the writers never
query anything."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domain.charts import LineChart
from ..domain.reports import (
    COLUMNS,
    SHORT_COLUMNS,
    Figures,
    row_values,
    short_row_values,
    vn_count,
)

# The attachment's columns ("danh sách kèm theo"), numbered (1) … (6) like the table's.
ATTACHMENT_COLUMNS = ("STT", "Họ và tên", "Ngày sinh", "Thôn, tổ dân phố", "Số định danh", "Lý do")
ATTACHMENT_TITLE = "DANH SÁCH TRẺ EM CHƯA CẬP NHẬT, CHƯA LÀM SẠCH DỮ LIỆU"
NOT_UPDATED = "Trẻ em chưa có trên phần mềm (chưa cập nhật)"
NOT_CLEANED = "Trẻ em có trên phần mềm, chưa làm sạch"


@dataclass
class TableRow:
    """One line of the table: a commune, or (bold) a district summing its communes."""

    number: str
    name: str
    is_group: bool
    depth: int
    figures: Figures

    @property
    def values(self) -> list:
        """Columns (1) … (8) as spreadsheet values (numbers, None for a blank cell)."""
        return row_values(self.number, self.name, self.figures)

    @property
    def cells(self) -> list[str]:
        """Columns (1) … (8) as printed (1.731; 54,81; "" where blank)."""
        printed = self.figures.cells()
        return [self.number, self.name, *(printed[n] for n in range(3, 9))]

    def short_values(self) -> list:
        return short_row_values(self.number, self.name, self.figures)

    def short_cells(self) -> list[str]:
        f = self.figures
        return [self.number, self.name, vn_count(f.in_software), vn_count(f.not_cleaned), ""]


@dataclass
class RestatementLine:
    """A closed week's figure that later knowledge changes, as printed under the table."""

    unit_name: str
    week_label: str
    column_label: str
    stored: int | None
    restated: int | None
    reason: str

    @property
    def stored_text(self) -> str:
        return vn_count(self.stored) or "chưa nhập"

    @property
    def restated_text(self) -> str:
        return vn_count(self.restated) or "chưa nhập"

    @property
    def sentence(self) -> str:
        return (
            f"{self.unit_name}, {self.week_label}, cột {self.column_label}: "
            f"đã báo cáo {self.stored_text}, số đúng {self.restated_text} ({self.reason})."
        )


@dataclass
class AttachmentRow:
    position: int
    full_name: str
    dob: str  # dd/mm/yyyy (or mm/yyyy, yyyy by the record's precision)
    hamlet: str
    id_number: str  # text, never a number ("" when none)
    reason: str

    @property
    def cells(self) -> list:
        return [self.position, self.full_name, self.dob, self.hamlet, self.id_number, self.reason]


@dataclass
class AttachmentSection:
    title: str  # NOT_UPDATED or NOT_CLEANED
    rows: list[AttachmentRow] = field(default_factory=list)


@dataclass
class Attachment:
    """The list of one commune's children not yet updated and not yet cleaned."""

    number: str  # "Phụ lục I", "Phụ lục II" …
    unit_name: str
    sections: list[AttachmentSection]

    @property
    def count(self) -> int:
        return sum(len(s.rows) for s in self.sections)


@dataclass
class ReportDocument:
    governing_agency: str | None
    agency: str
    number_line: str  # "Số:      /BC-UBND": the records office writes the number
    place_date: str
    title: str  # "BÁO CÁO"
    heading: str  # "BÁO CÁO TIẾN ĐỘ CHUẨN HÓA, LÀM SẠCH DỮ LIỆU TRẺ EM"
    summary: str  # "Tiến độ chuẩn hóa, làm sạch dữ liệu trẻ em"
    period_line: str  # "Tuần 49 năm 2026 (từ 30/11 đến 06/12/2026)"
    as_of_line: str  # "Số liệu tính đến 10:00 04/12/2026 (đã chốt)"
    as_of_day: str  # "04/12/2026", for the short layout's headings
    recipient: str | None  # "Kính gửi: …" (a report goes upward)
    intro: str
    rows: list[TableRow]
    total: TableRow
    missing_note: str
    restatements: list[RestatementLine]
    restatement_title: str
    attachments: list[Attachment]
    attachments_note: str
    attachments_as_of: str
    reference_line: str  # "(Kèm theo Báo cáo số …/BC-UBND ngày … của …)"
    signer_title: str
    signer_note: str
    recipients: list[str]
    file_title: str
    # The clean rate of the frozen weeks up to the report's (domain.charts; None: no week is
    # frozen yet), drawn under the table in the PDF as the dashboard draws it.
    chart: LineChart | None = None
    # Who is counted: "trẻ em", or "đối tượng bảo trợ xã hội" (a report by kind, issue 17).
    noun: str = "trẻ em"

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(COLUMNS[n].replace("trẻ em", self.noun) for n in range(1, 9))

    @property
    def attachment_title(self) -> str:
        return ATTACHMENT_TITLE.replace("TRẺ EM", self.noun.upper())

    numbers = tuple(f"({n})" for n in range(1, 9))

    @property
    def short_headers(self) -> tuple[str, ...]:
        h = list(SHORT_COLUMNS)
        if self.noun != "trẻ em":
            h = [x.replace("trẻ em", self.noun).replace("Số trẻ ", f"Số {self.noun} ") for x in h]
        h[2] += f" (tính đến {self.as_of_day})"
        h[3] += f" (tính đến {self.as_of_day})"
        return tuple(h)
