"""Backups of a whole install: the database and the files folder, with a manifest of SHA-256s.

`make_backup` copies the database first (SQLite: the online backup API, a consistent copy while
the app runs; PostgreSQL: ``pg_dump --format=custom``), then every file of the files folder
(uploads, annotated copies, signed copies, batch documents, reports), and writes
``manifest.json`` last: a folder without it is an unfinished backup.

`restore_backup` checks everything before it changes anything: the manifest, every file's size
and digest, the database copy's digest, the kind of database, and that the target database and
files folder are empty (unless forced). Only then is the database replaced (SQLite: the backup
API into the target; PostgreSQL: ``pg_restore --single-transaction``) and the files folder
swapped in whole from a verified staging copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import func, inspect, literal, select, text, update
from sqlalchemy.engine import Engine

from ..extensions import db
from ..models import Batch, BatchReturn, ImportRun, JobRun, ReportFile, SignedCopy

MANIFEST = "manifest.json"
FORMAT = "treem-backup"
VERSION = 1
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
FILES = "files"
CHUNK = 1 << 20
BROKEN_MANIFEST = f"Tệp {MANIFEST} bị hỏng hoặc không phải của treem. Không khôi phục gì."

# Columns that hold a path inside the files folder: rewritten when a backup is restored into an
# install whose files folder lives elsewhere.
PATH_COLUMNS = (
    (ImportRun, "stored_path"),
    (ImportRun, "annotated_path"),
    (Batch, "pdf_path"),
    (Batch, "xlsx_path"),
    (BatchReturn, "stored_path"),
    (SignedCopy, "stored_path"),
    (ReportFile, "stored_path"),
    (JobRun, "result_file"),
)


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is Vietnamese, nothing changed."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client program, or a BackupError saying how to get it."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"Không tìm thấy chương trình {name} của PostgreSQL trên máy này. Hãy cài gói "
            "postgresql-client cùng phiên bản với máy chủ cơ sở dữ liệu rồi chạy lại."
        )
    return found


def _pg_target(engine: Engine) -> tuple[str, dict]:
    """A libpq URL without the password, and the environment that carries it (not on argv)."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _sqlite_path(engine: Engine) -> Path:
    name = engine.url.database
    if not name or name == ":memory:":
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu hay khôi phục được.")
    return Path(name)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows of every table of the app that exists in the database."""
    present = set(inspect(engine).get_table_names())
    counts = {}
    with engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in present:
                counts[table.name] = conn.scalar(select(func.count()).select_from(table))
    return counts


def _revision(engine: Engine) -> str | None:
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as conn:
        return conn.scalar(text("SELECT version_num FROM alembic_version"))


def _copy_hashed(source: Path, target: Path) -> tuple[int, str]:
    """Copy a file, returning its size and SHA-256 as read (one pass)."""
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return size, digest.hexdigest()


def _backup_database(engine: Engine, out: Path) -> str:
    if engine.dialect.name == "sqlite":
        target = out / SQLITE_FILE
        src = sqlite3.connect(_sqlite_path(engine))
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # a consistent snapshot, pages copied under SQLite's own locking
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
            src.close()
        return SQLITE_FILE
    if engine.dialect.name == "postgresql":
        url, env = _pg_target(engine)
        done = subprocess.run(
            [pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={out / PG_FILE}", url],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_dump không sao lưu được cơ sở dữ liệu: {_first_line(done)}")
        return PG_FILE
    raise BackupError(f"Không sao lưu được cơ sở dữ liệu loại {engine.dialect.name}.")


def _first_line(done: subprocess.CompletedProcess) -> str:
    lines = [ln for ln in (done.stderr or "").splitlines() if ln.strip()]
    return lines[0] if lines else f"mã lỗi {done.returncode}"


def _kept_files(files_dir: Path) -> list[Path]:
    """Every finished file of the files folder (a ".part" is a write still under way)."""
    if not files_dir.is_dir():
        return []
    return sorted(p for p in files_dir.rglob("*") if p.is_file() and not p.name.endswith(".part"))


def make_backup(engine: Engine, files_dir: Path, out: Path, *, created_at: str) -> dict:
    """Back the install up into ``out`` (missing or empty); returns the manifest."""
    out = Path(out)
    files_dir = Path(files_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"Thư mục {out} đã có nội dung: hãy chọn một thư mục mới hoặc rỗng.")
    if out.resolve().is_relative_to(files_dir.resolve()):
        raise BackupError("Không được đặt bản sao lưu bên trong thư mục tệp của treem.")
    out.mkdir(parents=True, exist_ok=True)
    # The database first: every file it names was kept before the row naming it was committed,
    # so the copy of the folder that follows holds them all (and perhaps a few newer files).
    counts = row_counts(engine)
    revision = _revision(engine)
    name = _backup_database(engine, out)
    entries = []
    for path in _kept_files(files_dir):
        relative = path.relative_to(files_dir).as_posix()
        try:
            size, digest = _copy_hashed(path, out / FILES / relative)
        except FileNotFoundError:
            continue  # removed while the backup ran (a refused upload): not named by any row
        entries.append({"path": relative, "size": size, "sha256": digest})
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": created_at,
        "database": {
            "kind": engine.dialect.name,
            "file": name,
            "size": (out / name).stat().st_size,
            "sha256": sha256_file(out / name),
            "revision": revision,
            "row_counts": counts,
        },
        "files_dir": str(files_dir.resolve()),
        "files": entries,
    }
    tmp = out / (MANIFEST + ".part")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(out / MANIFEST)  # last: a folder without a manifest is an unfinished backup
    return manifest


def read_manifest(folder: Path) -> dict:
    """The manifest of a backup folder, after checking every file it names (BackupError)."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(
            f"Bản sao lưu không đầy đủ: không có tệp {MANIFEST} trong {folder} (có thể việc sao "
            "lưu đã bị dừng giữa chừng). Không khôi phục gì."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        database = manifest["database"]
        entries = manifest["files"]
        ok = manifest.get("format") == FORMAT and isinstance(entries, list)
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        raise BackupError(BROKEN_MANIFEST)
    if manifest.get("version") != VERSION:
        raise BackupError("Bản sao lưu được tạo bởi một phiên bản treem khác. Không khôi phục gì.")
    problems = []
    if _differs(folder / str(database.get("file")), database):
        problems.append(f"cơ sở dữ liệu ({database.get('file')})")
    base = (folder / FILES).resolve()
    for entry in entries:
        target = (base / str(entry.get("path"))).resolve()
        if not target.is_relative_to(base):
            raise BackupError(BROKEN_MANIFEST)
        if _differs(target, entry):
            problems.append(str(entry.get("path")))
    if problems:
        shown = ", ".join(problems[:5]) + (
            f" và {len(problems) - 5} tệp khác" if len(problems) > 5 else ""
        )
        raise BackupError(
            f"Bản sao lưu bị hỏng hoặc thiếu tệp: {len(problems)} tệp không khớp mã kiểm tra "
            f"SHA-256 hoặc không còn ({shown}). Không khôi phục gì."
        )
    return manifest


