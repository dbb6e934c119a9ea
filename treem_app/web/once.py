"""Creating forms done once: a double click creates one batch, one import, one proposal.

The page puts a one-time key, new at every render, in a hidden field:
``<input type="hidden" name="once" value="{{ once_token() }}">``.
``@once`` records the key, unique per user, in the request's transaction before the view
runs, so it is committed together with what the view created, or rolled back with it when the
view refuses (the corrected form may then be sent again with the same key). The same form sent
again finds the key and is answered by a redirect to where the first answer led, doing
nothing. Two sends at the same instant meet at the database's unique constraint: the second
waits for the first transaction and is refused by it. A form without the field (an old page,
a script) is done as before.
"""

from __future__ import annotations

import functools
import secrets

from flask import flash, make_response, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import FormSubmission

FIELD = "once"
REPEATED = "Yêu cầu này đã được gửi trước đó; hệ thống không thực hiện lại lần nữa."


def once_token() -> str:
    """A new key for a creating form's hidden field ``once``."""
    return secrets.token_urlsafe(18)


def _earlier(key: str) -> FormSubmission | None:
    return db.session.scalar(
        select(FormSubmission).where(
            FormSubmission.user_id == current_user.id, FormSubmission.key == key
        )
    )


def _repeat(earlier: FormSubmission | None):
    flash(REPEATED, "info")
    target = earlier.result_url if earlier is not None else None
    return redirect(target or request.referrer or url_for("main.home"))


def once(view):
    """Do the view once per form key (see the module's docstring); put under the role check."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        key = (request.form.get(FIELD) or "").strip()[:64]
        if not key or not current_user.is_authenticated:
            return view(*args, **kwargs)
        if (earlier := _earlier(key)) is not None:
            return _repeat(earlier)
        mark = FormSubmission(user_id=current_user.id, key=key, endpoint=request.endpoint or "")
        db.session.add(mark)
        try:
            db.session.flush()
        except IntegrityError:  # the same form, sent at the same instant, was done meanwhile
            db.session.rollback()
            return _repeat(_earlier(key))
        mark_id = mark.id
        resp = make_response(view(*args, **kwargs))
        # What the view did not commit is undone (as at the request's end); the mark stays only
        # if it was committed with the view's work. Then remember where the answer led.
        db.session.rollback()
        location = resp.headers.get("Location") if 300 <= resp.status_code < 400 else None
        if location and len(location) <= 255:
            kept = db.session.get(FormSubmission, mark_id)
            if kept is not None:
                kept.result_url = location
                db.session.commit()
        return resp

    return wrapped
