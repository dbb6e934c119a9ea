"""Joining separately rendered PDFs into one, with each font embedded once (issue 19).

The handover list is rendered in slices by separate WeasyPrint processes; each slice embeds its
own subset of every font it uses, so a plain concatenation (pdfunite) holds the same font once
per slice. Here the slices are joined with pypdf, and the subsets of one font (same /BaseFont:
WeasyPrint names a font by a hash of its description, so the name is the same in every slice)
are merged into one font: the glyph outlines of all subsets in one TrueType program, the union
of the widths (/W) and of the text mapping (/ToUnicode), and every page's font resources point
to it. WeasyPrint's subsets keep the whole font's glyph ids up to the largest one used
(CIDToGIDMap /Identity), so the page content needs no change; the parts of composite glyphs
beyond that (Vietnamese accents) are numbered anew in each subset and are copied after them.
Then identical objects are stored once and whatever no page uses any more is left out.

pypdf has no public call for adding an object or leaving one out, so its writer's `_objects`,
`_add_object`, `_root_object` and `_info` are used (stable since PyPDF2; the tests would show a
change).

A font that does not have that shape (not a TrueType CID font with /Identity-H encoding, or two
subsets that disagree on a glyph or a width) is left as it is: the output stays correct, only
not merged.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

FIXED_PITCH = 1  # bit 1 of a font descriptor's /Flags
DEDUPE_PASSES = 4


@dataclass
class _Subset:
    """One slice's embedding of a font: its objects and what it holds."""

    font: object  # the /Type0 font dictionary
    cid_font: object
    descriptor: object
    program: bytes  # the TrueType subset (FontFile2)
    widths: dict[int, float]
    to_unicode: dict[int, str]


@dataclass
class _Group:
    subsets: list[_Subset] = field(default_factory=list)
    ids: set[int] = field(default_factory=set)  # object numbers of the /Type0 dictionaries
    mergeable: bool = True


class Joiner:
    """Joins parts that may arrive in any order: each is added to the output as soon as the
    ones before it are in (so the parsing of finished slices overlaps the rendering of the
    others), and :meth:`finish` merges the fonts and writes the file."""

    def __init__(self, count: int):
        from pypdf import PdfWriter

        self.writer = PdfWriter()
        self.waiting: dict[int, bytes] = {}
        self.next = 0
        self.count = count

    def add(self, index: int, data: bytes) -> None:
        self.waiting[index] = data
        while self.next in self.waiting:
            self.writer.append(io.BytesIO(self.waiting.pop(self.next)))
            self.next += 1

    def finish(self) -> bytes:
        if self.next != self.count:
            raise ValueError(f"{self.count - self.next} of {self.count} parts missing")
        writer = self.writer
        merge_fonts(writer)
        # Identical objects once: WeasyPrint writes the same resource dictionary for each
        # drawn form, so the forms become identical once their resources are one, and every
        # slice has its own colour spaces. A pass costs a few ms for 45 pages; a few passes
        # halve the file.
        for _ in range(DEDUPE_PASSES):
            before = sum(obj is not None for obj in writer._objects)
            writer.compress_identical_objects()
            if sum(obj is not None for obj in writer._objects) == before:
                break
        _drop_unreachable(writer)  # the subsets no page uses any more, and what only they used
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()


def join_pdfs(parts: list[bytes]) -> bytes:
    """One PDF of all the pages of `parts`, in order, with each font embedded once."""
    joiner = Joiner(len(parts))
    for i, data in enumerate(parts):
        joiner.add(i, data)
    return joiner.finish()


