"""Step 3, recognising a returned sheet: its batch, its content hash, every fixed cell and the
rows' order, before anything is judged (SPEC section 5 "Return"). A refusal names the places."""

from __future__ import annotations

from ..domain.formatting import vn_number
from ..files.return_read import COLUMN_LETTERS, FIXED, FIXED_HEADINGS, ReturnedSheet
from ..files.return_sheet import RELATION_HEADINGS
from ..files.xlsx_write import safe_text
from ..models import Batch, BatchRow
from ..models.person import FIELD_LABELS
from .batches import snapshot_of

# The facts of a row the police verify, compared with the record when their answer comes back.
VERIFIED_FACTS = ("full_name", "dob", "sex", "ethnicity", "guardians", "id_number")

MAX_PROBLEMS = 12  # a refusal names this many places, then counts the rest


def _expected(row: BatchRow, kind: str = "child") -> dict[str, str]:
    """The fixed cells of a row as issued; the "relation" column shows the parents of a child,
    the allowance category of a beneficiary (``services.batches.document_for``)."""
    snap = dict(row.snapshot)
    snap["relation"] = snap.get("allowance_category" if kind == "beneficiary" else "guardians")
    out = {"row_key": row.row_key or "", "position": str(row.position)}
    for attr in FIXED:
        if attr not in out:
            out[attr] = " ".join(str(safe_text(snap.get(attr) or "") or "").split())
    return out


def recognise(batch: Batch, sheet: ReturnedSheet, rows: list[BatchRow]) -> list[str]:
    """What makes the sheet not this batch's untouched list (empty: it is)."""
    if sheet.batch_id != batch.id:
        other = f"danh sách số {sheet.number}" if sheet.number else "một danh sách khác"
        return [
            f"Tệp này là tệp trả kết quả của {other}, không phải của danh sách số "
            f"{batch.number}. Hãy tải lên đúng tệp của danh sách này."
        ]
    if sheet.content_hash != batch.content_hash:
        return [
            "Mã kiểm tra nội dung trong tệp khác với danh sách đã ký: tệp không phải bản "
            "được tạo khi chuyển danh sách này."
        ]
    wanted = [(r.row_key or "", r.person_id, r.person_version, r.position) for r in rows]
    if sheet.keys != wanted:
        return ["Phần nhận dạng ẩn của tệp đã bị sửa: không thể đối chiếu các dòng."]
    problems: list[str] = []
    kind = batch.person_kind or "child"
    expected = [_expected(r, kind) for r in rows]
    titles = FIXED_HEADINGS | {"relation": RELATION_HEADINGS.get(kind, "")}
    keys_expected = [e["row_key"] for e in expected]
    keys_found = [r.fixed["row_key"] for r in sheet.rows]
    found, listed = set(keys_found), set(keys_expected)  # not a scan of a list for each row
    missing = [k for k in keys_expected if k not in found]
    added = [r for r in sheet.rows if r.fixed["row_key"] not in listed]
    if missing:
        problems.append(
            f"Thiếu {len(missing)} dòng của danh sách (mã dòng {', '.join(missing[:8])}"
            + ("…" if len(missing) > 8 else "")
            + "): không được xóa dòng."
        )
    for r in added[:MAX_PROBLEMS]:
        problems.append(
            f"Dòng {r.excel_row} không có trong danh sách (mã dòng «{r.fixed['row_key']}»): "
            "không được thêm dòng."
        )
    if problems:
        return problems
    if len(keys_found) != len(keys_expected):
        problems.append(
            f"Tệp có {len(keys_found)} dòng, danh sách có {len(keys_expected)}: "
            "có dòng bị nhân đôi."
        )
        return problems
    for found, want in zip(sheet.rows, expected, strict=True):
        if found.fixed["row_key"] != want["row_key"]:
            problems.append(
                f"Dòng {found.excel_row}: mã dòng {found.fixed['row_key']} lẽ ra ở vị trí khác "
                "(thứ tự các dòng đã bị thay đổi)."
            )
            continue
        for attr in FIXED:
            if attr == "row_key" or found.fixed[attr] == want[attr]:
                continue
            problems.append(
                f"Dòng {found.excel_row}, ô {COLUMN_LETTERS[attr]}{found.excel_row} "
                f"({titles[attr]}): «{found.fixed[attr]}» khác «{want[attr]}» "
                "trong danh sách đã ký."
            )
    return problems


def refusal(problems: list[str]) -> str:
    shown = problems[:MAX_PROBLEMS]
    more = len(problems) - len(shown)
    text = "Không nhận tệp này, chưa có gì thay đổi. " + " ".join(shown)
    if more > 0:
        text += f" … và {vn_number(more)} chỗ khác."
    return text


def since_issue(row: BatchRow) -> list[tuple[str, str, str]]:
    """The facts of a row's record changed in treem after the list was issued, as (label, as
    the police were shown it, as it is now): the two sides of a RECORD_CHANGED conflict."""
    then, now = row.snapshot, snapshot_of(row.person, ())
    return [
        (FIELD_LABELS.get(k, k), then.get(k) or "", now.get(k) or "")
        for k in VERIFIED_FACTS
        if (now.get(k) or "") != (then.get(k) or "")
    ]
