from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from ..extensions import db
from ..models import UserSession
from ..services import user_sessions
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
SESSION_KEY = "sid"


def _limits() -> dict:
    return {
        "idle": timedelta(minutes=current_app.config["TREEM_SESSION_IDLE_MINUTES"]),
        "absolute": timedelta(hours=current_app.config["TREEM_SESSION_MAX_HOURS"]),
    }


def begin_session(user) -> None:
    """Sign `user` in with a new server-side session and a new CSRF secret.

    Whatever the browser's session held before (a CSRF secret a stranger may have planted, an
    older session's token) is dropped first.
    """
    session.clear()
    g.pop("csrf_token", None)  # generate_csrf's copy for this request
    _row, token = user_sessions.start(
        db.session,
        user,
        ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
    )
    login_user(user)
    session[SESSION_KEY] = token


def current_session() -> UserSession | None:
    return g.get("user_session") if current_user.is_authenticated else None


@bp.before_app_request
def require_new_password():
    """After an administrator's reset, every page leads to the change-password form.

    Loading the user here, before any view, also checks the server-side session first thing.
    """
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    if request.endpoint in OPEN_WHILE_CHANGING:
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
            account_ceiling=current_app.config["TREEM_LOGIN_ACCOUNT_CEILING"],
            # The connection's address (or, behind TREEM_TRUSTED_PROXIES proxies, the one they
            # forwarded): never a header the client chose.
            address=request.remote_addr,
        )
        if result.user is not None:
            begin_session(result.user)
        db.session.commit()
        if result.user is not None:
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
    row = current_session()
    if row is not None:
        user_sessions.end(db.session, row, "logout")
        db.session.commit()
    logout_user()
    session.clear()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    error = error_field = None
    if request.method == "POST":
        try:
            change_password(
                current_user,
                request.form.get("current", ""),
                request.form.get("new", ""),
                request.form.get("confirm", ""),
            )
        except AccountError as exc:
            error, error_field = str(exc), exc.field
        else:
            # Every other browser signed in as this user is signed out; this one goes on with a
            # new session (the old token opens nothing either).
            user_sessions.end_all(db.session, current_user, "password_changed")
            begin_session(current_user._get_current_object())
            db.session.commit()
            flash("Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.", "success")
            return redirect(url_for("main.home"))
    return render_template(
        "auth/password.html",
        error=error,
        error_field=error_field,
        forced=current_user.must_change_password,
    ), (422 if error else 200)


@bp.get("/account/sessions")
@login_required
def sessions():
    """ "Phiên đăng nhập": where the account is signed in, and a way to end any of it."""
    rows = user_sessions.active(db.session, current_user, **_limits())
    here = current_session()
    return render_template(
        "auth/sessions.html",
        rows=rows,
        current_id=here.id if here else None,
        browser_label=user_sessions.browser_label,
    )


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    here = current_session()
    user_sessions.end(db.session, row, "ended_by_user")
    db.session.commit()
    if here is not None and here.id == session_id:
        logout_user()
        session.clear()
        flash("Bạn đã đăng xuất.", "info")
        return redirect(url_for("auth.login"))
    flash("Đã kết thúc phiên đăng nhập.", "success")
    return redirect(url_for("auth.sessions"))


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    count = user_sessions.end_all(db.session, current_user, "ended_by_user", keep=current_session())
    db.session.commit()
    flash(f"Đã kết thúc {count} phiên đăng nhập khác.", "success")
    return redirect(url_for("auth.sessions"))