def _drop_unreachable(writer) -> None:
    """Leave out of the file every object that the catalog and the document information no
    longer lead to."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    objects = writer._objects
    reached: set[int] = set()
    stack: list = [writer._root_object]
    if writer._info is not None:
        stack.append(writer._info)
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if obj.pdf is not writer or obj.idnum in reached:
                continue
            reached.add(obj.idnum)
            stack.append(objects[obj.idnum - 1])
        elif isinstance(obj, DictionaryObject):  # streams too
            stack.extend(dict.values(obj))
        elif isinstance(obj, ArrayObject):
            stack.extend(list.__iter__(obj))
    reached.add(writer._root_object.indirect_reference.idnum)
    if writer._info is not None:
        reached.add(writer._info.indirect_reference.idnum)
    for i in range(len(objects)):
        if i + 1 not in reached:
            objects[i] = None


# --------------------------------------------------------------------------- finding the fonts


def _font_dicts(writer):
    """Every /Font resource dictionary of the pages and of the forms they draw."""
    seen: set[int] = set()

    def walk(resources):
        resources = resources.get_object() if resources is not None else None
        if not resources:
            return
        fonts = resources.get("/Font")
        if fonts is not None:
            fonts = fonts.get_object()
            if id(fonts) not in seen:
                seen.add(id(fonts))
                yield fonts
        xobjects = resources.get("/XObject")
        for ref in (xobjects.get_object() if xobjects is not None else {}).values():
            form = ref.get_object()
            if form.get("/Subtype") == "/Form" and id(form) not in seen:
                seen.add(id(form))
                yield from walk(form.get("/Resources"))

    for page in writer.pages:
        yield from walk(page.get("/Resources"))


def _subset(font) -> _Subset | None:
    """The parts of a WeasyPrint TrueType CID font, or None for any other kind of font."""
    if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
        return None
    descendants = font.get("/DescendantFonts")
    if descendants is None or len(descendants.get_object()) != 1:
        return None
    cid_font = descendants.get_object()[0].get_object()
    if cid_font.get("/Subtype") != "/CIDFontType2" or cid_font.get("/CIDToGIDMap") != "/Identity":
        return None
    descriptor = cid_font["/FontDescriptor"].get_object()
    if "/FontFile2" not in descriptor or "/ToUnicode" not in font:
        return None
    try:
        widths = _parse_widths(cid_font.get("/W"))
        to_unicode = _parse_to_unicode(font["/ToUnicode"].get_object().get_data())
    except (ValueError, TypeError, IndexError):
        return None
    program = descriptor["/FontFile2"].get_object().get_data()
    return _Subset(font, cid_font, descriptor, program, widths, to_unicode)


def _parse_widths(array) -> dict[int, float]:
    """A CID font's /W array: `c [w1 w2 ...]` and `c_first c_last w` entries."""
    widths: dict[int, float] = {}
    items = list(array.get_object()) if array is not None else []
    i = 0
    while i < len(items):
        first = int(items[i])
        following = items[i + 1].get_object()
        if isinstance(following, list):
            for k, w in enumerate(following):
                widths[first + k] = float(w)
            i += 2
        else:
            for cid in range(first, int(following) + 1):
                widths[cid] = float(items[i + 2])
            i += 3
    return widths


_BLOCK = re.compile(rb"begin(bfchar|bfrange)(.*?)end\1", re.S)
_TOKEN = re.compile(rb"<([0-9A-Fa-f]*)>|\[|\]")


def _utf16(hexstr: bytes) -> str:
    return bytes.fromhex(hexstr.decode()).decode("utf-16-be")


def _parse_to_unicode(cmap: bytes) -> dict[int, str]:
    """A /ToUnicode CMap's bfchar and bfrange entries, as glyph id -> text."""
    mapping: dict[int, str] = {}
    for kind, body in _BLOCK.findall(cmap):
        tokens = [
            m.group(1) if m.group(1) is not None else m.group(0) for m in _TOKEN.finditer(body)
        ]
        i = 0
        if kind == b"bfchar":
            while i + 1 < len(tokens):
                mapping[int(tokens[i], 16)] = _utf16(tokens[i + 1])
                i += 2
            continue
        while i + 2 < len(tokens):
            low, high = int(tokens[i], 16), int(tokens[i + 1], 16)
            if tokens[i + 2] == b"[":
                end = tokens.index(b"]", i + 3)
                for k, dst in enumerate(tokens[i + 3 : end]):
                    mapping[low + k] = _utf16(dst)
                i = end + 1
            else:
                text = _utf16(tokens[i + 2])
                for k in range(high - low + 1):
                    mapping[low + k] = text[:-1] + chr(ord(text[-1]) + k)
                i += 3
    return mapping


# --------------------------------------------------------------------------- merging


def merge_fonts(writer) -> int:
    """Replace the subsets of each font in the writer's pages by one merged font; returns how
    many fonts were merged."""
    from pypdf.generic import NameObject

    groups: dict[str, _Group] = {}
    for fonts in _font_dicts(writer):
        for ref in fonts.values():
            font = ref.get_object()
            name = str(font.get("/BaseFont", ""))
            group = groups.setdefault(name, _Group())
            key = ref.idnum if hasattr(ref, "idnum") else id(font)
            if key in group.ids:
                continue
            group.ids.add(key)
            subset = _subset(font)
            if subset is None:
                group.mergeable = False
            else:
                group.subsets.append(subset)

    merged: dict[str, object] = {}
    for name, group in groups.items():
        if not group.mergeable or len(group.subsets) < 2:
            continue
        ref = _merged_font(writer, group.subsets)
        if ref is not None:
            merged[name] = ref
    if not merged:
        return 0
    for fonts in _font_dicts(writer):
        for key, ref in list(fonts.items()):
            name = str(ref.get_object().get("/BaseFont", ""))
            if name in merged:
                fonts[NameObject(key)] = merged[name]
    return len(merged)


def _union(maps: list[dict]) -> dict | None:
    """The union of the maps, or None when two of them disagree on a key."""
    union: dict = {}
    for mapping in maps:
        for key, value in mapping.items():
            if union.setdefault(key, value) != value:
                return None
    return union


