"""HTMX helpers: detect HX requests, render a template block as a fragment, client redirects."""

from __future__ import annotations

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
