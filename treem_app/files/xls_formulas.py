"""Formula cells in a legacy .xls workbook (BIFF5/BIFF8 inside an OLE2 compound file).

python-calamine reads an .xls formula cell as its cached value, and a workbook written by another
program often caches nothing: the officer would see blank dates and names with no warning. The
upload refuses a sheet with formulas (as for .xlsx); this module finds them by walking the BIFF
records of the chosen sheet's substream. It only reads record headers and never evaluates
anything. olefile (a small, long-maintained pure-Python reader) opens the compound file.
"""

from __future__ import annotations

import struct
from pathlib import Path

import olefile

# Record types (MS-XLS 2.3): the substream boundaries, the sheet directory and formula cells.
BOF, EOF, BOUNDSHEET = 0x0809, 0x000A, 0x0085
BOF_OLD = (0x0009, 0x0209, 0x0409)  # BIFF2-4 beginnings of a substream
FORMULA_RECORDS = frozenset(
    {
        0x0006,  # FORMULA (BIFF5/8 and BIFF2)
        0x0206,  # FORMULA (BIFF3)
        0x0406,  # FORMULA (BIFF4)
        0x0221,  # ARRAY: an array formula
        0x04BC,  # SHRFMLA: a shared formula
        0x0236,  # TABLE: a data table (what-if)
    }
)
_HEADER = struct.Struct("<HH")


def xls_sheet_has_formulas(path: Path, sheet: str) -> bool | None:
    """Whether the named sheet of an .xls holds formula cells; None when the file cannot tell.

    A sheet the directory does not name (or a workbook without one) is answered for the whole
    workbook stream.
    """
    try:
        with olefile.OleFileIO(str(path)) as ole:
            stream = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            if stream is None:
                return None
            data = ole.openstream(stream).read()
    except (OSError, ValueError, struct.error):  # olefile raises OSError for a damaged file
        return None
    offsets = _sheet_offsets(data)
    start = offsets.get(sheet)
    if start is None:
        return _any_formula(data, 0, whole=True)
    return _any_formula(data, start, whole=False)


def _records(data: bytes, pos: int):  # a generator of (type, data offset, length)
    header = _HEADER.unpack_from
    end = len(data) - 4
    while pos <= end:
        rtype, length = header(data, pos)
        yield rtype, pos + 4, length
        pos += 4 + length


def _sheet_offsets(data: bytes) -> dict[str, int]:
    """Sheet name -> stream offset of its BOF, from the BOUNDSHEET records of the globals."""
    offsets: dict[str, int] = {}
    # The first record is the globals' BOF; its version says BIFF8 (0x0600) or older.
    biff8 = len(data) >= 6 and struct.unpack_from("<H", data, 4)[0] == 0x0600
    for rtype, at, length in _records(data, 0):
        if rtype == EOF:
            break
        if rtype != BOUNDSHEET or length < 8:
            continue
        (offset,) = struct.unpack_from("<I", data, at)
        cch = data[at + 6]
        if not biff8:  # BIFF5: the name in the workbook's code page
            name = data[at + 7 : at + 7 + cch].decode("cp1258", "replace")
        elif data[at + 7] & 1:  # UTF-16LE characters
            name = data[at + 8 : at + 8 + 2 * cch].decode("utf-16-le", "replace")
        else:  # characters of the Latin-1 range, one byte each
            name = data[at + 8 : at + 8 + cch].decode("latin-1")
        offsets[name] = offset
    return offsets


def _any_formula(data: bytes, start: int, *, whole: bool) -> bool:
    """A formula record in the substream beginning at ``start`` (nested ones included), or
    anywhere after ``start`` when ``whole``."""
    depth = 0
    for rtype, _at, _length in _records(data, start):
        if rtype in FORMULA_RECORDS:
            return True
        if rtype == BOF or rtype in BOF_OLD:
            depth += 1
        elif rtype == EOF:
            depth -= 1
            if depth <= 0 and not whole:
                return False
    return False