def _merged_font(writer, subsets: list[_Subset]):
    """Add one font made of `subsets` to the writer; its /Type0 reference, or None when the
    subsets are not of one font."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        FloatObject,
        NameObject,
        NumberObject,
    )

    widths = _union([s.widths for s in subsets])
    if widths is None:
        return None
    # A glyph drawn for two characters (a space and a no-break space) maps to the first one
    # met, as in a document rendered whole.
    to_unicode: dict[int, str] = {}
    for s in subsets:
        to_unicode = {**s.to_unicode, **to_unicode}
    program = _merged_program(subsets)
    if program is None:
        return None
    first = subsets[0]

    font_file = DecodedStreamObject()
    font_file.set_data(program)
    font_file[NameObject("/Length1")] = NumberObject(len(program))
    font_file = font_file.flate_encode()

    descriptor = _copy(first.descriptor, "/FontFile2", "/CIDSet")
    descriptor[NameObject("/FontFile2")] = writer._add_object(font_file)
    flags = int(first.descriptor.get("/Flags", 0)) & ~FIXED_PITCH
    if len(widths) > 1 and len(set(widths.values())) == 1:
        flags |= FIXED_PITCH
    descriptor[NameObject("/Flags")] = NumberObject(flags)
    boxes = [
        list(map(float, s.descriptor["/FontBBox"])) for s in subsets if "/FontBBox" in s.descriptor
    ]
    if boxes:
        box = [min(b[0] for b in boxes), min(b[1] for b in boxes)]
        box += [max(b[2] for b in boxes), max(b[3] for b in boxes)]
        descriptor[NameObject("/FontBBox")] = ArrayObject(FloatObject(v) for v in box)
    if "/CIDSet" in first.descriptor:
        cid_set = DecodedStreamObject()
        bits = bytearray((max(widths) // 8 + 1) if widths else 1)
        for cid in widths:
            bits[cid // 8] |= 0x80 >> (cid % 8)
        cid_set.set_data(bytes(bits))
        descriptor[NameObject("/CIDSet")] = writer._add_object(cid_set.flate_encode())
    descriptor_ref = writer._add_object(descriptor)

    cid_font = _copy(first.cid_font, "/FontDescriptor", "/W")
    cid_font[NameObject("/FontDescriptor")] = descriptor_ref
    cid_font[NameObject("/W")] = _widths_array(widths)
    cid_font_ref = writer._add_object(cid_font)

    cmap = DecodedStreamObject()
    cmap.set_data(_to_unicode_cmap(to_unicode))
    font = _copy(first.font, "/DescendantFonts", "/ToUnicode")
    font[NameObject("/DescendantFonts")] = ArrayObject([cid_font_ref])
    font[NameObject("/ToUnicode")] = writer._add_object(cmap.flate_encode())
    return writer._add_object(font)


def _copy(dictionary, *dropped: str):
    """A new dictionary with the entries of `dictionary` but `dropped` (values shared)."""
    from pypdf.generic import DictionaryObject

    return DictionaryObject({k: v for k, v in dictionary.items() if k not in dropped})


def _widths_array(widths: dict[int, float]):
    from pypdf.generic import ArrayObject, FloatObject, NumberObject

    array = ArrayObject()
    run = None
    for cid in sorted(widths):
        if run is None or cid - 1 not in widths:
            run = ArrayObject()
            array += [NumberObject(cid), run]
        w = widths[cid]
        run.append(NumberObject(int(w)) if w == int(w) else FloatObject(w))
    return array


def _to_unicode_cmap(mapping: dict[int, str]) -> bytes:
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
    ]
    items = sorted(mapping.items())
    for start in range(0, len(items), 100):
        chunk = items[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar".encode())
        for gid, text in chunk:
            lines.append(f"<{gid:04x}> <{text.encode('utf-16-be').hex()}>".encode())
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _merged_program(subsets: list[_Subset]) -> bytes | None:
    """One TrueType font holding the glyphs of all the subsets, or None when they are not
    subsets of one font (two different outlines for one glyph id).

    WeasyPrint's subsets keep every glyph id up to the largest one the slice uses (its
    /ToUnicode keys), so the page content reads them by their ids in the whole font. Glyphs that
    only serve as parts of composite glyphs (combining accents of Vietnamese letters) may lie
    beyond that and are then numbered anew in each subset: they are copied after the shared ids,
    once per outline, and the composite glyphs are pointed at their copies.
    """
    from fontTools.ttLib import TTFont, newTable
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    if any(max(s.widths, default=0) > max(s.to_unicode, default=0) for s in subsets):
        return None
    # Only the subsets that bring a glyph not met before: the others hold nothing new (a used
    # glyph's parts come with it from the subset that brought it).
    needed, met = [], set()
    for s in subsets:
        if not met.issuperset(s.to_unicode):
            needed.append(s)
            met.update(s.to_unicode)
    fonts = [TTFont(io.BytesIO(s.program)) for s in needed]
    if any("glyf" not in f or "hmtx" not in f for f in fonts):
        return None
    limits = [max(s.to_unicode, default=0) for s in needed]
    top = max(limits)
    order = [".notdef"] + [f"glyph{gid:05d}" for gid in range(1, top + 1)]
    glyphs: dict[str, Glyph] = {name: Glyph() for name in order}
    metrics: dict[str, tuple[int, int]] = {name: (0, 0) for name in order}
    extras: dict[object, str] = {}  # a part's outline (or its origin) -> its name in the merge

    for font, limit in zip(fonts, limits, strict=True):
        source, glyf, hmtx = font.getGlyphOrder(), font["glyf"], font["hmtx"]
        copied: dict[int, str] = {}

        def place(gid, font=font, limit=limit, source=source, glyf=glyf, hmtx=hmtx, copied=copied):
            """The name in the merged font of this subset's glyph `gid` (copied there first)."""
            if gid <= limit:
                return order[gid]
            if gid in copied:
                return copied[gid]
            raw = glyf.glyphs[source[gid]]
            simple = hasattr(raw, "data") and not _composite(raw)
            key = (raw.data, hmtx.metrics[source[gid]]) if simple else (id(font), gid)
            name = extras.get(key)
            if name is None:
                name = extras[key] = f"part{len(extras):05d}"
                glyphs[name] = _renamed(glyf, source[gid], place)
                metrics[name] = hmtx.metrics[source[gid]]
            copied[gid] = name
            return name

        for gid in range(min(limit, len(source) - 1) + 1):
            raw = glyf.glyphs[source[gid]]
            if _empty(raw):
                continue
            name = order[gid]
            if not _empty(glyphs[name]):
                mine = glyphs[name]
                if not _composite(raw) and not _composite(mine) and _raw(mine) != _raw(raw):
                    return None
                continue
            glyphs[name] = _renamed(glyf, source[gid], place)
            metrics[name] = hmtx.metrics[source[gid]]

    merged = fonts[0]
    names = order + sorted(extras.values())
    for tag in list(merged.keys()):
        if tag not in KEPT_TABLES:
            del merged[tag]
    merged.setGlyphOrder(names)
    table = newTable("glyf")
    table.glyphOrder, table.glyphs = names, {name: glyphs[name] for name in names}
    merged["glyf"] = table
    merged["loca"] = newTable("loca")
    merged["hmtx"].metrics = {name: metrics[name] for name in names}
    merged["maxp"].numGlyphs = len(names)
    if "post" in merged:
        merged["post"].formatType = 3.0
    if "cmap" in merged:
        _merge_cmaps(merged["cmap"], fonts, limits, order)
    out = io.BytesIO()
    merged.save(out)
    return out.getvalue()


