"""`treem backup` and `treem restore` (issue 16, data safety): a restore drill on real data —
persons with their history, an import's file, an issued batch with its PDF — backed up, wiped,
restored and compared row for row and byte for byte; damaged or unfinished backups and full
targets are refused with a Vietnamese message and change nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

from treem_app.cli import main
from treem_app.extensions import db
from treem_app.models import Batch, ImportRun, Person, PersonEvent, User
from treem_app.services import review
from treem_app.services.backup import BackupError, pg_tool, row_counts

from .. import exports
from ..batch_helpers import pdf_text, ready_children

DAY = date(2026, 6, 18)


@pytest.fixture
def files(app, ctx, tmp_path, monkeypatch):
    """A files folder of this test's own (the session's folder is shared by every test)."""
    folder = tmp_path / "files"
    monkeypatch.setitem(app.config, "TREEM_FILES_DIR", str(folder))
    return folder


@pytest.fixture
def runner(app, files):
    return app.test_cli_runner()


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def history(person_id: int) -> list[tuple]:
    events = db.session.scalars(
        select(PersonEvent).where(PersonEvent.person_id == person_id).order_by(PersonEvent.id)
    )
    return [
        (e.id, e.at, e.field, e.old_value, e.new_value, e.source, e.note, e.user_id) for e in events
    ]


def person_row(person_id: int) -> dict:
    person = db.session.get(Person, person_id)
    return {c.name: getattr(person, c.key) for c in Person.__table__.columns}


def build_world(app, make, runner, files: Path, tmp_path: Path) -> dict:
    """Import an export, correct a fact, issue a batch with its PDF: real files in the folder."""
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    export = exports.write(
        tmp_path, "ds.xlsx", exports.export_bytes(tree["a"], exports.child_rows(30))
    )
    result = runner.invoke(
        main,
        ["roster", "import", str(export), "--unit", "C0001", "--screening-date", "2026-06-18"],
    )
    assert result.exit_code == 0, result.output
    child = db.session.scalars(select(Person).order_by(Person.id)).first()
    assert review.update_fact(
        db.session,
        child,
        "hamlet",
        "Thôn Phú Mỹ Hai",
        user=officer,
        source="household_visit",
        note="Xác minh tại nhà",
        expected_version=child.version,
        today=DAY,
    )
    db.session.commit()
    ready_children(make, tree["b"], 12)
    created = runner.invoke(main, ["batch", "create", "--unit", "C0002", "--json"])
    assert created.exit_code == 0, created.output
    batch_id = json.loads(created.stdout)["id"]
    issued = runner.invoke(
        main, ["batch", "issue", str(batch_id), "--out", str(files / "batches" / str(batch_id))]
    )
    assert issued.exit_code == 0, issued.output
    db.session.expire_all()
    run = db.session.scalar(select(ImportRun))
    batch = db.session.get(Batch, batch_id)
    assert Path(run.stored_path).is_file()
    assert Path(batch.pdf_path).is_file() and Path(batch.xlsx_path).is_file()
    assert len(history(child.id)) >= 2  # created by the import, then corrected
    return {"child": child.id, "batch": batch_id, "import": run.id}


def wipe(files: Path) -> None:
    """Lose everything: every row of every table, and the files folder."""
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    shutil.rmtree(files)


def test_restore_drill_gives_back_every_row_history_and_file(app, make, runner, files, tmp_path):
    world = build_world(app, make, runner, files, tmp_path)
    counts = row_counts(db.engine)
    assert counts["persons"] == 42 and counts["person_events"] > 42 and counts["batch_rows"] == 12
    child_history = history(world["child"])
    child_row = person_row(world["child"])
    files_before = digests(files)
    assert len(files_before) == 3  # the imported export, the batch's PDF and its sheet

    out = tmp_path / "backup"
    result = runner.invoke(main, ["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Đã sao lưu" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {e["path"]: e["sha256"] for e in manifest["files"]} == files_before
    assert manifest["database"]["row_counts"] == counts

    wipe(files)
    assert sum(row_counts(db.engine).values()) == 0 and not files.exists()

    result = runner.invoke(main, ["restore", str(out)])
    assert result.exit_code == 0, result.output
    assert "Đã khôi phục" in result.stderr
    db.session.remove()
    assert row_counts(db.engine) == counts
    assert history(world["child"]) == child_history
    assert person_row(world["child"]) == child_row
    assert digests(files) == files_before
    batch = db.session.get(Batch, world["batch"])
    assert "DANH SÁCH" in pdf_text(Path(batch.pdf_path).read_bytes(), tmp_path)
    # The app works on the restored data: the next id does not collide with a restored row.
    again = runner.invoke(main, ["batch", "create", "--unit", "C0002", "--json"])
    assert again.exit_code == 2 and "Lỗi" in again.stderr  # nobody left ready: refused cleanly
    make.person(db.session.get(Batch, world["batch"]).unit, full_name="Lê Thị Mới")
    assert row_counts(db.engine)["persons"] == 43


def test_restore_into_another_files_folder_points_the_paths_there(
    app, make, runner, files, tmp_path, monkeypatch
):
    world = build_world(app, make, runner, files, tmp_path)
    out = tmp_path / "backup"
    assert runner.invoke(main, ["backup", "--out", str(out)]).exit_code == 0
    wipe(files)
    elsewhere = tmp_path / "new-machine" / "files"
    monkeypatch.setitem(app.config, "TREEM_FILES_DIR", str(elsewhere))
    result = runner.invoke(main, ["restore", str(out)])
    assert result.exit_code == 0, result.output
    db.session.remove()
    batch = db.session.get(Batch, world["batch"])
    run = db.session.get(ImportRun, world["import"])
    for stored in (batch.pdf_path, batch.xlsx_path, run.stored_path):
        assert Path(stored).is_relative_to(elsewhere) and Path(stored).is_file(), stored


def damage_a_file(out: Path) -> None:
    target = next(p for p in sorted((out / "files").rglob("*.pdf")))
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))


def drop_a_file(out: Path) -> None:
    next(p for p in sorted((out / "files").rglob("*.xlsx"))).unlink()


def damage_the_database(out: Path) -> None:
    target = next(p for p in out.iterdir() if p.name.startswith("database."))
    with open(target, "r+b") as fh:
        fh.seek(200)
        fh.write(b"\x00\x01\x02\x03")


def unfinished(out: Path) -> None:
    (out / "manifest.json").unlink()  # a backup stopped before its last step


def broken_manifest(out: Path) -> None:
    (out / "manifest.json").write_text('{"format": "treem-backup", "files": [', encoding="utf-8")


@pytest.mark.parametrize(
    ("harm", "message"),
    [
        (damage_a_file, "không khớp mã kiểm tra SHA-256"),
        (drop_a_file, "không khớp mã kiểm tra SHA-256"),
        (damage_the_database, "cơ sở dữ liệu"),
        (unfinished, "Bản sao lưu không đầy đủ"),
        (broken_manifest, "bị hỏng"),
    ],
)
def test_a_damaged_or_unfinished_backup_is_refused_and_changes_nothing(
    app, make, runner, files, tmp_path, harm, message
):
    build_world(app, make, runner, files, tmp_path)
    out = tmp_path / "backup"
    assert runner.invoke(main, ["backup", "--out", str(out)]).exit_code == 0
    harm(out)
    wipe(files)
    files.mkdir()
    (files / "note.txt").write_text("giữ nguyên")
    result = runner.invoke(main, ["restore", str(out), "--force"])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Không khôi phục gì" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # one line, no traceback
    db.session.remove()
    assert sum(row_counts(db.engine).values()) == 0  # nothing restored
    assert digests(files) == {"note.txt": hashlib.sha256("giữ nguyên".encode()).hexdigest()}
    assert not any(p.name.startswith(".files.") for p in files.parent.iterdir())


def test_a_database_or_folder_with_data_is_not_overwritten_without_force(
    app, make, runner, files, tmp_path
):
    world = build_world(app, make, runner, files, tmp_path)
    out = tmp_path / "backup"
    assert runner.invoke(main, ["backup", "--out", str(out)]).exit_code == 0
    child = db.session.get(Person, world["child"])
    assert review.update_fact(
        db.session,
        child,
        "hamlet",
        "Thôn Sau Sao Lưu",
        user=db.session.scalar(select(User)),
        source="household_visit",
        note=None,
        expected_version=child.version,
        today=DAY,
    )
    db.session.commit()
    before = row_counts(db.engine)
    result = runner.invoke(main, ["restore", str(out)])
    assert result.exit_code == 2 and "--force" in result.stderr and "có dữ liệu" in result.stderr
    db.session.remove()
    assert row_counts(db.engine) == before
    assert db.session.get(Person, world["child"]).hamlet == "Thôn Sau Sao Lưu"

    # Database empty but the files folder not: refused as well.
    files_before = digests(files)
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    result = runner.invoke(main, ["restore", str(out)])
    assert result.exit_code == 2 and "Thư mục tệp" in result.stderr
    assert digests(files) == files_before

    result = runner.invoke(main, ["restore", str(out), "--force"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert db.session.get(Person, world["child"]).hamlet == "Thôn Phú Mỹ Hai"  # the backup's


def test_backup_refuses_a_folder_with_content_and_one_inside_the_files_folder(
    app, make, runner, files, tmp_path
):
    make.tree()
    full = tmp_path / "full"
    full.mkdir()
    (full / "x.txt").write_text("x")
    result = runner.invoke(main, ["backup", "--out", str(full)])
    assert result.exit_code == 2 and "đã có nội dung" in result.stderr
    files.mkdir(parents=True, exist_ok=True)
    result = runner.invoke(main, ["backup", "--out", str(files / "bk")])
    assert result.exit_code == 2 and "bên trong thư mục tệp" in result.stderr
    assert not (files / "bk").exists()


def test_a_missing_postgresql_program_is_named_in_vietnamese(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(BackupError, match="Không tìm thấy chương trình pg_dump.*postgresql-client"):
        pg_tool("pg_dump")


def test_the_backup_is_consistent_while_the_app_writes(app, make, runner, files, tmp_path):
    """The database copy is a snapshot: its row counts are those the manifest states, and the
    restored data passes the database's own integrity check."""
    build_world(app, make, runner, files, tmp_path)
    out = tmp_path / "backup"
    assert runner.invoke(main, ["backup", "--out", str(out)]).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    if db.engine.dialect.name == "sqlite":
        import sqlite3

        copy = sqlite3.connect(out / "database.sqlite3")
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for table, n in manifest["database"]["row_counts"].items():
            assert copy.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == n, table
        copy.close()
    else:
        assert (out / "database.pgdump").read_bytes()[:5] == b"PGDMP"
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM persons")) == 42
