"""Step 4, the officer's download: the change list as .xlsx in the layout of the last import."""

from __future__ import annotations

import io

from flask import Blueprint, render_template, request, send_file
from flask_login import current_user

from .. import clock
from ..domain.dates import parse_day
from ..domain.vocabulary import PERSON_KINDS
from ..extensions import db
from ..services.cleaned_export import ExportRefused, export_cleaned
from .decorators import permission_required
from .scope import unit_or_404

bp = Blueprint("exports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/changes/export.xlsx")
@permission_required("sync_software")
def cleaned():
    """``?since=dd/mm/yyyy``: only the records changed in treem from that day on;
    ``?unit=CODE``: a commune of the user's tree (default: the user's own);
    ``?kind=beneficiary``: the beneficiaries, in the layout of their last import (default:
    the children)."""
    code = request.args.get("unit")
    unit = unit_or_404(current_user, code) if code else current_user.unit
    if unit is None or unit.children:
        return _refused(404, "Không tìm thấy", "Chỉ xuất được dữ liệu của một xã/phường.")
    since = None
    raw = (request.args.get("since") or "").strip()
    if raw:
        try:
            since = parse_day(raw, today=clock.today())
        except ValueError as exc:
            return _refused(400, "Ngày không hợp lệ", str(exc))
    kind = request.args.get("kind") or "child"
    if kind not in PERSON_KINDS:
        return _refused(400, "Loại đối tượng không hợp lệ", "Chọn trẻ em hoặc đối tượng bảo trợ.")
    buffer = io.BytesIO()
    try:
        export_cleaned(db.session, unit, buffer, since=since, user=current_user,
                       zone_name=clock.zone_name(), kind=kind)  # fmt: skip
    except ExportRefused as exc:
        db.session.rollback()
        return _refused(409, "Chưa xuất được tệp", str(exc))
    db.session.commit()
    buffer.seek(0)
    whose = "" if kind == "child" else "doi-tuong-bao-tro-"
    name = f"du-lieu-da-lam-sach-{whose}{unit.code}-{clock.today():%Y%m%d}.xlsx"
    return send_file(buffer, mimetype=XLSX, as_attachment=True, download_name=name)


def _refused(code: int, title: str, text: str):
    return render_template("errors/error.html", code=code, title=title, text=text), code
