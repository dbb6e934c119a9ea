"""Benchmark: the handover documents of a 500-row batch (PDF list + return sheet) against
Chromium printing the same HTML (`chromium --headless --print-to-pdf`), in the same run; then
the memory and the file size of the job for 500 and 5,000 rows (issue 19).

    python bench/pdf.py [ROWS [ROWS ...]]      (default: 500 5000)

Prints seconds, pages, seconds per page and the ratio for the first size; then, for each size,
one job run in a fresh process: `peak_rss_mb`, the largest total resident memory of the process
and its forked renderers at one moment (sampled from /proc every 20 ms; pages the renderers
share with their parent count in each), the largest single renderer's and the parent's own
peaks (getrusage), and `bytes_per_row` (PDF size / rows). The last line is one JSON object.
Target: ratio <= 1.5 for the whole job (PDF and return sheet), goal <= 1.0. The app refuses
batches over TREEM_MAX_BATCH_ROWS (500); the renderer itself is measured here, so 5,000 is
allowed.
"""

from __future__ import annotations

import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
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
    default_workers,
    document_html,
    render_batch_pdf,
)
from treem_app.files.pdf import STATIC_DIR  # noqa: E402
from treem_app.files.return_sheet import write_return_sheet  # noqa: E402
from treem_app.synthetic import batch_document  # noqa: E402

REPEAT = 3
SIZES = (500, 5000)
SAMPLE_SECONDS = 0.02
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def time_treem(n: int, out: Path) -> tuple[float, int]:
    """Best-of-N seconds for the whole job: PDF list and return sheet."""
    from pypdf import PdfReader

    best, pages = float("inf"), 0
    for _ in range(REPEAT):
        doc = batch_document(n)
        t0 = time.perf_counter()
        data = _job(doc, out)
        (out / "treem.pdf").write_bytes(data)
        best = min(best, time.perf_counter() - t0)
        pages = len(PdfReader(out / "treem.pdf").pages)
    return best, pages


def time_chromium(n: int, out: Path) -> tuple[float, int]:
    """Best-of-N seconds for Chromium to print the same HTML (fonts from the same files)."""
    from pypdf import PdfReader

    html = document_html(batch_document(n))
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


def _job(doc: BatchDocument, out: Path) -> bytes:
    """The documents job once: the PDF list, and the return sheet meanwhile."""
    batch = SimpleNamespace(
        id=1,
        unit=SimpleNamespace(code="21703"),
        rows=[
            SimpleNamespace(position=r.position, person_id=r.position, person_version=1)
            for r in doc.rows
        ],
    )
    return render_batch_pdf(doc, side_work=lambda: write_return_sheet(out / "r.xlsx", batch, doc))


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                found += [int(c) for c in children.read().split()]
    except OSError:
        pass
    return found


def _tree_rss_kb(root: int) -> int:
    """Resident memory of `root` and all its descendants now, in kB (from /proc)."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_kb(pid)
        stack.extend(_children(pid))
    return total


def measure(n: int) -> dict:
    """Run the job once for `n` rows in this (fresh) process; its memory and output size."""
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(os.getpid()))
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    doc = batch_document(n)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        data = _job(doc, Path(tmp))
        seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(data)).pages)
    # ru_maxrss is in kB on Linux; RUSAGE_CHILDREN: the largest renderer (the pool has exited).
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    renderer = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "rows": n,
        "pages": pages,
        "seconds": round(seconds, 3),
        "pdf_bytes": len(data),
        "bytes_per_row": round(len(data) / n),
        "peak_rss_mb": round(max(peak, own) / 1024),
        "parent_peak_rss_mb": round(own / 1024),
        "renderer_peak_rss_mb": round(renderer / 1024),
    }


def measure_in_child(n: int) -> dict:
    """:func:`measure` in a fresh interpreter, so each size's peak is its own."""
    done = subprocess.run(
        [sys.executable, __file__, "--measure", str(n)],
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--measure":
        print(json.dumps(measure(int(argv[2]))))
        return 0
    sizes = [int(a) for a in argv[1:]] or list(SIZES)
    n = sizes[0]
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
    memory = []
    for rows in sizes:
        m = measure_in_child(rows)
        memory.append(m)
        print(
            f"rows: {rows}: {m['pages']} pages in {m['seconds']:.1f} s, "
            f"peak_rss_mb: {m['peak_rss_mb']} (parent {m['parent_peak_rss_mb']}, "
            f"largest renderer {m['renderer_peak_rss_mb']}), "
            f"PDF {m['pdf_bytes'] / 1024:.0f} KB, bytes_per_row: {m['bytes_per_row']}"
        )
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
                "peak_rss_mb": memory[0]["peak_rss_mb"],
                "bytes_per_row": memory[0]["bytes_per_row"],
                "sizes": memory,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
