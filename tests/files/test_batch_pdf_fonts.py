"""The handover list renders in parallel slices, and the joined PDF embeds each font once
(issue 19: each slice embedded its own subsets, `pdffonts` listed every font once per slice),
with the same text and the same look as the slices it was joined from."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image, ImageChops

from treem_app.files import batch_pdf
from treem_app.files.batch_pdf import BatchDocument, render_batch_pdf
from treem_app.files.pdf_join import join_pdfs
from treem_app.synthetic import batch_document

from ..batch_helpers import pdf_pages

ROWS = 120  # about 12 pages: four slices of three pages


def _document(n: int = ROWS) -> BatchDocument:
    """The synthetic list (seed 19: its guardians include a "… Thị Ỷ Lan")."""
    return batch_document(n, seed=19)


def _fonts(path: Path) -> list[tuple[str, str]]:
    """(name, embedded) of each font object `pdffonts` lists."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = []
    for line in out.stdout.splitlines()[2:]:
        parts = line.split()
        # name, type words..., encoding, emb, sub, uni, object, generation
        rows.append((parts[0], parts[-5]))
    return rows


def _text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def _rasters(path: Path, folder: Path) -> list[Path]:
    folder.mkdir()
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(folder / "p")], check=True)
    return sorted(folder.glob("*.png"))


def test_a_list_rendered_in_slices_embeds_each_font_once(tmp_path):
    doc = _document()
    slices = batch_pdf._slices(batch_pdf._prepare(doc), workers=2)
    assert len(slices) >= 3  # the list really renders in several slices

    path = tmp_path / "list.pdf"
    path.write_bytes(render_batch_pdf(doc, workers=2))

    fonts = _fonts(path)
    names = [name for name, _ in fonts]
    assert len(names) >= 2, fonts  # regular and bold at least
    assert len(names) == len(set(names)), fonts  # each font once, not once per slice
    assert all(embedded == "yes" for _, embedded in fonts), fonts
    assert all("Treem-Serif" in name for name in names), fonts

    assert pdf_pages(path) == doc.page_count
    text = _text(path)
    for row in doc.rows:  # every name, diacritics included, is still text
        assert row.full_name in text, row.full_name
    assert "Cha: " in text and "Thị Ỷ" in text and "Tổng số: 120 trẻ em." in text
    assert f"Trang {doc.page_count}/{doc.page_count}" in text


def test_the_joined_list_looks_like_its_slices(tmp_path):
    """Every glyph of every slice is in the merged fonts: the joined pages rasterise exactly as
    the slices did on their own."""
    doc = _document(60)
    pages = batch_pdf._prepare(doc)
    slices = batch_pdf._slices(pages, workers=2)
    assert len(slices) >= 3
    parts = [batch_pdf._render_slice(doc, part)[0] for part in slices]
    joined = tmp_path / "joined.pdf"
    joined.write_bytes(join_pdfs(parts))
    assert len({name for name, _ in _fonts(joined)}) == len(_fonts(joined))

    expected: list[Path] = []
    for i, data in enumerate(parts):
        (tmp_path / f"part{i}.pdf").write_bytes(data)
        expected += _rasters(tmp_path / f"part{i}.pdf", tmp_path / f"r{i}")
    got = _rasters(joined, tmp_path / "joined")
    assert len(got) == len(expected) == len(pages)
    for mine, theirs in zip(got, expected, strict=True):
        a, b = Image.open(mine).convert("L"), Image.open(theirs).convert("L")
        assert ImageChops.difference(a, b).getbbox() is None, (mine.name, theirs.name)
    assert sum(len(p) for p in parts) > joined.stat().st_size  # and it is smaller


def test_subsets_that_disagree_are_left_as_they_are(tmp_path):
    """Two fonts under one name that are not one font (here: a width differs) are not merged:
    the joined file keeps both, and its text."""
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, FloatObject

    doc = _document(40)
    slices = batch_pdf._slices(batch_pdf._prepare(doc), workers=2)
    parts = [batch_pdf._render_slice(doc, part)[0] for part in slices[:2]]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(parts[1])))
    for ref in writer.pages[0]["/Resources"]["/Font"].values():
        cid_font = ref.get_object()["/DescendantFonts"][0].get_object()
        widths = cid_font["/W"]
        run = widths[1]
        widths[1] = ArrayObject([FloatObject(float(run[0]) + 1), *run[1:]])
    out = io.BytesIO()
    writer.write(out)
    joined = tmp_path / "joined.pdf"
    joined.write_bytes(join_pdfs([parts[0], out.getvalue()]))
    names = [name for name, _ in _fonts(joined)]
    assert len(names) > len(set(names))  # not merged
    assert pdf_pages(joined) == len(slices[0]) + len(slices[1])
    assert doc.rows[0].full_name in _text(joined)


def test_a_slice_taller_than_planned_renders_the_whole_list_in_one_flow(tmp_path, monkeypatch):
    """The measuring errs on the large side, so no real row overflows its planned page; here it
    is made to err the other way (every row planned at 4 mm): the slices come back with more
    pages than planned, and the list is rendered again as one flowing table, numbered by the
    layout engine, with every row and the end block."""
    doc = _document(200)
    monkeypatch.setattr(batch_pdf, "row_height_mm", lambda row: 4.0)
    planned = len(batch_pdf._slices(batch_pdf._prepare(doc), workers=2))
    assert planned >= 2  # still rendered in slices first
    stages = []
    data = render_batch_pdf(doc, workers=2, progress=lambda _d, _t, stage: stages.append(stage))
    assert "Đang dựng lại danh sách PDF" in stages  # the fallback ran
    path = tmp_path / "flow.pdf"
    path.write_bytes(data)
    text = _text(path)
    for row in doc.rows:
        assert row.full_name in text, row.full_name
    assert "Tổng số: 200 trẻ em." in text
    assert pdf_pages(path) > doc.page_count  # the rows took more pages than were planned
