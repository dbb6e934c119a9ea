"""Configuration read from the environment, with safe defaults for a single-machine install."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_secret_key(instance_path: str) -> str:
    """Return the secret key kept in the instance folder, creating it once (mode 0600)."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def from_environment(instance_path: str) -> dict:
    """Build the Flask config mapping from environment variables.

    Nothing here opens a connection; the SQLite default lives in the instance folder.
    """
    database_url = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{Path(instance_path) / 'treem.sqlite3'}"
    )
    if database_url.startswith("postgres://"):  # Heroku-style URLs
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    upload_mb = int(os.environ.get("TREEM_MAX_UPLOAD_MB", "25"))
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or instance_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "MAX_CONTENT_LENGTH": upload_mb * 1024 * 1024,
        # The one local zone for "today" and every date and time shown or printed.
        "TREEM_TIMEZONE": os.environ.get("TREEM_TIMEZONE") or "Asia/Ho_Chi_Minh",
        "TREEM_MAX_IMPORT_ROWS": int(os.environ.get("TREEM_MAX_IMPORT_ROWS", "200000")),
        # The longest list handed to the police (one signed paper document); a longer one is
        # refused with a way to split it (by hamlet, or the first rows now and the rest later).
        "TREEM_MAX_BATCH_ROWS": int(os.environ.get("TREEM_MAX_BATCH_ROWS", "500")),
        # The dashboard keeps its per-commune counts this long at most, recounting a commune
        # as soon as one of its records changes (0: count on every request).
        "TREEM_DASHBOARD_CACHE_S": int(os.environ.get("TREEM_DASHBOARD_CACHE_S", "120")),
        "TREEM_LOGIN_MAX_FAILURES": int(os.environ.get("TREEM_LOGIN_MAX_FAILURES", "5")),
        "TREEM_LOGIN_LOCK_MINUTES": int(os.environ.get("TREEM_LOGIN_LOCK_MINUTES", "15")),
        # Failures from all addresses together after which a name is locked for everyone.
        "TREEM_LOGIN_ACCOUNT_CEILING": int(os.environ.get("TREEM_LOGIN_ACCOUNT_CEILING", "50")),
        # Server-side sessions: ended after this long without a request, and this long after
        # sign-in whatever happens.
        "TREEM_SESSION_IDLE_MINUTES": int(os.environ.get("TREEM_SESSION_IDLE_MINUTES", "120")),
        "TREEM_SESSION_MAX_HOURS": int(os.environ.get("TREEM_SESSION_MAX_HOURS", "12")),
        # How many reverse proxies in front of the app may set X-Forwarded-For (0: none; the
        # client's address is the connection's, never a header a client sent).
        "TREEM_TRUSTED_PROXIES": int(os.environ.get("TREEM_TRUSTED_PROXIES", "0")),
        "TREEM_FILES_DIR": os.environ.get("TREEM_FILES_DIR") or str(Path(instance_path) / "files"),
        # The address the police reach the app at: printed as the QR code of each batch list.
        "TREEM_PUBLIC_URL": os.environ.get("TREEM_PUBLIC_URL") or "http://127.0.0.1:8000",
        # Optional password on the return sheet's protection (none: protected without one).
        "TREEM_SHEET_PASSWORD": os.environ.get("TREEM_SHEET_PASSWORD") or None,
        # Cookies: HttpOnly + SameSite always; Secure by default (browsers accept Secure cookies on
        # http://localhost; an intranet install without HTTPS must set TREEM_SECURE_COOKIES=0).
        "SESSION_COOKIE_SECURE": _bool("TREEM_SECURE_COOKIES", True),
        "REMEMBER_COOKIE_SECURE": _bool("TREEM_SECURE_COOKIES", True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,  # token lives as long as the session
        # hide_parameters: a statement logged or quoted in an error never carries its values
        # (children's names and ID numbers), whatever logging is switched on.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # 0 behind PgBouncer in transaction mode without max_prepared_statements (before 1.21):
        # psycopg then never prepares statements on the server (treem_app/database.py).
        "TREEM_PG_PREPARED_STATEMENTS": _bool("TREEM_PG_PREPARED_STATEMENTS", True),
        # The app's own lines (uploads and downloads by whom, by ids only: never a name) are
        # INFO; the web server's and the worker's own logs keep their levels.
        "TREEM_LOG_LEVEL": os.environ.get("TREEM_LOG_LEVEL", "INFO").upper(),
    }
