"""Hostile files (tests/hostile_files.py) against the first check and the console import
(`treem roster import`): each one refused with one Vietnamese message and nothing written, or
imported correctly; never a traceback or a hang; memory bounded while a lying bomb is inflated
(issue 16)."""

import time
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import select

from treem_app.cli import main
from treem_app.extensions import db
from treem_app.files.upload_checks import UploadError, check_upload, decode_text, shown_name
from treem_app.models import ImportRun, Person

from .. import hostile_files as hf

MB = 1024 * 1024
CORPUS = [pytest.param(h, id=h.key) for h in hf.CORPUS]


def test_the_corpus_has_forty_files_and_more():
    assert len(hf.CORPUS) >= 40
    refused = [h for h in hf.CORPUS if not h.legitimate]
    assert len(refused) >= 40


@pytest.mark.parametrize("hostile", CORPUS)
def test_the_first_check_refuses_or_passes_each_file(hostile):
    with hf.alarm(20):
        try:
            checked = check_upload(hostile.data, hostile.filename, max_bytes=25 * MB)
        except UploadError as exc:
            message = str(exc)
            assert hostile.at_check and hostile.says in message, message
            assert "\x1b" not in message and "../" not in message and "\n" not in message
            return
    assert hostile.legitimate or not hostile.at_check, f"passed: {checked.kind}"


@pytest.mark.parametrize("hostile", CORPUS)
def test_the_console_import_refuses_or_imports_each_file(app, ctx, make, hostile, tmp_path):
    tree = make.tree()
    db.session.commit()
    path = tmp_path / Path(hostile.filename.replace("\\", "/")).name
    path.write_bytes(hostile.data)
    files_dir = app.config["TREEM_FILES_DIR"]
    before = hf.snapshot(files_dir)
    runner = app.test_cli_runner()
    with hf.alarm(30):
        result = runner.invoke(main, ["roster", "import", str(path), "--unit", tree["a"].code])
    output = result.output + (result.stderr or "")
    assert "Traceback" not in output
    if hostile.legitimate:
        assert result.exit_code == 0, output
        run = db.session.scalar(select(ImportRun))
        assert "\x1b" not in run.original_name and "/" not in run.original_name
        people = db.session.scalars(select(Person)).all()
        assert len(people) == hostile.rows
        assert {p.full_name for p in people} >= set(hostile.names)
        return
    assert result.exit_code == 2, output
    assert result.stderr.startswith("Lỗi / Error: ") and hostile.says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # one message, one line
    assert hf.snapshot(files_dir) == before


def test_a_lying_bomb_is_refused_early_with_bounded_memory():
    """Declared 8 MB, really 200 MB of blanks (about 200 KB on disk): refused once the member
    passes its declared size, after inflating about 8 MB, 1 MB at a time."""
    data = hf.bomb(200 * MB, 8 * MB)
    assert len(data) < MB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(UploadError, match="nghi là tệp nén độc hại"):
            check_upload(data, "bom.xlsx", max_bytes=25 * MB)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"lying bomb: refused in {elapsed:.3f} s, peak Python memory {peak / MB:.1f} MB")
    assert peak < 8 * MB  # the package itself plus a few 1 MB output chunks
    assert elapsed < 2


def test_a_legitimate_large_workbook_still_passes_with_bounded_memory():
    """A real 20,000-row export (about 1 MB on disk, 10 MB of XML) passes the streamed check
    without ever holding its XML."""
    from .. import exports

    data = exports.simple_xlsx(exports.HEADER, hf.rows(20_000))
    tracemalloc.start()
    try:
        assert check_upload(data, "ds.xlsx", max_bytes=25 * MB).kind == "xlsx"
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"20,000-row workbook ({len(data) / MB:.1f} MB): peak Python memory {peak / MB:.1f} MB")
    assert peak < len(data) + 8 * MB


def test_windows_1258_text_is_read_as_the_same_vietnamese():
    text = hf.csv_text()
    raw = hf.to_cp1258(text)
    assert raw.decode("cp1258") != text  # combining tone marks: not the same code points...
    assert decode_text(raw) == (text, "cp1258")  # ...until NFC
    assert decode_text(text.encode("utf-8-sig"))[0] == text
    assert decode_text(b"\xff\xfe" + text.encode("utf-16-le")) == (text, "utf-16")


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.xlsx", "passwd.xlsx"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("ds\x1b[31m\x07\r\n.xlsx", "ds[31m.xlsx"),
        ("\x00", "tệp tải lên"),
        ("a" * 300 + ".xlsx", "a" * 120),
    ],
)
def test_a_file_name_is_shown_without_folders_or_control_characters(name, shown):
    assert shown_name(name) == shown
