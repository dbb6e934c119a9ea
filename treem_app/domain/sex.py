"""Sex as recorded: canonical "M" (Nam) or "F" (Nữ), from every common spelling.

Unknown values are reported, never guessed: digits ("1", "0") are not read because exports
disagree on what they mean.
"""

from __future__ import annotations

from treem_app.domain._memo import memo
from treem_app.domain.legacy_text import decode_legacy
from treem_app.domain.syllables import strip_diacritics

SEX_LABELS: dict[str, str] = {"M": "Nam", "F": "Nữ"}

_MALE = (
    "nam",
    "trai",
    "con trai",
    "be trai",
    "nam gioi",
    "gioi tinh nam",
    "m",
    "male",
    "boy",
    "man",
)
_FEMALE = (
    "nu",
    "gai",
    "con gai",
    "be gai",
    "nu gioi",
    "gioi tinh nu",
    "f",
    "female",
    "girl",
    "woman",
    "nu.",
)
_SPELLINGS = {**dict.fromkeys(_MALE, "M"), **dict.fromkeys(_FEMALE, "F")}


@memo(1024)
def _lookup(text: str) -> str | None:
    s = decode_legacy(text) if not text.isascii() else text
    return _SPELLINGS.get(" ".join(strip_diacritics(s).split()))


def normalize_sex(raw: object) -> tuple[str | None, str | None]:
    """Map a raw sex cell to "M"/"F": (value, None), or (None, "missing" | "invalid")."""
    if raw is None:
        return None, "missing"
    if not isinstance(raw, str):
        return None, "invalid"
    text = raw.strip()
    if not text:
        return None, "missing"
    value = _lookup(text)
    return (value, None) if value else (None, "invalid")


def sex_label(value: str | None) -> str:
    """Display label ("Nam"/"Nữ"), '' when unknown."""
    return SEX_LABELS.get(value or "", "")
