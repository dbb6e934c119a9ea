"""The signable handover list (PDF): layout data, pagination, QR code and fast rendering.

Speed (issue 6 benchmark): WeasyPrint spends most of its time laying out boxes, on one core.
So the list is paginated here, before rendering, from the bundled font's own advance widths:
every page's rows are known in advance, "Trang x/y" is plain text, and slices of a few pages
are rendered in parallel worker processes and joined, each font's subsets merged into one
(:mod:`.pdf_join`: the joined PDF embeds every font once); each finished slice reports progress. A
slice that comes back with more pages than planned (a row taller than measured) makes the whole
document fall back to one ordinary render with the same pagination rules, so the output is
always complete.
"""

from __future__ import annotations

import io
import math
import os
import unicodedata
from base64 import b64encode
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cache
from multiprocessing import get_context

from ..domain.formatting import vn_number
from .pdf import STATIC_DIR, render_pdf
from .pdf_join import Joiner

FONT_DIR = STATIC_DIR / "fonts"
MM_PER_PT = 25.4 / 72

# Page geometry (A4 landscape; NĐ 30 margins at their minimum: top/bottom 20, left 30, right 15).
CONTENT_W_MM = 297 - 30 - 15
CONTENT_H_MM = 210 - 20 - 20
# Column shares of the table width, as in the template's <colgroup>.
COLUMNS = (
    ("position", 4, 11, False),
    ("full_name", 14, 11, False),
    ("dob", 8.5, 11, False),
    ("sex", 4.5, 11, False),
    ("ethnicity", 6, 11, False),
    ("relation", 14, 10, False),  # parents, or a beneficiary's allowance category
    ("hamlet", 8, 10, False),
    ("id_number", 10.5, 11, False),
    ("corrected", 9.5, 10, False),
    ("police_id", 12, 11, False),
    ("result", 9, 11, False),
)
HEADINGS = (
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Dân tộc",
    "Cha, mẹ, người giám hộ",
    "Thôn, tổ dân phố",
    "Số định danh hiện có",
    "Nội dung đã điều chỉnh",
    "Số định danh (Công an ghi)",
    "Kết quả xác thực",
)
CELL_PAD_X_MM = 2 * 2.5 * MM_PER_PT + 0.6 * MM_PER_PT
CELL_PAD_Y_MM = 2 * 1.5 * MM_PER_PT + 0.6 * MM_PER_PT
ROW_MIN_MM = 11.0  # room for 12 handwritten digits
LINE = 1.2  # line-height
# Heights reserved on the first page (agency/national header, title) and on the last page
# (total, QR code, two signature blocks); measured on rendered pages, with room to spare.
FIRST_PAGE_HEAD_MM = 47.0
LAST_PAGE_END_MM = 52.0
SAFETY = 0.96  # of the page height, for rounding in the real layout

TEMPLATE = "documents/batch_list.html"
# Pages per rendered slice: each slice costs about 0.1 s of set-up (measured on 66 pages:
# 6.5 s whole, 7.0 s in slices of 8), and each finished slice moves the progress bar.
SLICE_PAGES = 8
SLICE_MIN_PAGES = 4


# --------------------------------------------------------------------------- data


@dataclass
class DocRow:
    """One row as printed (all text, already formatted)."""

    position: int
    row_key: str
    full_name: str
    dob: str
    sex: str
    ethnicity: str
    guardians: str
    hamlet: str
    id_number: str
    corrected: str
    allowance_category: str = ""  # a beneficiary's (batches of beneficiaries)
    relation: str = ""  # column (6) as printed: the guardians, unless set otherwise

    def __post_init__(self) -> None:
        if not self.relation:
            self.relation = self.guardians


