"""The files folder full (issue 16): an upload on every path — the export to import, the police's
returned sheet, the signed copy — gets a clear Vietnamese message, nothing is recorded and no
half-written file is left. The folder is a real 1 MB tmpfs (the test mounts it as root and is
skipped where mounting is not allowed)."""

from __future__ import annotations

import io
import os
import subprocess

import pytest
from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.files.stored import StorageFull, write_whole
from treem_app.models import BatchReturn, ImportRun, SignedCopy

from .. import exports
from ..returns import fill, issued_batch, right_id
from .test_signed_copy import attach

FULL = "Máy chủ đã hết chỗ lưu tệp"


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs, filled but for about 16 KB."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        (mount / "filler.bin").write_bytes(b"\0" * (1024 * 1024 - 16 * 1024))
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def files_in(folder) -> list[str]:
    return sorted(
        os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_write_whole_leaves_nothing_on_a_full_disk(small_disk):
    with pytest.raises(StorageFull) as full:
        write_whole(small_disk / "sub" / "big.bin", b"x" * (200 * 1024))
    assert FULL in str(full.value)
    assert files_in(small_disk) == ["filler.bin"]
    write_whole(small_disk / "small.bin", b"y" * 1024)  # what fits is still written whole
    assert (small_disk / "small.bin").read_bytes() == b"y" * 1024


def test_every_upload_path_refuses_cleanly_when_the_folder_is_full(
    app, make, client, login, post, web_app, small_disk, tmp_path, monkeypatch
):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    batch, children, sheet = issued_batch(app, make, tree["a"], 300, tmp_path)
    answers = {i + 1: (right_id(c, i), "Đã xác thực", None) for i, c in enumerate(children)}
    back = fill(sheet, tmp_path / "back.xlsx", answers)
    monkeypatch.setitem(web_app.config, "TREEM_FILES_DIR", str(small_disk))
    login(officer)

    export = exports.export_bytes(tree["a"], exports.child_rows(2000, code=tree["a"].code))
    assert len(export) > 100 * 1024  # larger than the room left
    resp = post(
        "/imports",
        {"file": (io.BytesIO(export), "danh-sach.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422 and FULL in resp.get_data(as_text=True)

    assert back.stat().st_size > 16 * 1024
    resp = post(
        f"/batches/{batch.id}/returns",
        {"file": (io.BytesIO(back.read_bytes()), "tra-ve.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert FULL in resp.get_data(as_text=True)

    scan = next(sheet.parent.glob("*.pdf")).read_bytes()  # the printed list, as if scanned
    assert len(scan) > 16 * 1024, len(scan)
    resp = attach(post, batch.id, scan, "ban-ky.pdf")
    page = client.get(resp.headers.get("Location") or f"/batches/{batch.id}")
    assert FULL in page.get_data(as_text=True)

    db.session.expire_all()
    assert count(ImportRun) == 0 and count(BatchReturn) == 0 and count(SignedCopy) == 0
    assert files_in(small_disk) == ["filler.bin"]  # no file, no ".part"

    # Room made: the same upload goes through.
    (small_disk / "filler.bin").unlink()
    resp = post(
        "/imports",
        {"file": (io.BytesIO(export), "danh-sach.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    assert count(ImportRun) == 1 and len(files_in(small_disk)) == 1
