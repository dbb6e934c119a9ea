"""The app's clock: "today" in the configured local zone (TREEM_TIMEZONE), for views, jobs and
the CLI. Services take the day as an argument; this is where the boundary reads it."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, has_app_context

from .domain.formatting import DEFAULT_ZONE, end_of_local_day, local_today


def zone_name() -> str:
    """The configured local zone (the default outside an app context)."""
    if has_app_context():
        return current_app.config.get("TREEM_TIMEZONE", DEFAULT_ZONE)
    return DEFAULT_ZONE


def today() -> date:
    """Today in the local zone."""
    return local_today(zone_name())


def end_of_day(day: date) -> datetime:
    """The last instant of a local day as a stored (naive UTC) time."""
    return end_of_local_day(day, zone_name())
