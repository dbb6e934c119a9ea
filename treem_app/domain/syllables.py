"""The Vietnamese alphabet, syllables and tone-mark placement, and diacritic folding.

Tone-mark convention: **old/traditional placement** ("kiểu cũ": hòa, khỏe, thúy, thủy). In an
open syllable whose vowel pair is ``oa``, ``oe`` or ``uy`` (no final consonant, not after ``qu``)
the tone goes on the first vowel; everywhere else both conventions agree (hoàn, quý, người, ngoài).
Why this one: it is the placement used by most official data (the GSO commune list writes 555 of
its names the old way and 97 the new way) and by UniKey's default; see
``reference/legacy_encodings/README.md`` ("Tone-mark placement"). Every name, every search key and
every comparison in the domain goes through :func:`apply_tone_convention` (or :func:`tone_word`),
so "Hoà" and "Hòa" are one name. Syllables that are not standard Vietnamese (many minority names:
"Ksor", "Niê") are left exactly as written.
"""

from __future__ import annotations

import re
import unicodedata

from treem_app.domain._memo import memo

OLD_STYLE = True  # the tone-mark convention described above

# none, huyền, sắc, hỏi, ngã, nặng
_TONE_MARKS = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_BASE_VOWELS = "aăâeêioôơuưy"
_MOD_VOWELS = frozenset("ăâêôơư")


def _build_alphabet() -> tuple[dict[str, tuple[str, int]], dict[tuple[str, int], str]]:
    decomp: dict[str, tuple[str, int]] = {}
    comp: dict[tuple[str, int], str] = {}
    for base in _BASE_VOWELS + _BASE_VOWELS.upper():
        for tone, mark in enumerate(_TONE_MARKS):
            ch = unicodedata.normalize("NFC", base + mark)
            decomp[ch] = (base, tone)
            comp[(base, tone)] = ch
    return decomp, comp


_DECOMP, _COMP = _build_alphabet()

#: Every letter of the Vietnamese alphabet with every tone, small then capital (NFC).
VIETNAMESE_LETTERS: str = "".join(
    dict.fromkeys(
        [c for c in _DECOMP if c.islower()]
        + list("bcdđghklmnpqrstvx")
        + [c for c in _DECOMP if c.isupper()]
        + list("BCDĐGHKLMNPQRSTVX")
    )
)
#: The letters a name may be written with: the Vietnamese alphabet plus f, j, w, z.
LETTERS = frozenset(VIETNAMESE_LETTERS) | frozenset("fjwzFJWZ")
#: The punctuation a name word may hold between letters (H'Mông, Ka-Ra).
NAME_PUNCT = frozenset("'-")
#: Apostrophe look-alikes (typographic quotes, modifier letter, backtick, acute) to "'".
# Letters that look like Đ/đ but are not (Icelandic eth, African D), found in real files:
# "Bùi Gia Ðạt" is "Bùi Gia Đạt". Mapped with the apostrophes as a recorded "characters" fix.
LOOKALIKES = {"\u00d0": "Đ", "\u00f0": "đ", "\u0189": "Đ", "\u0256": "đ"}
APOSTROPHES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'", **LOOKALIKES}
)

# Strip diacritics for search keys: every Vietnamese letter to its ASCII base, đ to d.
_ASCII_FOLD = {
    ord(c): (
        b if b in "aeiouy" else {"ă": "a", "â": "a", "ê": "e", "ô": "o", "ơ": "o", "ư": "u"}[b]
    )
    for c, (b, _t) in _DECOMP.items()
    if c.islower()
}
_ASCII_FOLD[ord("đ")] = "d"

# A Vietnamese syllable written without its tone (lower case). Vowel groups are sorted into those
# that may, must, or must not take a final consonant; "gi" and "qu" are initials.
_INITIAL = r"(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x)?"
_FINAL = r"(?:ch|ng|nh|c|m|n|p|t)"
_OPTIONAL_FINAL = "uyê|oa|oe|uê|uy|uơ|a|e|ê|i|o|ô|ơ|u|ư|y"
_NEEDS_FINAL = "oă|uâ|iê|yê|uô|ươ|oo|ă|â"
_NO_FINAL = (
    "iêu|yêu|oai|oay|oao|oeo|uây|uôi|ươi|ươu|uyu|uya|ai|ao|au|ay|âu|ây|eo|êu|ia|iu|oi|ôi|"
    "ơi|ua|ui|ưa|ưi|ưu"
)
_SYLLABLE = re.compile(
    rf"{_INITIAL}(?:(?:{_NO_FINAL})|(?:{_NEEDS_FINAL}){_FINAL}|(?:{_OPTIONAL_FINAL}){_FINAL}?)"
)


