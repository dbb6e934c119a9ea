"""The app's clock: "today" in the configured local zone (TREEM_TIMEZONE), for views, jobs and
the CLI. Services take the day as an argument; this is where the boundary reads it.

Tests that need a fixed moment (a Thursday, a Friday after the cut-off) set the app's
``TREEM_FIXED_NOW`` (a naive UTC datetime); nothing else sets it."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import current_app, has_app_context

from .domain.formatting import DEFAULT_ZONE, end_of_local_day, local_today


def zone_name() -> str:
    """The configured local zone (the default outside an app context)."""
    if has_app_context():
        return current_app.config.get("TREEM_TIMEZONE", DEFAULT_ZONE)
    return DEFAULT_ZONE


def now() -> datetime:
    """Now as a stored (naive UTC) time; the app's TREEM_FIXED_NOW when a test set one."""
    if has_app_context():
        fixed = current_app.config.get("TREEM_FIXED_NOW")
        if fixed is not None:
            return fixed
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today in the local zone."""
    return local_today(zone_name(), now())


def end_of_day(day: date) -> datetime:
    """The last instant of a local day as a stored (naive UTC) time."""
    return end_of_local_day(day, zone_name())
