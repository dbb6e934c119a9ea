"""Benchmark: the handover documents of a 500-row batch (PDF list + return sheet) against
Chromium printing the same HTML (`chromium --headless --print-to-pdf`), in the same run.

    python bench/pdf.py [ROWS]

Prints seconds, pages, seconds per page and the ratio; the last line is one JSON object.
Target: ratio <= 1.5 for the whole job (PDF and return sheet), goal <= 1.0.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
# `python bench/pdf.py` puts bench/ first on the path, where bench/queue.py would shadow the
# standard library's queue module (multiprocessing needs it): use the project root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from treem_app.files.batch_pdf import (  # noqa: E402
    BatchDocument,
    DocRow,
    default_workers,
    document_html,
    render_batch_pdf,
)
from treem_app.files.pdf import STATIC_DIR  # noqa: E402
from treem_app.files.return_sheet import write_return_sheet  # noqa: E402

REPEAT = 3
FAMILIES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLES = ["Văn", "Thị", "Ngọc", "Minh", "Quốc", "Thanh", "Hoàng", "Thùy", "Bảo", "Gia"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Mỹ", "Nhật", "Phúc"]
GIVEN += ["Quỳnh", "Sơn", "Tâm", "Uyên", "Vy", "Yến", "Ánh", "Đức", "Hưng"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _name(rng: random.Random) -> str:
    given = rng.sample(GIVEN, rng.choice([1, 1, 2]))
    return " ".join([rng.choice(FAMILIES), rng.choice(MIDDLES), *given])


def make_document(n: int, seed: int = 2026) -> BatchDocument:
    """A synthetic locked batch of `n` children (as the job builds it from BatchRows)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        if rng.random() < 0.9:
            guardians = f"Cha: {_name(rng)}; Mẹ: {_name(rng)}"
        else:
            guardians = f"Người giám hộ: {_name(rng)}"
        rows.append(
            DocRow(
                position=i + 1,
                row_key="".join(rng.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(5)),
                full_name=_name(rng),
                dob=f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2011, 2025)}",
                sex=rng.choice(["Nam", "Nữ"]),
                ethnicity=rng.choice(["Kinh", "Kinh", "Kinh", "Ba Na", "Chăm", "Hrê"]),
                guardians=guardians,
                hamlet=rng.choice(["Thôn Hưng Nghĩa", "Thôn Phổ Đồng", "Tổ dân phố 3"]),
                id_number=rng.choice(["Chưa có", "05221500012", "052215000123"]),
                corrected=rng.choice(["", "", "Họ và tên", "Ngày sinh, Dân tộc", "Họ tên cha"]),
            )
        )
    return BatchDocument(
        number="03/DS-UBND",
        unit_name="Xã Phước Hưng",
        agency="ỦY BAN NHÂN DÂN XÃ PHƯỚC HƯNG",
        governing_agency="UBND HUYỆN TUY PHƯỚC",
        place_date="Phước Hưng, ngày 19 tháng 11 năm 2026",
        police_name="Công an xã Phước Hưng",
        preparer="Trần Thị Cán Bộ",
        verify_url="http://127.0.0.1:8000/v/bench-token-0123456789abcdefghijk",
        content_hash="0f" * 32,
        rows=rows,
    )


def time_treem(n: int, out: Path) -> tuple[float, int]:
    """Best-of-N seconds for the whole job: PDF list and return sheet."""
    from pypdf import PdfReader

    best, pages = float("inf"), 0
    for _ in range(REPEAT):
        doc = make_document(n)
        batch = SimpleNamespace(
            id=1,
            unit=SimpleNamespace(code="21703"),
            rows=[
                SimpleNamespace(position=r.position, person_id=r.position, person_version=1)
                for r in doc.rows
            ],
        )
        t0 = time.perf_counter()
        data = render_batch_pdf(
            doc, side_work=lambda d=doc, b=batch: write_return_sheet(out / "r.xlsx", b, d)
        )
        (out / "treem.pdf").write_bytes(data)
        best = min(best, time.perf_counter() - t0)
        pages = len(PdfReader(out / "treem.pdf").pages)
    return best, pages


def time_chromium(n: int, out: Path) -> tuple[float, int]:
    """Best-of-N seconds for Chromium to print the same HTML (fonts from the same files)."""
    from pypdf import PdfReader

    html = document_html(make_document(n))
    page = out / "list.html"
    # Chromium reads the HTML from disk: point the relative font URLs at the bundled fonts.
    page.write_text(html.replace('url("fonts/', f'url("{STATIC_DIR.as_uri()}/fonts/'))
    target = out / "chromium.pdf"
    best = float("inf")
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--print-to-pdf={target}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        best = min(best, time.perf_counter() - t0)
    return best, len(PdfReader(target).pages)


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 500
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        chromium_seconds, chromium_pages = time_chromium(n, out)
        seconds, pages = time_treem(n, out)
    ratio = seconds / chromium_seconds
    print(f"rows: {n}, workers: {default_workers()}")
    print(
        f"treem (PDF + return sheet): {seconds:.2f} s, {pages} pages, {seconds / pages:.3f} s/page"
    )
    print(f"chromium --print-to-pdf: {chromium_seconds:.2f} s, {chromium_pages} pages")
    print(f"ratio treem/chromium: {ratio:.2f} (target <= 1.5, goal <= 1.0)")
    print(
        json.dumps(
            {
                "bench": "pdf",
                "rows": n,
                "pages": pages,
                "seconds": round(seconds, 3),
                "seconds_per_page": round(seconds / pages, 4),
                "chromium_seconds": round(chromium_seconds, 3),
                "chromium_pages": chromium_pages,
                "ratio": round(ratio, 3),
                "workers": default_workers(),
                "target": "ratio <= 1.5 (goal <= 1.0)",
                "ok": ratio <= 1.5,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
