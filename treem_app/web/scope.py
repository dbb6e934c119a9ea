"""Scoped reads for views: services.access with the request's session, None answered by 404."""

from __future__ import annotations

from typing import TypeVar

from flask import abort

from ..extensions import db
from ..models import Unit, User
from ..services import access

M = TypeVar("M")


def get_or_404(user: User, model: type[M], ident: int | None) -> M:
    """One row in the user's scope, or 404 (missing and out of scope look the same)."""
    row = access.get_scoped(db.session, user, model, ident)
    if row is None:
        abort(404)
    return row


def unit_or_404(user: User, code: str | None) -> Unit:
    """The unit with this code in the user's tree, or 404."""
    unit = access.unit_by_code(db.session, user, code)
    if unit is None:
        abort(404)
    return unit
