"""Benchmark: ingest the police's returned sheet of a 2,000-row batch (SPEC step 3, issue 12)
against a registry of 200,000 persons, on SQLite and on PostgreSQL.

Run with ``make bench`` or ``python bench/ingest.py [ROWS] [PERSONS]`` (``--profile`` prints the
functions the timed part spends its time in and the statements it sends, on stderr: a statement
sent once a row shows as a count near ROWS). Each database is measured in a child process of its
own, from the same synthetic data, so neither run warms the other's caches.

Untimed (setup): a fresh database (a SQLite file in a temporary folder; on 127.0.0.1:5432 a
PostgreSQL database created for the run and dropped at the end, named by ``TREEM_BENCH_PG_DB``,
default treem_bench_ingest) migrated to the head; the demo's Tỉnh Gia Lai and its seven communes
plus synthetic communes up to 100; 200,000 synthetic children
bulk-inserted with plain Core ``executemany`` (facts in order, 93 % with an ID number from the
export, the others "ready" with their ID_MISSING finding; no history rows); then, in each of two
communes, 2,000 more children without a number, their findings rebuilt by the app
(``rebuild_findings``), a draft of the 2,000 ready children, issued (``issue``), its return sheet
written (``write_return_sheet``; the PDF is not rendered: slow, and not what is measured), the
police's cells filled with openpyxl (about 90 % verified with the right number, a few of those
typed as numbers; "Không khớp thông tin", "Không tìm thấy", wrong numbers, two numbers held by
another child of the registry) and the file stored as an upload (``store_return``). PostgreSQL
gets an ``ANALYZE`` after the bulk load, as autovacuum would do on a live database.

Timed: what the ``batch_ingest`` job runs in a fresh session, ``ingest_file`` (reading the
sheet, recognising it, judging every row against the record and the registry, applying the
answers through ``set_fact`` and ``rescreen``, the batch's new state) and the commit. Best of
two: each run ingests its own batch (a second ingest of the same sheet changes nothing and would
time the no-op path); both runs are printed. The target is the slower database's best under
2 s. The last line on stdout is one JSON object.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Never import bench/ modules in place of the standard library's (python puts this folder first).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

DAY = dt.date(2026, 6, 18)
ROWS = 2_000
PERSONS = 200_000
COMMUNES = 100
RUNS = 2  # best of two, each on a fresh batch of its own commune
SPARE = 40  # more ready children than the batch takes (a probable duplicate goes to review)
WITH_ID_IN_BATCH_COMMUNE = 400
TARGET_S = 2.0
GOAL_S = 1.0
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
# A database of one's own when several runs share the server: TREEM_BENCH_PG_DB=NAME.
PG_DB = os.environ.get("TREEM_BENCH_PG_DB", "treem_bench_ingest")
PUBLIC_URL = "http://127.0.0.1:8000"
HAMLETS = ["Thôn An Hòa", "Thôn Phú Mỹ", "Thôn Vinh Thạnh", "Thôn Hưng Nghĩa", "Tổ 3"]
ETHNICITIES = ["01"] * 22 + ["10", "13", "17"]  # Kinh; Gia-rai, Ba-na, Chăm
NOTES = ["Sai ngày sinh", "Sai tên mẹ", "Sai họ tên", "Chưa đăng ký khai sinh", None]


# --------------------------------------------------------------------------- synthetic data


class Numbers:
    """Well-formed, unique 12-digit numbers agreeing with a sex and a year (Bình Định, 052)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def new(self, sex: str, year: int) -> str:
        from treem_app.domain.idnumber import make_id

        while True:
            number = make_id("052", sex, year, self.rng.randrange(1_000_000))
            if number not in self.used:
                self.used.add(number)
                return number


def _name(rng: random.Random, family: str, sex: str) -> str:
    from treem_app import synthetic as s

    middle = rng.choice(s.MIDDLE_MALE if sex == "M" else s.MIDDLE_FEMALE)
    given = rng.choice(s.GIVEN_MALE if sex == "M" else s.GIVEN_FEMALE)
    if rng.random() < 0.12:
        extra = rng.choice(s.MIDDLE_MALE[2:] if sex == "M" else s.MIDDLE_FEMALE[2:])
        if extra != middle:
            return f"{family} {middle} {extra} {given}"
    return f"{family} {middle} {given}"