@dataclass
class BatchDocument:
    """Everything the list shows; built from a locked batch (services.batches.document_for)."""

    number: str
    unit_name: str
    agency: str
    governing_agency: str | None
    place_date: str
    police_name: str
    preparer: str
    verify_url: str
    content_hash: str
    rows: list[DocRow]
    qr_data_uri: str = ""
    page_count: int = 0
    kind: str = "child"  # whom the batch lists (domain.vocabulary.PERSON_KINDS)

    @property
    def subject(self) -> str:
        """Who the list proposes for verification, as the document's summary line says."""
        if self.kind == "beneficiary":
            return "Đối tượng bảo trợ xã hội"
        return "Trẻ em"

    @property
    def relation_heading(self) -> str:
        return "Diện hưởng trợ giúp xã hội" if self.kind == "beneficiary" else HEADINGS[5]

    @property
    def total_noun(self) -> str:
        return "đối tượng" if self.kind == "beneficiary" else "trẻ em"

    @property
    def column_widths(self) -> list[float]:
        return [share for _, share, _, _ in COLUMNS]

    @property
    def row_min_mm(self) -> float:
        return ROW_MIN_MM

    @property
    def grid_uri(self) -> str:
        return grid_svg_data_uri()

    @property
    def total_text(self) -> str:
        return vn_number(len(self.rows))


@dataclass
class Page:
    number: int
    rows: list[DocRow] = field(default_factory=list)


# --------------------------------------------------------------------------- measuring text


class FontMetrics:
    """Advance widths of one bundled font (no kerning: a slight overestimate, on the safe side)."""

    def __init__(self, filename: str):
        from fontTools.ttLib import TTFont

        font = TTFont(str(FONT_DIR / filename), lazy=True)
        upm = font["head"].unitsPerEm
        hmtx = font["hmtx"].metrics
        cmap = font.getBestCmap()
        self.widths = {cp: hmtx[name][0] / upm for cp, name in cmap.items()}
        self.default = hmtx[cmap[ord("M")]][0] / upm
        font.close()

    def width_mm(self, text: str, size_pt: float) -> float:
        get, default = self.widths.get, self.default
        return sum(get(ord(c), default) for c in text) * size_pt * MM_PER_PT


@cache
def metrics(bold: bool = False) -> FontMetrics:
    return FontMetrics("LiberationSerif-Bold.ttf" if bold else "LiberationSerif-Regular.ttf")


def line_count(text: str, width_mm: float, size_pt: float, bold: bool = False) -> int:
    """How many lines `text` takes when wrapped greedily at spaces in `width_mm` (long words
    break anywhere, as overflow-wrap: break-word does)."""
    if not text:
        return 1
    m = metrics(bold)
    space = m.width_mm(" ", size_pt)
    total = 0
    for paragraph in text.split("\n"):
        lines, used = 1, 0.0
        for word in paragraph.split():
            w = m.width_mm(word, size_pt)
            if w > width_mm:  # broken across lines
                extra = math.ceil(w / width_mm)
                lines += extra if used else extra - 1
                used = w - (extra - 1) * width_mm
                continue
            needed = w if not used else used + space + w
            if needed <= width_mm:
                used = needed
            else:
                lines += 1
                used = w
        total += lines
    return total


def _col_width(share: float) -> float:
    return CONTENT_W_MM * share / 100 - CELL_PAD_X_MM


def header_height_mm() -> float:
    """The table's repeated header: the headings row and the "(1) (2) ..." row."""
    lines = max(
        line_count(h, _col_width(share), 11, bold=True)
        for h, (_, share, _, _) in zip(HEADINGS, COLUMNS, strict=True)
    )
    return lines * 11 * LINE * MM_PER_PT + CELL_PAD_Y_MM + 10 * LINE * MM_PER_PT + 1.0


def row_height_mm(row: DocRow) -> float:
    tallest = 11 * LINE * MM_PER_PT  # STT
    for name, share, size, bold in COLUMNS:
        if name in ("position", "police_id", "result"):
            continue
        text = getattr(row, name)
        h = line_count(text, _col_width(share), size, bold) * size * LINE * MM_PER_PT
        tallest = max(tallest, h)
    return max(ROW_MIN_MM, tallest + CELL_PAD_Y_MM)