# Tables that the merged program keeps (the rest index glyphs and only serve text layout).
KEPT_TABLES = {"head", "hhea", "maxp", "OS/2", "name", "post", "cmap", "glyf", "loca", "hmtx"}
KEPT_TABLES |= {"cvt ", "fpgm", "prep", "gasp"}


def _renamed(glyf, name: str, place):
    """A copy of glyph `name` whose parts are named as in the merged font."""
    import copy

    raw = glyf.glyphs[name]
    if not _composite(raw):
        return raw
    glyph = copy.deepcopy(glyf[name])  # expanded: its parts by name in the subset
    order = glyf.glyphOrder
    for component in glyph.components:
        component.glyphName = place(order.index(component.glyphName))
    return glyph


def _merge_cmaps(cmap, fonts, limits, order) -> None:
    """Each subtable of `cmap`: the union of the subsets' characters, by merged glyph names
    (only the glyphs with their whole-font ids)."""
    for table in cmap.tables:
        union: dict[int, str] = {}
        for font, limit in zip(fonts, limits, strict=True):
            theirs = font["cmap"].getcmap(table.platformID, table.platEncID)
            if theirs is None:
                continue
            ids = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
            for code, name in theirs.cmap.items():
                gid = ids.get(name)
                if gid is not None and 0 < gid <= limit:
                    union.setdefault(code, order[gid])
        table.cmap = union


def _empty(glyph) -> bool:
    return not hasattr(glyph, "data") and getattr(glyph, "numberOfContours", 0) == 0


def _composite(glyph) -> bool:
    if hasattr(glyph, "data"):
        return len(glyph.data) >= 2 and int.from_bytes(glyph.data[:2], "big", signed=True) < 0
    return getattr(glyph, "numberOfContours", 0) < 0


def _raw(glyph) -> bytes | None:
    return getattr(glyph, "data", None)