def make_children(n: int, commune: int, with_id: float, rng: random.Random, numbers: Numbers):
    """`n` synthetic children of commune number `commune` (an index), facts in order."""
    from treem_app import synthetic as s
    from treem_app.domain.names import name_key

    families, weights = zip(*s.FAMILY_NAMES, strict=True)
    oldest = dt.date(DAY.year - 16, DAY.month, 1) + dt.timedelta(days=31)
    span = (DAY - oldest).days
    out = []
    for _ in range(n):
        sex = "M" if rng.random() < 0.51 else "F"
        dob = oldest + dt.timedelta(days=rng.randrange(span))
        family = rng.choices(families, weights)[0]
        full = _name(rng, family, sex)
        parents = rng.random()
        father = _name(rng, family, "M") if parents >= 0.05 else None
        mother = _name(rng, rng.choices(families, weights)[0], "F") if parents >= 0.02 else None
        guardian = None if mother else _name(rng, rng.choices(families, weights)[0], "F")
        number = numbers.new(sex, dob.year) if rng.random() < with_id else None
        out.append({
            "commune": commune, "kind": "child", "hamlet": rng.choice(HAMLETS),
            "full_name": full, "name_key": name_key(full), "dob": dob, "dob_precision": "day",
            "sex": sex, "ethnicity": rng.choice(ETHNICITIES), "id_number": number,
            "id_source": "export" if number else None, "father_name": father,
            "mother_name": mother, "guardian_name": guardian,
            "status": "clean" if number else "ready", "open_rank": 2 if number else 0,
        })  # fmt: skip
    return out


def make_registry(persons: int, rows: int) -> tuple[list[dict], Numbers]:
    """The registry: communes 0..RUNS-1 hold the batches' children (no number) and some others,
    the rest of the persons are spread over the other communes."""
    rng = random.Random(20260618)
    numbers = Numbers(rng)
    out: list[dict] = []
    for c in range(RUNS):
        out += make_children(rows + SPARE, c, 0.0, rng, numbers)
        out += make_children(WITH_ID_IN_BATCH_COMMUNE, c, 1.0, rng, numbers)
    rest = persons - len(out)
    others = COMMUNES - RUNS
    for c in range(RUNS, COMMUNES):
        n = rest // others + (1 if c - RUNS < rest % others else 0)
        out += make_children(n, c, 0.93, rng, numbers)
    for i, p in enumerate(out):
        p["national_key"] = f"TE{5_200_000_000 + i:010d}"
    return out, numbers