def split_tone(word: str) -> tuple[str, int, int]:
    """Return (word without tone marks, the tone, how many letters carried a tone)."""
    tone = 0
    count = 0
    out = []
    for ch in word:
        d = _DECOMP.get(ch)
        if d is not None and d[1]:
            tone = d[1]
            count += 1
            out.append(d[0])
        else:
            out.append(ch)
    return "".join(out), tone, count


def is_syllable(toneless_lower: str) -> bool:
    """True when a lower-case word without tone marks is a standard Vietnamese syllable."""
    return _SYLLABLE.fullmatch(toneless_lower) is not None


def _tone_position(toneless: str) -> int:
    """Index of the vowel that carries the tone in a valid toneless syllable (lower case)."""
    start = 0
    if toneless.startswith("qu") and len(toneless) > 2 and toneless[2] in _BASE_VOWELS:
        start = 2
    elif toneless.startswith("gi") and len(toneless) > 2 and toneless[2] in _BASE_VOWELS:
        start = 2
    while start < len(toneless) and toneless[start] not in _BASE_VOWELS:
        start += 1
    end = start
    while end < len(toneless) and toneless[end] in _BASE_VOWELS:
        end += 1
    if end == start:  # "gì", "gìn": the i of gi is the vowel
        return toneless.index("i")
    vowels = range(start, end)
    modified = [i for i in vowels if toneless[i] in _MOD_VOWELS]
    if modified:
        return modified[-1]  # ươ, uô, iê, yê...: on the last modified vowel (người, muốn)
    if len(vowels) == 1:
        return start
    if end < len(toneless):  # a final consonant: on the last vowel (hoàn, toán, huýt)
        return end - 1
    if len(vowels) == 2:
        pair = toneless[start:end]
        if pair in ("oa", "oe", "uy"):
            return start if OLD_STYLE else start + 1
        return start  # mía, múa, hài, cáo, túi
    return start + 1  # oai, oay, oeo, uyu: the middle vowel (ngoài, xoáy)


@memo(1 << 16)
def tone_word(word: str) -> str:
    """Place the tone of one word per the convention; keep the word if it is not a syllable."""
    lower = word.lower()
    toneless, tone, count = split_tone(lower)
    if count != 1 or not is_syllable(toneless):
        return word
    pos = _tone_position(toneless)
    out = []
    for i, ch in enumerate(word):
        base = toneless[i]
        if i == pos:
            base = _COMP[(base, tone)]
        out.append(base.upper() if ch.isupper() else base)
    return "".join(out)


def apply_tone_convention(text: str) -> str:
    """Move tone marks to the project's placement (old style: hòa, khỏe, thúy) in every word."""
    parts = re.split(r"([\s\-']+)", unicodedata.normalize("NFC", text))
    return "".join(
        tone_word(p) if p and p[0] not in " -'" and not p.isspace() else p for p in parts
    )


def word_status(word: str) -> int:
    """0: not clean Vietnamese letters; 1: clean but not a standard syllable; 2: a syllable."""
    if not word or not all(c in LETTERS or c in NAME_PUNCT for c in word):
        return 0
    status = 2
    for part in re.split(r"['\-]", word.lower()):
        if not part:
            continue
        toneless, _tone, count = split_tone(part)
        if count > 1:
            return 0
        if not is_syllable(toneless):
            status = 1
    return status


def strip_diacritics(s: str) -> str:
    """Lower-case ``s`` and remove Vietnamese diacritics (đ to d); keep everything else."""
    s = unicodedata.normalize("NFC", s).lower().translate(_ASCII_FOLD)
    if s.isascii():
        return s
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
