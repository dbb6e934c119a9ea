from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from ..extensions import db
from ..services.accounts import AccountError, authenticate, change_password
from .htmx import hx_redirect, is_htmx

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if (
        target
        and urlsplit(target).netloc == ""
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return target
    return url_for("main.home")


def _relogin() -> bool:
    """The page's "sign in again" dialog (an in-place edit met an expired session) asks in JSON."""
    return request.headers.get("X-Treem-Relogin") == "1"


def _relogin_answer(user):
    """The new session's CSRF token, for the page to put into its forms before saving again."""
    resp = jsonify(ok=True, user_id=user.id, csrf_token=generate_csrf())
    resp.headers["Cache-Control"] = "no-store"
    return resp


# What an account that must change its password may still open.
OPEN_WHILE_CHANGING = frozenset(
    {"auth.password", "auth.logout", "auth.login", "auth.session_token", "static"}
)


@bp.before_app_request
def require_new_password():
    """After an administrator's reset, every page leads to the change-password form."""
    if request.endpoint in OPEN_WHILE_CHANGING or not current_user.is_authenticated:
        return None
    if not current_user.must_change_password:
        return None
    target = url_for("auth.password")
    return hx_redirect(target) if is_htmx() else redirect(target)


@bp.get("/session/token")
def session_token():
    """A CSRF token for a page whose session has expired, so that it can sign in again in place."""
    resp = jsonify(csrf_token=generate_csrf())
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        if request.method == "POST" and _relogin():
            return _relogin_answer(current_user)
        return redirect(url_for("main.home"))
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")
        result = authenticate(
            db.session,
            username,
            request.form.get("password", ""),
            max_failures=current_app.config["TREEM_LOGIN_MAX_FAILURES"],
            lock_minutes=current_app.config["TREEM_LOGIN_LOCK_MINUTES"],
        )
        db.session.commit()
        if result.user is not None:
            login_user(result.user)
            if _relogin():
                return _relogin_answer(result.user)
            if result.user.must_change_password:
                return redirect(url_for("auth.password"))
            return redirect(_safe_next(request.args.get("next")))
        error = result.error
        if _relogin():
            return jsonify(ok=False, error=error), 401
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, username=username), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    error = None
    if request.method == "POST":
        try:
            change_password(
                current_user,
                request.form.get("current", ""),
                request.form.get("new", ""),
                request.form.get("confirm", ""),
            )
        except AccountError as exc:
            error = str(exc)
        else:
            db.session.commit()
            flash("Đã đổi mật khẩu.", "success")
            return redirect(url_for("main.home"))
    return render_template(
        "auth/password.html", error=error, forced=current_user.must_change_password
    ), (422 if error else 200)
