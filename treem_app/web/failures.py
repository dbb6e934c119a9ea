"""When something below the app fails: the database unreachable (503) or an unexpected error
(500). The person gets a page in Vietnamese, never a traceback or Flask's English default.

These pages are rendered from the template alone, without the app's context processors: those
read the signed-in user from the database, which may be the very thing that is down.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import InternalServerError

from ..extensions import db

log = logging.getLogger(__name__)

DB_DOWN = (
    "Hệ thống tạm thời không kết nối được cơ sở dữ liệu. Dữ liệu đã lưu trước đó không bị "
    "ảnh hưởng; thao tác vừa rồi chưa được ghi. Vui lòng thử lại sau ít phút."
)
UNEXPECTED = (
    "Đã xảy ra lỗi ngoài dự kiến; thao tác vừa rồi chưa được ghi. Vui lòng thử lại, nếu vẫn "
    "lỗi hãy báo quản trị viên kèm thời điểm xảy ra."
)


def _page(code: int, title: str, text: str):
    try:
        db.session.rollback()
    except Exception as exc:  # the connection may be gone; the pool replaces it
        log.debug("rollback after a failure failed too: %s", type(exc).__name__)
    html = current_app.jinja_env.get_template("errors/plain.html").render(
        code=code, title=title, text=text
    )
    resp = current_app.response_class(html, status=code, mimetype="text/html")
    if code == 503:
        resp.headers["Retry-After"] = "30"
    return resp


def database_unavailable(exc: DBAPIError):
    log.warning("database unavailable on %s %s: %s", request.method, request.path,
                type(getattr(exc, "orig", exc)).__name__)  # fmt: skip
    return _page(503, "Tạm thời không truy cập được dữ liệu", DB_DOWN)


def unexpected(exc: InternalServerError):
    original = getattr(exc, "original_exception", None)
    if isinstance(original, OperationalError) or (
        isinstance(original, DBAPIError) and original.connection_invalidated
    ):
        return database_unavailable(original)
    return _page(500, "Đã xảy ra lỗi", UNEXPECTED)


def register(app: Flask) -> None:
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InternalServerError, unexpected)
