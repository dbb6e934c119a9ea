"""PDF rendering with WeasyPrint: bundled fonts only, and nothing fetched from outside static/.

The documents are printed and signed, so they must render the same on every machine: the fonts
(Liberation Serif 2.x, full Vietnamese coverage, SIL OFL) ship in static/fonts and the URL
fetcher refuses anything that is not a file under static/ (no network, no other local files).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from ..config import PROJECT_ROOT

STATIC_DIR = (PROJECT_ROOT / "static").resolve()


class StaticOnlyFetcher(URLFetcher):
    """Serve data: URLs and files under static/; refuse everything else."""

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()
            if path.is_relative_to(STATIC_DIR) and path.is_file():
                return super().fetch(url, headers)
        raise ValueError(f"treem PDFs load only bundled files, not {url[:80]}")


def render_pdf(html: str) -> bytes:
    """Render an HTML document (relative URLs resolve inside static/) to PDF bytes."""
    document = HTML(
        string=html,
        base_url=STATIC_DIR.as_uri() + "/",
        url_fetcher=StaticOnlyFetcher(allowed_protocols=("file", "data")),
    )
    return document.write_pdf(font_config=FontConfiguration())


def render_document(template: str, **context) -> bytes:
    """Render a Jinja document template (no request needed: jobs call this) to PDF bytes."""
    from flask import current_app

    html = current_app.jinja_env.get_template(template).render(**context)
    return render_pdf(html)