def paginate(rows: list[DocRow]) -> list[Page]:
    """Split the rows into pages: the header block on page 1, the table header on every page,
    the total and the signature blocks on the last page, which always keeps some rows."""
    usable = CONTENT_H_MM * SAFETY
    head = header_height_mm()
    pages = [Page(1)]
    room = usable - FIRST_PAGE_HEAD_MM - head
    for row in rows:
        h = row_height_mm(row)
        if h > room and pages[-1].rows:
            pages.append(Page(len(pages) + 1))
            room = usable - head
        pages[-1].rows.append(row)
        room -= h
    if room < LAST_PAGE_END_MM:
        # The end block does not fit under the last rows: carry the last rows over with it, so
        # the signatures never stand on a page of their own.
        last = pages[-1]
        carried: list[DocRow] = []
        room = usable - head - LAST_PAGE_END_MM
        while len(last.rows) > 1 and row_height_mm(last.rows[-1]) <= room and len(carried) < 3:
            room -= row_height_mm(last.rows[-1])
            carried.insert(0, last.rows.pop())
        pages.append(Page(len(pages) + 1, carried))
    return pages


# --------------------------------------------------------------------------- QR code


def qr_svg_data_uri(payload: str) -> str:
    """The QR code of `payload` as an SVG data: URI (vector: sharp at any print resolution)."""
    import segno

    buf = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buf, kind="svg", scale=4, border=2)
    return "data:image/svg+xml;base64," + b64encode(buf.getvalue()).decode("ascii")


@cache
def grid_svg_data_uri() -> str:
    """The table's vertical rules at the column boundaries, drawn in a 252 mm wide SVG that the
    table stretches vertically only (line widths stay 0.6 pt)."""
    xs, x = [0.0], 0.0
    for _, share, _, _ in COLUMNS:
        x += CONTENT_W_MM * share / 100
        xs.append(x)
    half = 0.3 * MM_PER_PT
    lines = "".join(
        f'<rect x="{min(max(v - half, 0), CONTENT_W_MM - 2 * half):.3f}" y="0" '
        f'width="{2 * half:.3f}" height="10"/>'
        for v in xs
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CONTENT_W_MM} 10" '
        f'preserveAspectRatio="none">{lines}</svg>'
    )
    return "data:image/svg+xml;base64," + b64encode(svg.encode()).decode("ascii")


# --------------------------------------------------------------------------- rendering


def _html(doc: BatchDocument, pages: list[Page], *, flow: bool = False) -> str:
    return _jinja_env().get_template(TEMPLATE).render(doc=doc, pages=pages, flow=flow)


@cache
def _jinja_env():
    # A plain Jinja environment (autoescaping on), so worker processes and the benchmark can
    # render without a Flask app.
    from jinja2 import Environment, FileSystemLoader

    from ..config import PROJECT_ROOT

    return Environment(loader=FileSystemLoader(str(PROJECT_ROOT / "templates")), autoescape=True)


def document_html(doc: BatchDocument) -> str:
    """The whole list as one HTML document (what Chromium prints in the benchmark)."""
    pages = _prepare(doc)
    return _html(doc, pages)


def _prepare(doc: BatchDocument) -> list[Page]:
    for row in doc.rows:
        row.full_name = unicodedata.normalize("NFC", row.full_name)
    pages = paginate(doc.rows)
    doc.page_count = len(pages)
    if not doc.qr_data_uri:
        doc.qr_data_uri = qr_svg_data_uri(doc.verify_url)
    return pages


def _render_slice(doc: BatchDocument, pages: list[Page]) -> tuple[bytes, int]:
    from pypdf import PdfReader

    data = render_pdf(_html(doc, pages))
    return data, len(PdfReader(io.BytesIO(data)).pages)


def renderer_memory_mb() -> int:
    """The address-space limit of a forked renderer, in MB (TREEM_RENDER_MEMORY_MB; 0: none).
    A 500-row list renders in slices of a few pages: a slice needs a few hundred MB."""
    try:
        return max(0, int(os.environ.get("TREEM_RENDER_MEMORY_MB", "4096")))
    except ValueError:
        return 4096


