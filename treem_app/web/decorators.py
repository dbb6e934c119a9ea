from __future__ import annotations

import functools

from flask import abort
from flask_login import current_user, login_required

from ..domain.permissions import can


def role_required(*roles: str):
    """Signed in, and one of `roles`; otherwise 403."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def permission_required(action: str):
    """Signed in, and the user's role may do `action` (domain.permissions); otherwise 403."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(current_user.role, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
