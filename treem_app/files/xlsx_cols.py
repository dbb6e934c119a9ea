"""The column widths of an .xlsx sheet, read from the sheet's own XML (`<cols>`), without
loading its cells: the step-4 export keeps the widths of the file the commune imported.

Only the part before `<sheetData>` is parsed, so the cost does not grow with the rows. The file
has already passed the upload checks (sizes bounded as it inflates, no DOCTYPE or entities).
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from pathlib import Path
from xml.etree.ElementTree import ParseError, XMLPullParser

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CHUNK = 64 * 1024
_MAX_COLUMNS = 16_384  # Excel's last column (XFD)


def column_widths(path: Path, sheet: str) -> dict[int, float]:
    """Column index (0-based) -> width in Excel's character units, for the columns the sheet
    gives a width; empty when the file, the sheet or its widths cannot be read."""
    try:
        with zipfile.ZipFile(path) as zf:
            part = _sheet_part(zf, sheet)
            if part is None:
                return {}
            with zf.open(part) as stream:
                return _widths(stream)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError, zlib.error):
        return {}


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    workbook = _parse_whole(zf.read("xl/workbook.xml"))
    rid = None
    for node in workbook.iter(f"{{{_MAIN}}}sheet"):
        if node.get("name") == sheet:
            rid = node.get(f"{{{_REL}}}id")
            break
    if rid is None:
        return None
    rels = _parse_whole(zf.read("xl/_rels/workbook.xml.rels"))
    for node in rels.iter(f"{{{_PKG}}}Relationship"):
        if node.get("Id") == rid:
            target = node.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target))
    return None


def _parse_whole(data: bytes):
    parser = XMLPullParser(events=("end",))
    parser.feed(data)
    parser.close()
    root = None
    for _event, node in parser.read_events():
        root = node
    if root is None:
        raise ValueError("empty XML part")
    return root


def _widths(stream) -> dict[int, float]:
    parser = XMLPullParser(events=("start", "end"))
    widths: dict[int, float] = {}
    while chunk := stream.read(_CHUNK):
        parser.feed(chunk)
        for event, node in parser.read_events():
            tag = node.tag.rsplit("}", 1)[-1]
            if event == "start" and tag == "sheetData":
                return widths  # the widths come before the cells: stop reading here
            if event == "end" and tag == "col":
                _take(node, widths)
    return widths


def _take(node, widths: dict[int, float]) -> None:
    try:
        first, last = int(node.get("min", "0")), int(node.get("max", "0"))
        width = float(node.get("width", ""))
    except ValueError:
        return
    if node.get("hidden") in ("1", "true") or not 0 < width <= 255:
        return
    if not 1 <= first <= last <= _MAX_COLUMNS:
        return
    for c in range(first - 1, min(last, first + 255)):  # a range over every column: the first
        widths[c] = round(width, 2)
