"""The 54 ethnic groups of Việt Nam by their official 2-digit code, and alias matching.

Codes follow Quyết định 121-TCTK/PPCĐ (1979); names and aliases come from
``treem_app/reference/ethnic_groups.csv`` (copied from ``reference/ethnic_groups.csv``). Matching
follows ``ethnic_groups_NOTES.md``: NFC, lower case, no spaces, hyphens or apostrophes, a trailing
parenthesised part dropped ("Kinh (Việt)" -> "kinh"). Spellings without diacritics match too,
except where two groups would collide. ``other_names_1979`` is never matched (ambiguous), bare
numbers are never read as codes (a 2008 GSO list numbers the groups differently), and code 55
("Người nước ngoài", a convention) is not one of the 54 groups.
"""

from __future__ import annotations

import functools
import re

from treem_app.domain._memo import memo
from treem_app.domain._reference import read_csv
from treem_app.domain.legacy_text import decode_legacy
from treem_app.domain.syllables import apply_tone_convention, strip_diacritics

_PAREN = re.compile(r"\(([^)]*)\)")
_PREFIX = re.compile(r"^(?:dân tộc|dan toc|dt\.?|người|nguoi)\s+")
_DROP = re.compile(r"[\s\-'\u2019.]+")


@functools.cache
def ethnic_groups() -> dict[str, str]:
    """Code -> official name for the 54 groups ("01" Kinh ... "54" Rơ-măm)."""
    return {
        row["code"]: row["name"] for row in read_csv("ethnic_groups.csv") if row["code"] != "55"
    }


def ethnicity_name(code: str | None) -> str | None:
    """The official name for a 2-digit code (None when unknown)."""
    if code is None:
        return None
    return ethnic_groups().get(code) or {
        row["code"]: row["name"] for row in read_csv("ethnic_groups.csv")
    }.get(code)


def _key(text: str) -> str:
    return _DROP.sub("", apply_tone_convention(text.lower()))


@functools.cache
def _index() -> dict[str, str]:
    exact: dict[str, str] = {}
    folded: dict[str, set[str]] = {}
    for row in read_csv("ethnic_groups.csv"):
        code = row["code"]
        if code == "55":
            continue
        spellings = [row["name"], *filter(None, row["aliases"].split("|"))]
        for sp in spellings:
            for variant in (sp, _PAREN.sub("", sp)):
                k = _key(variant)
                if k:
                    exact.setdefault(k, code)
                    folded.setdefault(strip_diacritics(k), set()).add(code)
    index = dict(exact)
    for k, codes in folded.items():
        if len(codes) == 1:  # a spelling without diacritics that names only one group
            index.setdefault(k, next(iter(codes)))
    return index


@memo(4096)
def _lookup(text: str) -> str | None:
    s = " ".join(decode_legacy(text).split()).lower()
    s = _PREFIX.sub("", s)
    index = _index()
    candidates = [_PAREN.sub("", s)]
    candidates += _PAREN.findall(s)
    for cand in candidates:
        k = _key(cand)
        if not k:
            continue
        code = index.get(k) or index.get(strip_diacritics(k))
        if code:
            return code
    return None


def normalize_ethnicity(raw: object) -> tuple[str | None, str | None]:
    """Map a raw ethnicity cell to its code: (code, None), or (None, "missing" | "unknown")."""
    if raw is None:
        return None, "missing"
    text = raw.strip() if isinstance(raw, str) else str(raw)
    if not text:
        return None, "missing"
    code = _lookup(text)
    return (code, None) if code else (None, "unknown")