def _differs(path: Path, entry: dict) -> bool:
    if not path.is_file() or path.stat().st_size != entry.get("size"):
        return True
    return sha256_file(path) != entry.get("sha256")


def _has_content(files_dir: Path) -> bool:
    return files_dir.is_dir() and any(files_dir.iterdir())


def restore_backup(engine: Engine, files_dir: Path, folder: Path, *, force: bool = False) -> dict:
    """Replace the database and the files folder with a checked backup; returns its manifest.

    Refuses (BackupError, nothing changed) a damaged or unfinished backup, a backup of another
    kind of database, and a target database or files folder that holds data unless ``force``.
    The app's web and worker processes must be stopped first.
    """
    folder = Path(folder)
    files_dir = Path(files_dir)
    manifest = read_manifest(folder)
    kind = manifest["database"]["kind"]
    if kind != engine.dialect.name:
        raise BackupError(
            f"Bản sao lưu là của cơ sở dữ liệu {kind}, còn treem đang dùng "
            f"{engine.dialect.name}. Không khôi phục gì."
        )
    if kind == "postgresql":
        pg_tool("pg_restore")
    if not force:
        filled = sum(row_counts(engine).values())
        if filled:
            raise BackupError(
                f"Cơ sở dữ liệu đang có dữ liệu ({filled} dòng). Khôi phục sẽ xóa hết dữ liệu này: "
                "nếu chắc chắn, hãy chạy lại với --force. Không khôi phục gì."
            )
        if _has_content(files_dir):
            raise BackupError(
                f"Thư mục tệp {files_dir} đang có tệp. Khôi phục sẽ thay toàn bộ thư mục này: "
                "nếu chắc chắn, hãy chạy lại với --force. Không khôi phục gì."
            )
    staging = files_dir.parent / f".{files_dir.name}.restoring"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for entry in manifest["files"]:
            size, digest = _copy_hashed(folder / FILES / entry["path"], staging / entry["path"])
            if (size, digest) != (entry["size"], entry["sha256"]):
                raise BackupError(
                    f"Tệp {entry['path']} thay đổi trong khi khôi phục. Không khôi phục gì."
                )
        staging.mkdir(parents=True, exist_ok=True)
        engine.dispose()
        _restore_database(engine, folder / manifest["database"]["file"])
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    engine.dispose()
    old = files_dir.parent / f".{files_dir.name}.replaced"
    shutil.rmtree(old, ignore_errors=True)
    if files_dir.exists():
        files_dir.rename(old)
    staging.rename(files_dir)
    shutil.rmtree(old, ignore_errors=True)
    source = manifest.get("files_dir")
    if source and Path(source) != files_dir.resolve():
        _move_paths(engine, source, str(files_dir.resolve()))
    return manifest


def _restore_database(engine: Engine, dump: Path) -> None:
    if engine.dialect.name == "sqlite":
        src = sqlite3.connect(dump)
        dst = sqlite3.connect(_sqlite_path(engine), timeout=30)
        try:
            src.backup(dst)  # one write transaction on the target: whole or not at all
        finally:
            dst.close()
            src.close()
        return
    url, env = _pg_target(engine)
    done = subprocess.run(
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={url}",
            str(dump),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(
            f"pg_restore không khôi phục được (cơ sở dữ liệu giữ nguyên): {_first_line(done)}"
        )


def _move_paths(engine: Engine, old: str, new: str) -> None:
    """Point the stored paths of a backup made elsewhere at this install's files folder."""
    old_prefix = old.rstrip("/") + "/"
    new_prefix = new.rstrip("/") + "/"
    with engine.begin() as conn:  # one UPDATE a column, not one a row
        for model, name in PATH_COLUMNS:
            column = getattr(model.__table__.c, name)
            rest = func.substr(column, len(old_prefix) + 1)
            conn.execute(
                update(model.__table__)
                .where(column.startswith(old_prefix, autoescape=True))
                .values({name: literal(new_prefix).concat(rest)})
            )