def renderer_guard(parent_pid: int, memory_mb: int) -> None:
    """Run first in each forked renderer: it dies with the process that forked it (Linux's
    parent-death signal; a worker killed with SIGKILL no longer leaves renderers running),
    and it is held to `memory_mb` of address space (a MemoryError fails the job cleanly)."""
    import ctypes
    import resource
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown still applies
        pass
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def default_workers() -> int:
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2))


def render_batch_pdf(
    doc: BatchDocument,
    *,
    workers: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    side_work: Callable[[], object] | None = None,
) -> bytes:
    """Render the list to PDF bytes.

    The pages are split into contiguous slices of a few pages (:func:`_slices`), rendered in
    parallel forked processes (one worker: one after the other, in this process) and joined
    (each font embedded once);
    `side_work` (the return sheet) runs meanwhile in this process. After each slice,
    ``progress(rows done, rows in all, stage)`` tells how far the list is, so a long list's
    progress bar moves while it renders.
    """
    pages = _prepare(doc)
    workers = default_workers() if workers is None else workers
    slices = _slices(pages, workers)
    total = len(doc.rows)
    rendered_pages = [0] * len(slices)  # as the renderer paginated each slice
    whole = b""  # the PDF of a list rendered in one slice
    done_rows = done_pages = 0
    # The slices are joined as they come in (in order), while the others still render: the
    # joiner keeps their bytes, nothing else does.
    joiner = Joiner(len(slices))

    def slice_done(i: int, result: tuple[bytes, int]) -> None:
        nonlocal done_rows, done_pages, whole
        data, count = result
        rendered_pages[i] = count
        if len(slices) == 1:
            whole = data
        elif count == len(slices[i]):
            joiner.add(i, data)
        done_rows += sum(len(page.rows) for page in slices[i])
        done_pages += len(slices[i])
        if progress:
            progress(done_rows, total, f"Đang dựng danh sách PDF: trang {done_pages}/{len(pages)}")

    if workers <= 1 or len(slices) == 1:
        if side_work:
            side_work()
        for i, part in enumerate(slices):
            slice_done(i, _render_slice(doc, part))
    else:
        with ProcessPoolExecutor(
            min(workers, len(slices)),
            mp_context=get_context("fork"),
            initializer=renderer_guard,
            initargs=(os.getpid(), renderer_memory_mb()),
        ) as pool:
            futures = {pool.submit(_render_slice, doc, part): i for i, part in enumerate(slices)}
            if side_work:
                side_work()
            for future in as_completed(futures):
                slice_done(futures[future], future.result())
    if any(n != len(part) for n, part in zip(rendered_pages, slices, strict=True)):
        # A row was taller than measured: the planned numbering is off, so render the whole
        # list as one flowing table numbered by the layout engine itself.
        if progress:
            progress(0, total, "Đang dựng lại danh sách PDF")
        return render_flowing(doc)
    if len(slices) == 1:
        return whole
    if progress:
        progress(total, total, "Đang ghép các trang")
    return joiner.finish()


def render_flowing(doc: BatchDocument) -> bytes:
    """The list as one table that the layout engine paginates and numbers (the slow, sure way)."""
    _prepare(doc)
    return render_pdf(_html(doc, [Page(1, list(doc.rows))], flow=True))


def _slices(pages: list[Page], workers: int) -> list[list[Page]]:
    """Contiguous slices of the pages: at most SLICE_PAGES each (a slice is also a step of the
    progress bar), at least four of them (or one per worker) when the list has SLICE_MIN_PAGES
    pages or more; a short list renders whole."""
    if len(pages) < SLICE_MIN_PAGES:
        return [pages]
    size = max(2, min(SLICE_PAGES, math.ceil(len(pages) / max(workers, 4))))
    return [pages[i : i + size] for i in range(0, len(pages), size)]
