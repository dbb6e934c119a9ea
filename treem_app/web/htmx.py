"""HTMX helpers: detect HX requests, render a template block as a fragment, client redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def render(template: str, block: str | None = None, **ctx):
    """Render the whole page, or only `block` when HTMX asks; varies on HX-Request."""
    if block and is_htmx():
        body = render_block(template, block, **ctx)
    else:
        body = render_template(template, **ctx)
    resp = make_response(body)
    resp.headers["Vary"] = "HX-Request"
    return resp


def hx_redirect(url: str):
    """Make HTMX navigate the whole page instead of swapping a redirect into a fragment."""
    resp = make_response("", 204)
    resp.headers["HX-Redirect"] = url
    return resp


SESSION_EXPIRED = "Phiên làm việc đã hết hạn. Nội dung bạn vừa nhập vẫn còn: đăng nhập lại để lưu."


def session_expired():
    """401 for an HTMX request whose session is gone: static/js/app.js opens the sign-in dialog
    (the header names it), nothing is swapped, so what the person typed stays on the page."""
    resp = make_response(SESSION_EXPIRED, 401)
    resp.headers["X-Treem-Session"] = "expired"
    resp.headers["Content-Type"] = "text/plain; charset=utf-8"
    return resp


def page_path() -> str | None:
    """The path of the page an HTMX request came from (not the fragment's), for `next`."""
    current = request.headers.get("HX-Current-URL")
    if not current:
        return None
    parts = urlsplit(current)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
