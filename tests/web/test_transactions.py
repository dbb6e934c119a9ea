"""How a request's transaction ends (web.end_read_only_transaction), and who is let in.

A request that wrote nothing ends with a COMMIT on PostgreSQL (psycopg keeps its prepared
statements; on SQLite it is rolled back as before); anything that wrote, failed or left changes
behind is rolled back: what a view did not commit is never kept.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import abort
from sqlalchemy import event, select

from treem_app import create_app
from treem_app.extensions import db
from treem_app.models import Unit, User
from treem_app.models._common import utcnow


@pytest.fixture(scope="module")
def probe_app(test_config):
    """An app with a few views that read, write and fail (the shared web app is left as is)."""
    app = create_app(test_config)

    def rename(code: str, name: str) -> None:
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        unit.name = name

    @app.get("/_probe/read/<code>")
    def read(code):
        return db.session.scalar(select(Unit.name).where(Unit.code == code)) or ""

    @app.get("/_probe/flushed/<code>")
    def flushed(code):
        rename(code, "Đã đổi rồi bỏ")
        db.session.flush()
        return "ok"

    @app.get("/_probe/pending/<code>")
    def pending(code):
        rename(code, "Chưa ghi")
        return "ok"

    @app.get("/_probe/fails/<code>")
    def fails(code):
        rename(code, "Lỗi giữa chừng")
        db.session.flush()
        raise RuntimeError("boom")

    @app.get("/_probe/aborts/<code>")
    def aborts(code):
        rename(code, "Bị từ chối")
        db.session.flush()
        abort(403)

    @app.get("/_probe/commits/<code>")
    def commits(code):
        rename(code, "Đã lưu")
        db.session.commit()
        return db.session.scalar(select(Unit.name).where(Unit.code == code))

    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def ends(probe_app):
    """The COMMITs and ROLLBACKs the probe app's connections saw, in order."""
    seen: list[str] = []
    with probe_app.app_context():
        engine = db.engine

    def on_commit(_conn):
        seen.append("commit")

    def on_rollback(_conn):
        seen.append("rollback")

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    yield seen
    event.remove(engine, "commit", on_commit)
    event.remove(engine, "rollback", on_rollback)


def _name(code: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Unit.name).where(Unit.code == code))


def test_read_only_request_ends_with_a_commit_on_postgresql(make, probe_app, ends):
    make.unit("Xã Đọc", code="R0001")
    dialect = db.engine.dialect.name
    resp = probe_app.test_client().get("/_probe/read/R0001")
    assert resp.get_data(as_text=True) == "Xã Đọc"
    assert ends == (["commit"] if dialect == "postgresql" else ["rollback"])


@pytest.mark.parametrize("view", ["flushed", "pending", "aborts"])
def test_writes_a_view_did_not_commit_are_rolled_back(make, probe_app, ends, view):
    make.unit("Xã Giữ Nguyên", code="R0002")
    resp = probe_app.test_client().get(f"/_probe/{view}/R0002")
    assert resp.status_code == (403 if view == "aborts" else 200)
    assert ends == ["rollback"]
    assert _name("R0002") == "Xã Giữ Nguyên"


def test_failed_request_rolls_back(make, probe_app, ends):
    make.unit("Xã Giữ Nguyên", code="R0003")
    with pytest.raises(RuntimeError, match="boom"):  # TESTING: the error reaches the test
        probe_app.test_client().get("/_probe/fails/R0003")
    assert ends == ["rollback"]
    assert _name("R0003") == "Xã Giữ Nguyên"


def test_what_a_view_commits_is_kept(make, probe_app, ends):
    make.unit("Xã Cũ", code="R0004")
    resp = probe_app.test_client().get("/_probe/commits/R0004")
    assert resp.get_data(as_text=True) == "Đã lưu"
    assert ends[0] == "commit"
    assert _name("R0004") == "Đã lưu"


@pytest.mark.parametrize(
    "change",
    [{"active": False}, {"expires_at": utcnow() - timedelta(minutes=1)}],
    ids=["deactivated", "expired"],
)
def test_signed_in_user_is_refused_once_deactivated_or_expired(make, client, login, change):
    officer = make.user("officer")
    login(officer)
    assert client.get("/records").status_code == 200
    user = db.session.get(User, officer.id)
    for key, value in change.items():
        setattr(user, key, value)
    db.session.commit()
    resp = client.get("/records")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
