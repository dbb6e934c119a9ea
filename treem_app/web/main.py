from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..models import Batch, JobRun
from ..services.access import person_rule, scoped
from ..services.campaign_reminders import reminders
from ..services.dashboard import unit_and_child_counts, unit_counts
from ..services.waiting_work import Waiting, waiting_work

bp = Blueprint("main", __name__)


@dataclass(frozen=True)
class Kind:
    """One kind of waiting work as the home shows it: its name, the page where it is done
    and, when a single row holds it all, that row's own page."""

    label: str
    endpoint: str
    params: tuple = ()
    single: tuple[str, str] | None = None  # (endpoint, its id argument)
    tone: str = ""
    anchor: str | None = None  # where on the single row's page the work is


_IMPORT = ("imports.show", "run_id")
_BATCH = ("batches.show", "batch_id")
KINDS = {
    "imports_running": Kind("Lần nhập đang chạy", "imports.index", single=_IMPORT),
    "imports_failed": Kind("Lần nhập bị lỗi", "imports.index", single=_IMPORT, tone="bad"),
    "imports_uploaded": Kind("Tệp đã tải lên, chờ xác nhận cột", "imports.index", single=_IMPORT),
    "imports_dry_run": Kind("Đã chạy thử, chờ nhập thật", "imports.index", single=_IMPORT),
    "conflicts": Kind("Khác biệt khi nhập chờ quyết định", "imports.conflicts", tone="warn"),
    "records_with_errors": Kind(
        "Hồ sơ còn lỗi", "records.index", (("status", "errors"),), tone="bad"
    ),
    "records_to_verify": Kind(
        "Hồ sơ cần xác minh", "records.index", (("status", "errors"),), tone="bad"
    ),
    "proposals": Kind("Đề xuất chờ duyệt", "review.proposals", tone="warn"),
    "duplicates": Kind("Hồ sơ có thể trùng người", "review.duplicates", tone="warn"),
    "ready_records": Kind("Hồ sơ sẵn sàng, chưa vào danh sách", "batches.index"),
    "batches_draft": Kind(
        "Danh sách đang soạn, chờ chuyển công an", "batches.index", single=_BATCH
    ),
    "batches_issued": Kind("Danh sách chờ công an trả", "batches.index", single=_BATCH),
    "batches_to_return": Kind(
        "Danh sách cần xác thực và trả kết quả", "batches.index", single=_BATCH
    ),
    "batches_overdue": Kind(
        "Danh sách quá hạn công an trả", "batches.index", single=_BATCH, tone="bad"
    ),
    "return_conflicts": Kind(
        "Kết quả công an trả cần quyết định",
        "batches.index",
        single=_BATCH,
        tone="warn",
        anchor="return-conflicts",
    ),
    "batches_returned": Kind(
        "Danh sách công an đã trả, chờ hoàn tất", "batches.index", single=_BATCH
    ),
    "jobs_failed": Kind("Tiến trình xử lý bị lỗi (7 ngày qua)", "jobs.index", tone="bad"),
    "jobs_running": Kind("Tiến trình xử lý đang chạy hoặc chờ", "jobs.index"),
}
# The officer's kinds, grouped by the step of the work they belong to.
GROUPS = {
    "officer": (
        ("Nhập dữ liệu", ("imports_running", "imports_failed", "imports_uploaded",
                          "imports_dry_run", "conflicts")),
        ("Hồ sơ", ("records_with_errors", "proposals", "duplicates")),
        ("Bàn giao công an", ("ready_records", "batches_draft", "batches_issued",
                              "batches_overdue", "return_conflicts", "batches_returned")),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    count: int
    url: str
    tone: str


def _item(key: str, waiting: Waiting) -> Item:
    kind = KINDS[key]
    if kind.single and waiting.only_id is not None:
        endpoint, arg = kind.single
        url = url_for(endpoint, _anchor=kind.anchor, **{arg: waiting.only_id})
    else:
        url = url_for(kind.endpoint, **dict(kind.params))
    return Item(key, kind.label, waiting.count, url, kind.tone)


def waiting_groups(user, counts: dict) -> list[tuple[str | None, list[Item]]]:
    """The home's "Việc cần làm": (group heading, items), every kind with its count
    (``counts``: services.waiting_work's)."""
    groups = GROUPS.get(user.role, ((None, tuple(counts)),))
    return [(title, [_item(k, counts[k]) for k in keys]) for title, keys in groups]


@bp.get("/")
def index():
    return redirect(url_for("main.home"))


@bp.get("/home")
@login_required
def home():
    user = current_user
    if user.role in ("reporter", "admin"):  # the whole subtree: one run of the counts for both
        counts, children = unit_and_child_counts(db.session, user.unit)
    else:  # the persons the user sees, not the commune's: a volunteer's hamlets, the police's
        counts, children = unit_counts(db.session, user.unit, where=person_rule(user)), []
    recent_jobs = db.session.scalars(scoped(user, JobRun).order_by(JobRun.id.desc()).limit(5)).all()
    batches = (
        db.session.scalars(scoped(user, Batch).order_by(Batch.id.desc()).limit(10)).all()
        if user.role in ("police", "officer")
        else []
    )
    # A reporter's records with errors are the subtree's, counted above.
    with_errors = counts.with_errors if user.role == "reporter" else None
    waiting = waiting_work(db.session, user, clock.today(), with_errors=with_errors)
    return render_template(
        f"home/{user.role}.html",
        counts=counts,
        children=children,
        recent_jobs=recent_jobs,
        batches=batches,
        waiting=waiting_groups(user, waiting),
        reminders=reminders(
            db.session,
            user,
            now=clock.now(),
            today=clock.today(),
            zone_name=clock.zone_name(),
            waiting=waiting,
        ),
    )


@bp.get("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"ok": True}