def answers_for(children: list, numbers: Numbers, held: dict, seed: int) -> tuple[dict, dict]:
    """The police's cells for the batch's children (in sheet order) and the expected counts."""
    rng = random.Random(seed)
    cells: dict[int, tuple] = {}
    expected = {"verified": 0, "rejected": 0, "conflicts": 0}
    held_rows = {len(children) // 3, 2 * len(children) // 3}
    for position, p in enumerate(children, 1):
        year, sex = p.dob.year, p.sex
        draw = rng.random()
        if position in held_rows and held.get((sex, year)):
            cells[position] = (held[(sex, year)].pop(), "Đã xác thực", None)
            expected["conflicts"] += 1
        elif draw < 0.90:
            number = numbers.new(sex, year)
            typed = int(number) if rng.random() < 0.02 else number  # a re-saved cell
            cells[position] = (typed, "Đã xác thực", None)
            expected["verified"] += 1
        elif draw < 0.95:
            cells[position] = (None, "Không khớp thông tin", rng.choice(NOTES))
            expected["rejected"] += 1
        elif draw < 0.985:
            cells[position] = (None, "Không tìm thấy", None)
            expected["rejected"] += 1
        else:  # the sex digit of the wrong child's number, or a number cut short
            number = numbers.new("F" if sex == "M" else "M", year)
            cells[position] = (number if rng.random() < 0.7 else number[:10], "Đã xác thực", None)
            expected["rejected"] += 1
    return cells, expected


# --------------------------------------------------------------------------- one database


def build_units(session) -> list[int]:
    """The demo province and its seven communes, then synthetic communes up to COMMUNES."""
    from treem_app.config import PROJECT_ROOT
    from treem_app.services.units import import_units, parse_units_csv

    text = (PROJECT_ROOT / "treem_app" / "data" / "demo_units_gia_lai.csv").read_text("utf-8")
    rows = parse_units_csv(text)
    province = next(r.code for r in rows if r.level == "province")
    n_real = sum(1 for r in rows if r.level == "commune")
    extra = "".join(
        f"B{i:04d},Xã Thử Nghiệm {i},commune,{province}\n" for i in range(1, COMMUNES - n_real + 1)
    )
    import_units(session, rows + parse_units_csv("code,name,level,parent\n" + extra))
    from sqlalchemy import select

    from treem_app.models import Unit

    communes = session.scalars(select(Unit.id).where(Unit.level == "commune").order_by(Unit.id))
    return list(communes)[:COMMUNES]


def load_persons(session, registry: list[dict], unit_ids: list[int]) -> None:
    from sqlalchemy import insert, text

    from treem_app.domain.idnumber import clean_id
    from treem_app.models import Person

    conn = session.connection()
    chunk = 10_000
    for i in range(0, len(registry), chunk):
        rows = []
        for p in registry[i : i + chunk]:
            row = {k: v for k, v in p.items() if k != "commune"}
            row["unit_id"] = unit_ids[p["commune"]]
            rows.append(row)
        conn.execute(insert(Person.__table__), rows)
    # The ID_MISSING finding of the children without a number outside the batches' communes
    # (those two communes get theirs from the app's own re-screen).
    missing = clean_id(None).findings[0]
    batch_units = ", ".join(str(int(u)) for u in unit_ids[:RUNS])
    conn.execute(
        text(
            "INSERT INTO findings (person_id, rule, field, severity, message, status, created_at) "
            "SELECT id, :rule, :field, :severity, :message, 'open', created_at FROM persons "
            f"WHERE id_number IS NULL AND unit_id NOT IN ({batch_units})"
        ),
        {"rule": str(missing.rule), "field": missing.field, "severity": str(missing.severity),
         "message": missing.message},
    )  # fmt: skip


def prepare_batch(session, app, unit_id: int, user_id: int, rows: int, numbers, held, tmpdir, seed):
    """A draft of the commune's ready children, issued, its sheet filled and stored."""
    from openpyxl import load_workbook
    from sqlalchemy import select

    from treem_app.files.return_sheet import FIRST_ROW, SHEET, write_return_sheet
    from treem_app.models import Person, Unit, User
    from treem_app.services.batch_ingest import store_return
    from treem_app.services.batches import create_draft, document_for, issue
    from treem_app.services.findings import rebuild_findings

    unit = session.get(Unit, unit_id)
    user = session.get(User, user_id)
    rebuild_findings(session, unit, DAY)
    session.commit()
    ready = session.scalars(
        select(Person.id)
        .where(Person.unit_id == unit.id, Person.status == "ready")
        .order_by(Person.id)
        .limit(rows)
    ).all()
    assert len(ready) == rows, f"only {len(ready)} ready children"
    # A measured size above the largest list a commune may hand over (500): allowed here.
    batch = create_draft(session, unit, user=user, today=DAY, person_ids=ready, max_rows=ROWS)
    issue(session, batch, user=user, today=DAY, max_rows=ROWS)
    session.commit()
    blank = tmpdir / f"blank-{batch.id}.xlsx"
    write_return_sheet(blank, batch, document_for(batch, PUBLIC_URL))
    children = [r.person for r in sorted(batch.rows, key=lambda r: r.position)]
    cells, expected = answers_for(children, numbers, held, seed)
    wb = load_workbook(blank)
    ws = wb[SHEET]
    for position, values in cells.items():
        for col, value in zip("JKL", values, strict=True):
            ws[f"{col}{FIRST_ROW + position - 1}"] = value
    filled = tmpdir / f"filled-{batch.id}.xlsx"
    wb.save(filled)
    ret = store_return(session, batch, filled.read_bytes(), "tra-ket-qua.xlsx", user=user,
                       files_dir=Path(app.config["TREEM_FILES_DIR"]),
                       max_bytes=50 * 1024 * 1024)  # fmt: skip
    session.commit()
    return batch.id, ret.id, expected


class StatementCount:
    """The statements sent while the profiled run goes (``--profile``), by their first words:
    a statement sent once per row shows as a count near the number of rows."""

    def __init__(self, engine):
        from collections import Counter

        from sqlalchemy import event

        self.engine, self.calls, self.rows = engine, Counter(), Counter()
        self.listen = lambda *args: self.count(*args)
        event.listen(engine, "before_cursor_execute", self.listen)

    def count(self, conn, cursor, statement, parameters, context, executemany):
        key = " ".join(statement.split())[:90]
        self.calls[key] += 1
        self.rows[key] += len(parameters) if executemany else 1

    def stop(self):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self.listen)

    def print(self, out):
        total = sum(self.calls.values())
        print(f"\n{total} statements sent (sent, rows: first words):", file=out)
        for key, n in self.calls.most_common(25):
            print(f"{n:6d} {self.rows[key]:6d}  {key}", file=out)


