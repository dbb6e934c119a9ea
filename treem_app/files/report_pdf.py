"""The weekly or monthly report as a PDF in the administrative layout (Nghị định 30/2020,
``templates/documents/report.html``), rendered by WeasyPrint with the bundled fonts only, as
the handover list is (``files.pdf``). The per-commune attachments follow as appendices."""

from __future__ import annotations

from .pdf import render_document
from .report_doc import ATTACHMENT_COLUMNS, ReportDocument

TEMPLATE = "documents/report.html"


def render_report_pdf(doc: ReportDocument) -> bytes:
    return render_document(
        TEMPLATE,
        doc=doc,
        attachment_columns=ATTACHMENT_COLUMNS,
        attachment_title=doc.attachment_title,
    )
