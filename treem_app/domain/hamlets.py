"""Hamlet names (thôn, tổ dân phố, xóm, ấp, bản...): one written form and one matching key.

The same hamlet reaches treem written many ways: "Thôn An Hòa", "thôn an hòa", "Thôn An Hoà",
"Th. An Hòa", "TDP 5", "T.D.P số 05". :func:`normalize_hamlet` gives the form treem stores and
shows:

- the text repaired as every free text is (NFC, legacy encodings, invisible characters,
  spacing, the project's tone placement: :func:`treem_app.domain.names.normalize_text`);
- the kind of place first, in full and in sentence case ("Thôn", "Tổ dân phố", "Khu phố",
  "Xóm", "Ấp", "Bản"...), its abbreviations expanded ("Th.", "Th", "TDP", "T.D.P", "KP");
- the rest in Vietnamese title case ("An Hòa"), a number's letters in capitals ("12B"), a
  Roman numeral in capitals ("II"), "số" before a number in small letters.

:func:`hamlet_key` is what two spellings of one hamlet share: the written form folded to
lower case, punctuation dropped, "số" before a number and a number's leading zeros dropped
("Tổ dân phố số 05" and "TDP 5" share "tổ dân phố 5"). Diacritics other than the tone's place
are kept: "An Hòa" and "An Hóa" may be two hamlets, and only an officer may say they are one
(services.hamlets merges them). A name without a kind ("An Hòa") keeps none: whether it is a
thôn or a xóm is not guessed.
"""

from __future__ import annotations

import re
import unicodedata

from treem_app.domain._memo import memo
from treem_app.domain.names import normalize_text, title_case
from treem_app.domain.syllables import is_syllable, split_tone

# The kinds of place, as written in full (sentence case), longest first where one starts
# another ("Tổ dân phố" before "Tổ", "Khu phố" before "Khu").
KINDS = (
    "Tổ dân phố",
    "Khu phố",
    "Khu dân cư",
    "Thôn",
    "Tổ",
    "Xóm",
    "Ấp",
    "Bản",
    "Buôn",
    "Làng",
    "Plei",
    "Sóc",
    "Khối",
    "Khóm",
    "Khu",
)

# Abbreviations and spellings without diacritics of a kind (lower case, dots and spaces
# removed): only those that cannot be the first word of a hamlet's own name.
ABBREVIATIONS = {
    "th": "Thôn",
    "thon": "Thôn",
    "tdp": "Tổ dân phố",
    "tổdp": "Tổ dân phố",
    "todanpho": "Tổ dân phố",
    "kp": "Khu phố",
    "khupho": "Khu phố",
    "kdc": "Khu dân cư",
    "xom": "Xóm",
}

_KIND_WORDS = {tuple(k.lower().split()): k for k in KINDS}
_LONGEST_KIND = max(len(k) for k in _KIND_WORDS)
# The first run of letters, its dot and the spaces after it ("Th. ", "TDP", "Th.").
_FIRST_LETTERS = re.compile(r"([^\W\d_]+)\.?\s*")
# Initials with dots, written together or apart ("T.D.P", "T. D. P.", "K.P.").
_INITIALS = re.compile(r"^((?:[^\W\d_]\.\s*)+[^\W\d_]\.?)(?![^\W\d_])\s*")
# A number glued to the first word ("Thôn5", "Tổ12").
_GLUED_NUMBER = re.compile(r"^([^\W\d_]+)(\d)")
_ROMAN = frozenset(
    "i ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx".split()
)
_TRIM = " \t.,;:-\u2013\u2014_/\\|\"'()[]"


def _kind_of(words: list[str]) -> tuple[str | None, list[str]]:
    """(the kind of place the words start with, in full, or None; the words after it)."""
    lowered = [w.lower() for w in words]
    for size in range(min(_LONGEST_KIND, len(words)), 0, -1):
        kind = _KIND_WORDS.get(tuple(lowered[:size]))
        if kind is not None:
            return kind, words[size:]
    return None, words


def _expand_abbreviation(text: str) -> str:
    """ "Th. An Hòa" -> "Thôn An Hòa", "T.D.P 5" / "TDP5" -> "Tổ dân phố 5", "to dan pho 5"
    -> "Tổ dân phố 5"; anything else as it is."""
    text = _INITIALS.sub(lambda m: re.sub(r"[\s.]", "", m.group(1)) + " ", text)
    first = _FIRST_LETTERS.match(text)
    if first is not None:
        kind = ABBREVIATIONS.get(first.group(1).lower())
        if kind is not None:
            return f"{kind} {text[first.end() :]}".strip()
    words = text.split()
    for size in (3, 2):
        kind = ABBREVIATIONS.get("".join(words[:size]).replace(".", "").lower())
        if len(words) >= size and kind is not None:
            return " ".join([kind, *words[size:]])
    return text


def _name_word(word: str, raw_upper: bool) -> str:
    """One word of a hamlet's own name: title case; numbers and Roman numerals in capitals."""
    lower = word.lower()
    if any(c.isdigit() for c in word):
        return word.upper()
    if lower in _ROMAN and (raw_upper or not is_syllable(split_tone(lower)[0])):
        return word.upper()
    return title_case(word)


@memo(1 << 14)
def _normalize(text: str) -> str | None:
    # A number glued to the first word ("Thôn5", "TDP12"), split before any repair reads it.
    repaired = normalize_text(_GLUED_NUMBER.sub(r"\1 \2", text.strip(_TRIM)))
    if repaired is None:
        return None
    repaired = repaired.strip(_TRIM)
    if not repaired:
        return None
    repaired = _expand_abbreviation(repaired)
    words = repaired.split()
    kind, rest = _kind_of(words)
    out: list[str] = [kind] if kind else []
    for i, word in enumerate(rest):
        following = rest[i + 1] if i + 1 < len(rest) else ""
        if word.lower() == "số" and following[:1].isdigit():
            out.append("số")
            continue
        out.append(_name_word(word, word.isupper()))
    return " ".join(out) or None


def normalize_hamlet(raw: object) -> str | None:
    """The written form of a hamlet's name (see the module docstring); None when empty."""
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = raw if isinstance(raw, str) else str(raw)
    if not text.strip():
        return None
    # Normalising may uncover what the next pass repairs again (dropping "A." from junk such
    # as "A.â" leaves text that reads as a legacy encoding): go on until the form is stable,
    # so the stored form never changes on a second pass.
    name = _normalize(text)
    for _ in range(4):
        again = _normalize(name) if name else name
        if again == name:
            break
        name = again
    return name or None


@memo(1 << 14)
def _key(name: str) -> str:
    words = re.findall(r"\w+", unicodedata.normalize("NFC", name).casefold())
    out: list[str] = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        if word == "số" and following[:1].isdigit():
            continue
        if word.isdigit():
            word = str(int(word))
        elif word[:1].isdigit():  # "05b" -> "5b"
            word = word.lstrip("0") or "0"
        out.append(word)
    return " ".join(out)


def hamlet_key(raw: object) -> str | None:
    """What every spelling of one hamlet shares (see the module docstring); None when empty."""
    name = normalize_hamlet(raw)
    return None if name is None else _key(name)


def same_hamlet(a: object, b: object) -> bool:
    """True when two spellings name the same hamlet (the same key)."""
    key = hamlet_key(a)
    return key is not None and key == hamlet_key(b)