def run_database(kind: str, rows: int, persons: int, profile: bool) -> dict:
    """Set up one database, time the ingestion of two fresh batches; returns the results."""
    import logging

    from flask_migrate import upgrade
    from sqlalchemy import text

    from treem_app import create_app
    from treem_app.extensions import db
    from treem_app.models import Batch, BatchReturn, User
    from treem_app.services.accounts import create_user
    from treem_app.services.batch_ingest import ingest_file

    t_setup = time.perf_counter()
    registry, numbers = make_registry(persons, rows)
    held: dict[tuple[str, int], list[str]] = {}
    for p in registry[RUNS * (rows + SPARE + WITH_ID_IN_BATCH_COMMUNE) :]:
        if p["id_number"]:
            held.setdefault((p["sex"], p["dob"].year), []).append(p["id_number"])
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        url = (f"sqlite:///{tmpdir / 'bench.sqlite3'}" if kind == "sqlite"
               else f"{PG_SERVER}/{PG_DB}")  # fmt: skip
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": url,
            "TREEM_FILES_DIR": str(tmpdir / "files"),
            "SECRET_KEY": "bench",
        })  # fmt: skip
        with app.app_context():
            logging.getLogger("alembic").setLevel(logging.WARNING)
            upgrade(revision="heads")
            unit_ids = build_units(db.session)
            load_persons(db.session, registry, unit_ids)
            # The 200,000 synthetic dicts are the bench's, not the worker's: kept alive, every
            # full garbage collection during the timed part would walk them.
            n_persons = len(registry)
            del registry
            db.session.commit()
            if kind == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.execute(text("ANALYZE"))
            from treem_app.models import Unit

            # One officer per commune: a batch is issued (and its job recorded) by its own
            # commune's officer only.
            user_ids = []
            for i in range(RUNS):
                user = create_user(db.session, f"canbo.bench{i}", "mat-khau-bench-123",
                                   role="officer", unit=db.session.get(Unit, unit_ids[i]),
                                   full_name="Cán Bộ Thử Nghiệm")  # fmt: skip
                db.session.flush()
                user_ids.append(user.id)
            db.session.commit()
            batches = [
                prepare_batch(
                    db.session, app, unit_ids[i], user_ids[i], rows, numbers, held, tmpdir, i
                )  # fmt: skip
                for i in range(RUNS)
            ]
            setup_s = time.perf_counter() - t_setup
            runs = []
            profiler = None
            for (batch_id, ret_id, expected), user_id in zip(batches, user_ids, strict=True):
                db.session.remove()  # a fresh session, as the job has
                session = db.session
                batch, ret = session.get(Batch, batch_id), session.get(BatchReturn, ret_id)
                user = session.get(User, user_id)
                if profile and profiler is None:
                    import cProfile

                    statements = StatementCount(db.engine)
                    profiler = cProfile.Profile()
                    profiler.enable()
                gc.collect()  # the setup's garbage is not the ingestion's
                t0 = time.perf_counter()
                summary = ingest_file(session, batch, ret.stored_path, user=user, today=DAY,
                                      ret=ret)  # fmt: skip
                session.commit()
                seconds = time.perf_counter() - t0
                if profiler is not None and len(runs) == 0:
                    profiler.disable()
                    statements.stop()
                got = {k: summary[k] for k in ("verified", "rejected", "conflicts")}
                assert got == expected, (got, expected)
                assert summary["empty"] == summary["unchanged"] == 0, summary
                state = session.get(Batch, batch_id).state
                runs.append({"seconds": seconds, "counts": got, "state": state})
            db.session.remove()
            db.engine.dispose()
    if profiler is not None:
        import pstats

        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        statements.print(sys.stderr)
    return {"database": kind, "setup_s": setup_s, "runs": runs, "persons": n_persons}


