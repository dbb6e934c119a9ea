from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..domain.dates import parse_day
from ..extensions import db
from ..models import User
from ..models._common import utcnow
from ..models.unit import LEVEL_LABELS
from ..models.user import ROLE_LABELS
from ..services.access import scoped, units_in_scope
from ..services.accounts import (
    AccountError,
    create_user,
    end_sessions,
    reset_password,
    set_active,
    unlock,
)
from ..services.units import UnitImportError, add_unit
from .decorators import role_required
from .scope import get_or_404, unit_or_404

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/units", methods=["GET", "POST"])
@role_required("admin")
def units():
    error, errors = None, {}
    form = request.form
    if request.method == "POST":
        code, name = form.get("code", "").strip(), form.get("name", "").strip()
        level = form.get("level", "").strip()
        if not code or not name or not level:
            typed = (("code", code), ("name", name), ("level", level))
            missing = next(f for f, v in typed if not v)
            errors[missing] = "Vui lòng nhập đủ mã, tên và cấp của đơn vị."
        else:
            try:
                parent = unit_or_404(current_user, form["parent"]) if form.get("parent") else None
                if parent is None and current_user.unit.parent_id is not None:
                    errors["parent"] = (
                        "Đơn vị mới phải thuộc một đơn vị trong phạm vi quản lý của bạn."
                    )
                else:
                    add_unit(db.session, code, name, level, parent, actor=current_user)
                    db.session.commit()
                    flash(f"Đã thêm đơn vị {name} ({code}).", "success")
                    return redirect(url_for("admin.units"))
            except UnitImportError as exc:
                db.session.rollback()
                if exc.field_name:
                    errors[exc.field_name] = str(exc)
                else:
                    error = str(exc)
    all_units = db.session.scalars(units_in_scope(current_user)).all()
    return render_template(
        "admin/units.html",
        units=all_units,
        error=error,
        errors=errors,
        form=form,
        levels=LEVEL_LABELS,
    ), (422 if error or errors else 200)


@bp.route("/users", methods=["GET", "POST"])
@role_required("admin")
def users():
    error = error_field = None
    form = request.form
    if request.method == "POST":
        try:
            unit = unit_or_404(current_user, form.get("unit", ""))
            expires = parse_day(form.get("expires_at"), today=clock.today())
            create_user(
                db.session,
                form.get("username", ""),
                form.get("password", ""),
                role=form.get("role", ""),
                unit=unit,
                full_name=form.get("full_name") or None,
                expires_at=clock.end_of_day(expires) if expires else None,
                actor=current_user,
            )
            db.session.commit()
            flash(f"Đã tạo tài khoản {form.get('username', '').strip().lower()}.", "success")
            return redirect(url_for("admin.users"))
        except (AccountError, ValueError) as exc:
            db.session.rollback()
            if isinstance(exc, AccountError):
                error, error_field = str(exc), exc.field
            else:
                error, error_field = f"Ngày hết hạn: {exc}", "expires_at"
    scope_units = db.session.scalars(units_in_scope(current_user)).all()
    all_users = db.session.scalars(scoped(current_user, User).order_by(User.username)).all()
    now = utcnow()
    return render_template(
        "admin/users.html",
        users=all_users,
        locked=[u for u in all_users if u.locked_until and u.locked_until > now],
        units=scope_units,
        roles=ROLE_LABELS,
        error=error,
        error_field=error_field,
        form=form,
    ), (422 if error else 200)


@bp.post("/users/<int:user_id>/toggle")
@role_required("admin")
def toggle_user(user_id: int):
    user = get_or_404(current_user, User, user_id)
    try:
        set_active(db.session, current_user, user, not user.active)
    except AccountError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash(f"Đã {'mở khóa' if user.active else 'khóa'} tài khoản {user.username}.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/unlock")
@role_required("admin")
def unlock_user(user_id: int):
    """Lift a sign-in lock (too many wrong passwords from everywhere)."""
    user = get_or_404(current_user, User, user_id)
    unlock(db.session, current_user, user)
    db.session.commit()
    flash(f"Đã mở khóa đăng nhập cho {user.username}.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/sessions/end")
@role_required("admin")
def end_user_sessions(user_id: int):
    """Sign an account out everywhere (a lost phone, a stolen laptop)."""
    user = get_or_404(current_user, User, user_id)
    if user.id == current_user.id:
        flash("Hãy dùng trang Phiên đăng nhập để kết thúc phiên của chính mình.", "warning")
        return redirect(url_for("admin.users"))
    count = end_sessions(db.session, current_user, user)
    db.session.commit()
    flash(f"Đã kết thúc {count} phiên đăng nhập của {user.username}.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@role_required("admin")
def reset_user_password(user_id: int):
    """GET asks "Đặt lại mật khẩu cho …?"; POST resets and shows the one-time password once."""
    user = get_or_404(current_user, User, user_id)
    if request.method == "GET":
        return render_template("admin/reset_password.html", user=user, password=None)
    try:
        password = reset_password(db.session, current_user, user)
    except AccountError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return redirect(url_for("admin.users"))
    db.session.commit()
    # Rendered, never flashed: the flash would carry it in the (signed, not encrypted) cookie.
    return render_template("admin/reset_password.html", user=user, password=password)
