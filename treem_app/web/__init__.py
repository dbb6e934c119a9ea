"""Web layer: blueprints, login wiring, error pages and template globals."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError

from ..domain.findings import RULE_LABELS, event_note, rule_label
from ..domain.formatting import DEFAULT_ZONE, local_date, vn_date, vn_datetime, vn_number
from ..domain.idnumber import looks_like_id
from ..domain.permissions import can
from ..domain.vocabulary import (
    EVENT_SOURCES,
    MARKS,
    PERSON_STATUSES,
    SEVERITY_LABELS,
    SEX_LABELS,
)
from ..extensions import db, login_manager
from ..models import User
from ..models.person import FIELD_LABELS
from ..services import user_sessions
from ..services.roster_import import differences_waiting
from . import (
    admin,
    auth,
    batches,
    campaigns,
    changes,
    dashboard,
    exports,
    failures,
    hamlets,
    imports,
    jobs,
    keyed,
    main,
    records,
    reports,
    returns,
    review,
)
from .htmx import hx_redirect, is_htmx, page_path, session_expired
from .nav import menu_for
from .once import once_token

# The Flask session's key for the server-side session's token.
SESSION_KEY = "sid"


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The cookie names a server-side session (see services/user_sessions.py): the user is
        # the session's, with the unit (every page scopes by it), in one query. An ended, idle
        # or too old session opens nothing, whatever the cookie still says.
        try:
            uid = int(user_id)
        except ValueError:
            return None
        row, wrote = user_sessions.find(
            db.session,
            session.get(SESSION_KEY),
            idle=timedelta(minutes=app.config["TREEM_SESSION_IDLE_MINUTES"]),
            absolute=timedelta(hours=app.config["TREEM_SESSION_MAX_HOURS"]),
        )
        if wrote:
            # Loaded before the view runs (auth.load_session): nothing else is pending yet.
            db.session.commit()
        if row is None or row.user_id != uid:
            return None
        g.user_session = row
        return row.user

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, redirect, url_for

        if is_htmx():
            if request.method != "GET":
                return session_expired()  # keep what was typed; the page signs in again in place
            return hx_redirect(url_for("auth.login", next=page_path()))
        target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
        flash(login_manager.login_message, "warning")
        return redirect(target)

    for module in (
        auth,
        main,
        records,
        review,
        hamlets,
        imports,
        jobs,
        admin,
        batches,
        returns,
        keyed,
        changes,
        exports,
        reports,
        dashboard,
        campaigns,
    ):
        app.register_blueprint(module.bp)

    @app.context_processor
    def globals_():
        signed_in = current_user.is_authenticated
        # Until a reset password is replaced, the menu would only lead back to that form.
        menu = menu_for(current_user) if signed_in and not current_user.must_change_password else []
        role = current_user.role if current_user.is_authenticated else None
        return {
            "menu": menu,
            "rule_labels": RULE_LABELS,
            "can": lambda action: can(role, action),
        }

    app.teardown_request(end_read_only_transaction)

    app.jinja_env.globals.update(
        person_statuses=PERSON_STATUSES,
        mark_labels=MARKS,
        event_sources=EVENT_SOURCES,
        severity_labels=SEVERITY_LABELS,
        sex_labels=SEX_LABELS,
    )
    app.jinja_env.globals["once_token"] = once_token
    app.jinja_env.globals["differences_waiting"] = differences_waiting
    app.jinja_env.tests["id_number"] = looks_like_id
    app.jinja_env.filters["vn_number"] = vn_number
    app.jinja_env.filters["vn_date"] = vn_date
    local_zone = app.config.get("TREEM_TIMEZONE", DEFAULT_ZONE)
    app.jinja_env.filters["vn_datetime"] = lambda value: vn_datetime(value, local_zone)
    app.jinja_env.filters["vn_local_date"] = lambda value: vn_date(local_date(value, local_zone))
    app.jinja_env.filters["field_label"] = lambda field: FIELD_LABELS.get(field, field)
    app.jinja_env.filters["fact_value"] = fact_value
    app.jinja_env.filters["rule_label"] = rule_label
    app.jinja_env.filters["event_note"] = event_note
    app.jinja_env.filters["explain_id"] = explain_id_text

    def error_page(code: int, title: str, text: str):
        def handler(_exc):
            return render_template("errors/error.html", code=code, title=title, text=text), code

        return handler

    failures.register(app)
    app.register_error_handler(
        404,
        error_page(
            404,
            "Không tìm thấy",
            "Trang hoặc hồ sơ này không tồn tại, hoặc nằm ngoài đơn vị của bạn.",
        ),
    )
    app.register_error_handler(
        403,
        error_page(403, "Không có quyền", "Tài khoản của bạn không được thực hiện thao tác này."),
    )
    app.register_error_handler(
        413, error_page(413, "Tệp quá lớn", "Tệp tải lên vượt quá dung lượng cho phép.")
    )
    expired_page = error_page(
        400,
        "Phiên làm việc đã hết hạn",
        "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.",
    )

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        # An in-place (HTMX) save whose session expired: the page keeps the typed value and
        # asks the person to sign in again, then saves with the new session's token.
        return session_expired() if is_htmx() else expired_page(exc)

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'none'",
        )
        if request.endpoint and request.endpoint != "static":
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp


def end_read_only_transaction(exc: BaseException | None) -> None:
    """End a request's transaction with a COMMIT when, on PostgreSQL, it wrote nothing.

    Flask-SQLAlchemy's teardown (after this one) closes the session, and the pool rolls back
    what is left: psycopg drops its prepared statements on every ROLLBACK, so PostgreSQL would
    parse and plan every statement of every page afresh. A transaction the server gave no
    transaction id has written nothing (no row inserted, updated, deleted or locked): its COMMIT
    and its ROLLBACK do the same. Anything else is left to the rollback as before: a request
    that failed, objects not flushed yet, flushed writes the view did not commit, a transaction
    already in error. SQLite keeps its statements either way: nothing to do there.
    """
    if exc is not None:
        return
    session = db.session()  # the request's Session (get_transaction is not proxied)
    if session.get_transaction() is None or session.new or session.dirty or session.deleted:
        return
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return
    from psycopg.pq import TransactionStatus

    if conn.connection.dbapi_connection.info.transaction_status != TransactionStatus.INTRANS:
        return
    try:
        if conn.exec_driver_sql("SELECT txid_current_if_assigned() IS NULL").scalar():
            session.commit()
    except SQLAlchemyError:  # e.g. the connection dropped: the rollback below cleans up
        pass


def fact_value(value: str | None, field: str) -> str:
    """A stored fact shown in words (sex "F" -> "Nữ", ethnicity "01" -> "Kinh (01)")."""
    if value is None:
        return ""
    if field == "status":
        return PERSON_STATUSES.get(value, value)
    if field == "sex":
        return SEX_LABELS.get(value, value)
    if field == "ethnicity" and len(value) == 2 and value.isdigit():
        from ..domain.ethnicity import ethnicity_name

        return f"{ethnicity_name(value) or value} ({value})"
    return value


def explain_id_text(id_number: str) -> str:
    """What a 12-digit ID number says, in words; empty when it cannot be read."""
    from ..domain.idnumber import explain_id

    try:
        return explain_id(id_number)
    except (ValueError, KeyError):
        return ""