# --------------------------------------------------------------------------- PostgreSQL


def pg_admin(sql: str) -> str | None:
    """Run one statement on the server's postgres database; the error text when unreachable."""
    try:
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres",
            autocommit=True,
            connect_timeout=5,
        ) as conn:
            conn.execute(sql)
    except Exception as exc:  # any failure means: no PostgreSQL for this run
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def child(kind: str, rows: int, persons: int, profile: bool) -> dict:
    cmd = [sys.executable, "-P", __file__, "--db", kind, str(rows), str(persons)]
    if profile:
        cmd.append("--profile")
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    profile = "--profile" in argv
    args = [a for a in argv[1:] if a != "--profile"]
    if args[:1] == ["--db"]:
        rows = int(args[2]) if len(args) > 2 else ROWS
        persons = int(args[3]) if len(args) > 3 else PERSONS
        print(json.dumps(run_database(args[1], rows, persons, profile)))
        return 0
    rows = int(args[0]) if args else ROWS
    persons = int(args[1]) if len(args) > 1 else PERSONS
    results = [child("sqlite", rows, persons, profile)]
    problem = pg_admin(f"DROP DATABASE IF EXISTS {PG_DB}") or pg_admin(f"CREATE DATABASE {PG_DB}")
    if problem:
        print(f"PostgreSQL unreachable on 127.0.0.1:5432 ({problem}): SQLite only.")
    else:
        try:
            results.append(child("postgresql", rows, persons, profile))
        finally:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DB}")
    best: dict[str, float] = {}
    for r in results:
        times = [run["seconds"] for run in r["runs"]]
        best[r["database"]] = min(times)
        counts = r["runs"][0]["counts"]
        print(f"{r['database']}: {rows:,} rows against {r['persons']:,} persons "
              f"(setup {r['setup_s']:.1f} s, not timed)")  # fmt: skip
        print(f"  outcomes: {counts['verified']} verified, {counts['rejected']} rejected, "
              f"{counts['conflicts']} conflicts; batch {r['runs'][0]['state']}")  # fmt: skip
        print(f"  runs: {', '.join(f'{t:.3f} s' for t in times)}; best {min(times):.3f} s "
              f"({rows / min(times):,.0f} rows/s)")  # fmt: skip
    slower = max(best.values())
    ok = slower < TARGET_S
    print(f"slower database: {slower:.3f} s (target < {TARGET_S} s, goal {GOAL_S} s)")
    print(json.dumps({
        "bench": "ingest",
        "rows": rows,
        "persons": persons,
        "seconds": round(slower, 3),
        "rows_per_s": round(rows / slower),
        "sqlite_s": round(best["sqlite"], 3),
        "postgresql_s": round(best["postgresql"], 3) if "postgresql" in best else None,
        "runs": {r["database"]: [round(x["seconds"], 3) for x in r["runs"]] for r in results},
        "target_s": TARGET_S,
        "goal_s": GOAL_S,
        "ok": ok,
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
