"""Vietnamese personal names: Unicode NFC, tone placement, legacy encodings, spacing and title case.

Tone-mark convention: **old/traditional placement** ("kiểu cũ": hòa, khỏe, thúy, thủy). In an
open syllable whose vowel pair is ``oa``, ``oe`` or ``uy`` (no final consonant, not after ``qu``)
the tone goes on the first vowel; everywhere else both conventions agree (hoàn, quý, người, ngoài).
Why this one: it is the placement used by most official data (the GSO commune list writes 555 of
its names the old way and 97 the new way) and by UniKey's default; see
``reference/legacy_encodings/README.md`` ("Tone-mark placement"). Every name, every search key and
every comparison in the domain goes through :func:`apply_tone_convention`, so "Hoà" and "Hòa" are
one name. Syllables that are not standard Vietnamese (many minority names: "Ksor", "Niê") are
left exactly as written.

Legacy text: TCVN3 (ABC) and VNI-Windows text as it appears in a cell read with Windows-1252
(the tables in ``treem_app/reference/``, copied from ``reference/legacy_encodings/``). Detection is
per word with the whole string as context, because VNI and TCVN3 text can look like valid Unicode
("Thò" is VNI for "Thị", "Lª" is TCVN3 for "Lê") and some names are only partly legacy-encoded:
a word is decoded when it is not a valid Vietnamese syllable as written but is one after decoding;
a word that is valid either way is decoded only when other words of the same string prove the
encoding. TCVN3 capitals that share a byte with the small letter decode to the small letter
(UniKey's behaviour); names are title-cased afterwards anyway. :func:`to_tcvn3` writes accented
capitals at their TCVN 5712 VN1 positions so that Unicode -> TCVN3 -> Unicode is lossless.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

from treem_app.domain._memo import memo
from treem_app.domain._reference import read_csv

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
_LETTERS = frozenset(VIETNAMESE_LETTERS) | frozenset("fjwzFJWZ")
_NAME_PUNCT = frozenset("'-")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_TYPO_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_INVISIBLE = str.maketrans(
    {"\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None, "\u2060": None}
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
_DIGIT = re.compile(r"\d")
# Lead characters of UTF-8 Vietnamese read as Windows-1252 ("Nguyá»…n", "VÄƒn", "Ã¡").
_MOJIBAKE = re.compile("[ÃÄÅÆ]|á[º»]")


# Frequent syllables of Vietnamese personal names (family, middle and given names), lower case.
# Only a tie-breaker for legacy-encoding detection; never used to accept or reject a name.
COMMON_NAME_SYLLABLES = frozenset(
    """
nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh đoàn trương lâm mai
trịnh cao lương tô tạ châu thái hà quách kiều văn thị minh ngọc gia bảo quốc thanh hoàng hữu đức
công đình xuân thu kim anh an bình châu chi cúc dung duy dũng duyên giang hải hạnh hằng hiền hiếu
hiệp hòa hoa hồng huệ hùng hưng hương huy hạ khang khánh khoa khôi lan linh loan long mạnh my mỹ
nam nga ngân nghĩa nhi nhung như phong phúc phương quân quang quyên sơn tâm tài thảo thắng thành
thảo thủy thúy thư tiến tiên toàn trâm trang trí trinh trung tú tuấn tùng tuyết uyên vân việt vinh
vy yến hậu khải lộc nhân phát sang thiện thịnh tín trọng vĩnh đạt đông hào hiển kiệt lâm luân nhật
phú quý sang tâm thông tiên tường vũ ánh diệp đào hân khuê lam liên ly mai my nguyệt nhàn oanh
quỳnh sương thơ thùy trà trúc tuyền vy xuân yên
""".split()
)

# --------------------------------------------------------------------------- tones and syllables


def _split_tone(word: str) -> tuple[str, int, int]:
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


def _is_syllable(toneless_lower: str) -> bool:
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
def _tone_word(word: str) -> str:
    """Place the tone of one word per the convention; keep the word if it is not a syllable."""
    lower = word.lower()
    toneless, tone, count = _split_tone(lower)
    if count != 1 or not _is_syllable(toneless):
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
        _tone_word(p) if p and p[0] not in " -'" and not p.isspace() else p for p in parts
    )


def _word_status(word: str) -> int:
    """0: not clean Vietnamese letters; 1: clean but not a standard syllable; 2: a syllable."""
    if not word or not all(c in _LETTERS or c in _NAME_PUNCT for c in word):
        return 0
    status = 2
    for part in re.split(r"['\-]", word.lower()):
        if not part:
            continue
        toneless, _tone, count = _split_tone(part)
        if count > 1:
            return 0
        if not _is_syllable(toneless):
            status = 1
    return status


# --------------------------------------------------------------------------- legacy encodings


def _byte_char(b: int) -> str:
    """The character a byte shows as in a cell read as Windows-1252 (Latin-1 where undefined)."""
    try:
        return bytes([b]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(b)


@functools.cache
def _tcvn3_tables() -> tuple[dict[str, str], dict[str, str]]:
    decode: dict[str, str] = {}
    encode: dict[str, str] = {}
    shared: dict[str, str] = {}
    for row in read_csv("tcvn3.csv"):
        ch = _byte_char(int(row["legacy_bytes_hex"], 16))
        if row["decode_default"] == "yes":
            decode[ch] = row["unicode"]
            encode[row["unicode"]] = ch
        else:
            shared[row["unicode"]] = ch
    # TCVN 5712 VN1 gives the accented capitals their own positions (0x80-0x9F, some 0xA0-0xFF
    # and C0 slots, see tcvn5712_vn1_extra.csv); none of them collides with an ABC byte, so one
    # decoder reads both and the encoder can be lossless for capitals.
    for row in read_csv("tcvn5712_vn1_extra.csv"):
        ch = _byte_char(int(row["legacy_bytes_hex"], 16))
        decode[ch] = row["unicode"]
        if row["kind"] == "capital letter":
            encode[row["unicode"]] = ch
    for uni, ch in shared.items():  # a capital VN1 lacks (none today): fall back to the ABC byte
        encode.setdefault(uni, ch)
    return decode, encode


@functools.cache
def _vni_tables() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    one: dict[str, str] = {}
    two: dict[str, str] = {}
    encode: dict[str, str] = {}
    for row in read_csv("vni_windows.csv"):
        seq = "".join(_byte_char(int(h, 16)) for h in row["legacy_bytes_hex"].split())
        (two if len(seq) == 2 else one)[seq] = row["unicode"]
        encode[row["unicode"]] = seq
    return one, two, encode


def from_tcvn3(s: str) -> str:
    """Decode TCVN3 (ABC, and VN1 capitals) text read as Windows-1252, without detection."""
    decode, _ = _tcvn3_tables()
    return unicodedata.normalize("NFC", "".join(decode.get(c, c) for c in s))


def to_tcvn3(s: str) -> str:
    """Encode Unicode text as TCVN3 read as Windows-1252 (accented capitals at VN1 positions)."""
    _, encode = _tcvn3_tables()
    return "".join(encode.get(c, c) for c in unicodedata.normalize("NFC", s))


def from_vni(s: str) -> str:
    """Decode VNI-Windows text read as Windows-1252, without detection (greedy, 2 chars first)."""
    one, two, _ = _vni_tables()
    out = []
    i = 0
    n = len(s)
    while i < n:
        pair = s[i : i + 2]
        if len(pair) == 2 and pair in two:
            out.append(two[pair])
            i += 2
        else:
            out.append(one.get(s[i], s[i]))
            i += 1
    return "".join(out)


def to_vni(s: str) -> str:
    """Encode Unicode text as VNI-Windows read as Windows-1252."""
    _, _, encode = _vni_tables()
    return "".join(encode.get(c, c) for c in unicodedata.normalize("NFC", s))


@functools.cache
def _cp1252_reverse() -> dict[str, int]:
    rev = {chr(b): b for b in range(256)}
    for b in range(256):
        rev[_byte_char(b)] = b
    return rev


def _from_utf8_mojibake(s: str) -> str | None:
    """Undo UTF-8 bytes that were read as Windows-1252 ("Nguyá»…n"), or None."""
    rev = _cp1252_reverse()
    try:
        raw = bytes(rev[c] for c in s)
        fixed = raw.decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return None
    return unicodedata.normalize("NFC", fixed) if fixed != s else None


@memo(1 << 16)
def _classify(word: str) -> tuple[int, str | None, int, str | None, int, str]:
    """How one word reads: (status as written, TCVN3 reading or None, its status, VNI reading or
    None, its status, the word without invisible characters)."""
    # Typographic apostrophes (H’Mông) are apostrophes even though ’ and ‘ are also the VN1
    # positions of Ò and Ị: judge the word as written with them read as apostrophes.
    plain = word.translate(_INVISIBLE).translate(_TYPO_APOSTROPHES)
    t = from_tcvn3(word)
    v = unicodedata.normalize("NFC", from_vni(word))
    t_status = _word_status(t) if t != word else 0
    v_status = _word_status(v) if v != word else 0
    if "\u00ad" in word and t_status == 2:
        # TCVN3 ư is byte 0xAD, a soft hyphen in cp1252 (legacy_encodings/README.md, point 2):
        # "M\u00adêng" is "Mường", not "Mêng" with a stray invisible character.
        status = 0
    else:
        status = _word_status(plain)
    return status, (t if t != word else None), t_status, (v if v != word else None), v_status, plain


@memo(1 << 16)
def _votes(word: str) -> tuple[int, int, int, int]:
    """What one word adds to the case for TCVN3 and for VNI: (TCVN3 gain, VNI gain, TCVN3
    lexical points, VNI lexical points); see :func:`_decode_words`."""
    status, t, t_status, v, v_status, plain = _classify(word)
    out = [0, 0, 0, 0]
    for k, reading, r_status in ((0, t, t_status), (1, v, v_status)):
        if reading is None or not r_status:
            continue
        if status < 2 and r_status > status:
            out[k] += r_status - status
        common = COMMON_NAME_SYLLABLES
        if reading.lower() in common and plain.lower() not in common:
            out[2 + k] += 1
    return out[0], out[1], out[2], out[3]


@memo(1 << 16)
def _choice(key: tuple[str, str, bool]) -> tuple[str, str | None]:
    """(word as output, encoding used or None) for (word, preferred encoding, hinted?)."""
    word, preferred, hinted = key
    status, t, t_status, v, v_status, plain = _classify(word)
    cands = []
    if t is not None and t_status:
        cands.append((t_status, preferred == "tcvn3", "tcvn3", t))
    if v is not None and v_status:
        cands.append((v_status, preferred == "vni", "vni", v))
    choice = None
    if cands:
        best = max(cands)
        if status == 2 or hinted:
            if best[1] and best[0] >= min(status, 2) and best[0] > 0:
                choice = best  # valid both ways: follow the encoding the string proves
        elif best[0] > status or (best[1] and best[0] >= status):
            choice = best  # better, or as good in the encoding the string proves
    if choice is None:
        return plain, None
    return choice[3], choice[2]


def _decode_words(words: list[str], hint: str | None = None) -> tuple[list[str], str | None]:
    """Decode the legacy words of one string; return the words and the encoding used (if any).

    Each encoding scores the validity it gains on words that are not valid syllables as written,
    plus one point per word it turns into a common name syllable (a tie-breaker: "Leâ" is "Lê" in
    VNI but "Leõ" in TCVN3). ``hint`` forces the encoding (e.g. one detected for a whole column).
    Per-word scores and choices are cached (:func:`_votes`, :func:`_choice`).
    """
    preferred = hint
    if preferred is None:
        gain_t = gain_v = lex_t = lex_v = 0
        for gt, gv, lt, lv in map(_votes, words):
            gain_t += gt
            gain_v += gv
            lex_t += lt
            lex_v += lv
        if gain_t:  # ties go to TCVN3
            preferred = "tcvn3" if not gain_v or gain_t + lex_t >= gain_v + lex_v else "vni"
        elif gain_v:
            preferred = "vni"
        else:
            return [_classify(w)[5] for w in words], None
    hinted = hint is not None
    out = []
    used = None
    for w in words:
        word, enc = _choice((w, preferred, hinted))
        out.append(word)
        used = used or enc
    return out, used


@memo(1 << 16)
def _upper_tcvn3_word(pair: tuple[str, str]) -> str:
    """Upper-case a TCVN3 word written in capitals: its shared bytes decoded to small letters."""
    o, d = pair
    letters = [c for c in o if c.isascii() and c.isalpha()]
    if o != d and len(letters) >= 2 and all(c.isupper() for c in letters):
        d = d.upper()
    return d


def _upper_tcvn3_words(original: list[str], decoded: list[str]) -> list[str]:
    """Upper-case TCVN3 words written in capitals (see :func:`_upper_tcvn3_word`)."""
    return [_upper_tcvn3_word(pair) for pair in zip(original, decoded, strict=True)]


@memo(1 << 16)
def _repair(text: str) -> tuple[str, tuple[str, ...]]:
    """NFC, legacy decoding, invisible characters, apostrophes, spacing and tone placement."""
    reasons: list[str] = []
    s = unicodedata.normalize("NFC", text)
    if s != text:
        reasons.append("unicode")
    if not s.isascii() and _MOJIBAKE.search(s):
        fixed = _from_utf8_mojibake(s)
        if fixed is not None and all(_word_status(w) for w in fixed.split()):
            s = fixed
            reasons.append("encoding:utf8")
    words = s.split()
    if " ".join(words) != s:
        reasons.append("spacing")
    if not s.isascii():
        decoded, used = _decode_words(words)
        if used is not None:
            if used == "tcvn3":
                decoded = _upper_tcvn3_words(words, decoded)
            reasons.append(f"encoding:{used}")
        elif decoded != words:
            reasons.append("characters")
        words = [w for w in decoded if w]
    quoted = [w.translate(_APOSTROPHES) for w in words]
    if quoted != words:
        reasons.append("characters")
        words = quoted
    if not s.isascii():
        toned = [_tone_word(w) for w in words]
        if toned != words:
            reasons.append("tone")
            words = toned
    return " ".join(words), tuple(dict.fromkeys(reasons))


def decode_legacy(s: str, hint: str | None = None) -> str:
    """Return ``s`` with TCVN3/VNI (or UTF-8-as-cp1252) words decoded to Unicode NFC.

    ``hint`` ("tcvn3" or "vni"), when the encoding is known for the whole column or file, also
    decodes words that read as valid Unicode ("Hoà" is VNI for "Hồ").
    """
    if s.isascii():
        return s
    n = unicodedata.normalize("NFC", s)
    fixed = _from_utf8_mojibake(n) if _MOJIBAKE.search(n) else None
    if fixed is not None and all(_word_status(w) for w in fixed.split()):
        return fixed
    parts = re.split(r"(\s+)", n)
    words = parts[0::2]
    decoded, used = _decode_words(words, hint)
    if used == "tcvn3":
        decoded = _upper_tcvn3_words(words, decoded)
    parts[0::2] = decoded
    return "".join(parts)


def detect_legacy(s: str) -> str | None:
    """Name the legacy encoding found in ``s`` ("tcvn3", "vni", "utf8") or None."""
    _text, reasons = _repair(s)
    for r in reasons:
        if r.startswith("encoding:"):
            return r.split(":", 1)[1]
    return None


# --------------------------------------------------------------------------- names


_TITLE_PARTS = re.compile(r"(['\-])")


def _capital(ch: str) -> str:
    """The capital of one character, or the character itself when its capital is not one
    character ("ß" -> "SS" would not survive a second title-casing as "Ss")."""
    up = ch.upper()
    return up if len(up) == 1 else ch


def _title_word(word: str) -> str:
    parts = _TITLE_PARTS.split(word)
    return "".join(_capital(p[:1]) + p[1:].lower() if p not in ("'", "-") else p for p in parts)


def title_case(text: str) -> str:
    """Vietnamese title case: every word (and every part after ' or -) starts with a capital."""
    return " ".join(_title_word(w) for w in text.split())


def _to_text(raw: object) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


class NameFacts(NamedTuple):
    """Everything screening needs to know about one name cell."""

    value: str | None  # normalised (NFC, convention, spacing, title case); None when empty
    key: str | None  # search key ("nguyen van an")
    changed: bool  # value differs from the raw text
    reasons: tuple[str, ...]  # what was repaired (see normalize_name)
    problem: str | None  # see name_problem


_PROBLEMS = (None, "digits", "garbled", "symbols")  # by priority: lower number wins


@memo(1 << 16)
def _word_problem(word: str) -> int:
    """0 when one word of a normalised name is fine, else an index into _PROBLEMS."""
    if _DIGIT.search(word):
        return 1
    odd = [c for c in word if c not in _LETTERS and c not in _NAME_PUNCT]
    legacy = _legacy_chars()
    if any(c in legacy or unicodedata.category(c)[0] in "LMC" or c == "\ufffd" for c in odd):
        return 2
    if odd:
        return 3
    if _split_tone(word.lower())[2] > 1:
        return 2
    return 0


@memo(1 << 16)
def _word_key(word: str) -> str:
    s = strip_diacritics(word).replace("'", "").replace("\u2019", "").replace("-", " ")
    return " ".join(s.split())


@memo(1 << 16)
def _word_fast(word: str) -> tuple[str, str, str, str, int] | None:
    """(cleaned, toned, title-cased, key, problem) of a word no context can decode, else None.

    Only a word that is not a valid syllable as written but becomes one in a legacy encoding can
    make a string legacy-encoded (see :func:`_decode_words`); a string without such a word is
    normalised word by word from this cache, which is what keeps screening fast.
    """
    status, t, t_status, v, v_status, plain = _classify(word)
    if status < 2 and (
        (t is not None and t_status > status) or (v is not None and v_status > status)
    ):
        return None
    quoted = plain.translate(_APOSTROPHES)
    toned = _tone_word(quoted)
    title = _title_word(toned)
    key = _word_key(title)
    problem = _word_problem(title) if title else 0
    if title == word and key and not problem and len(_CANONICAL) < 1 << 16:
        _CANONICAL[word] = key
    return quoted, toned, title, key, problem


# Words already in their final form (NFC, convention, title case, no problem) -> their search
# key: a name made only of such words, single-spaced, is final as written (the common case).
_CANONICAL: dict[str, str] = {}


_EMPTY_NAME = NameFacts(None, None, False, (), None)


def canonical_keys(text: str) -> list[str] | None:
    """The search-key words of a name already in its final form, else None (fast check)."""
    get = _CANONICAL.get
    keys = [get(w) for w in text.split(" ")]
    return None if None in keys else keys  # type: ignore[return-value]


def is_canonical_name(text: str) -> bool:
    """True when ``text`` is already exactly its normalised form (fast check, may say False)."""
    canonical = _CANONICAL
    for w in text.split(" "):
        if w not in canonical:
            return False
    return True


def _analyse_text(text: str) -> NameFacts:
    """Analyse a name until it is stable, so that normalising twice equals normalising once.

    One pass is not always enough: a repair can expose another (a backtick turned into an
    apostrophe makes "`Î" read as the TCVN3 text "'Î"). Stable names, the usual case, cost
    one more cached lookup.
    """
    facts = _analyse_once(text)
    for _ in range(3):
        if not facts.changed or facts.value is None:
            break
        again = _analyse_once(facts.value)
        if not again.changed:
            break
        facts = NameFacts(
            again.value,
            again.key,
            True,
            tuple(dict.fromkeys(facts.reasons + again.reasons)),
            again.problem,
        )
    return facts


def _analyse_once(text: str) -> NameFacts:
    canonical = _CANONICAL
    keys = [canonical.get(w) for w in text.split(" ")]
    if None not in keys:
        return NameFacts(
            text,
            " ".join(keys),
            False,
            (),
            None
            if len(keys) > 1  # type: ignore[arg-type]
            else "single_word",
        )
    s = text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)
    if not _MOJIBAKE.search(s):
        fast = [_word_fast(w) for w in s.split()]
        if None not in fast:
            words = [f for f in fast if f[2]]  # type: ignore[index]
            if not words:
                return _EMPTY_NAME
            value = " ".join(f[2] for f in words)  # type: ignore[index]
            if value == text:
                reasons: tuple[str, ...] = ()
            else:
                found = ["unicode"] if s != text else []
                raw_words = s.split()
                if " ".join(raw_words) != s:
                    found.append("spacing")
                if any(f[0] != w for f, w in zip(fast, raw_words, strict=True)):  # type: ignore[index]
                    found.append("characters")
                if any(f[1] != f[0] for f in fast):  # type: ignore[index]
                    found.append("tone")
                if any(f[2] != f[1] for f in fast):  # type: ignore[index]
                    found.append("case")
                reasons = tuple(found)
            problems = [f[4] for f in words if f[4]]  # type: ignore[index]
            if problems:
                problem = _PROBLEMS[min(problems)]
            else:
                problem = "single_word" if len(words) < 2 else None
            key = " ".join(f[3] for f in words if f[3])  # type: ignore[index]
            return NameFacts(value, key, value != text, reasons, problem)
    repaired, reasons = _repair(text)
    if not repaired:
        return _EMPTY_NAME
    fast = [_word_fast(w) for w in repaired.split()]
    if None not in fast:  # the repaired words are plain Unicode now: reuse the word cache
        value = " ".join(f[2] for f in fast)  # type: ignore[index]
        if any(f[2] != f[1] for f in fast):  # type: ignore[index]
            reasons = (*reasons, "case")
        problems = [f[4] for f in fast if f[4]]  # type: ignore[index]
        problem = (
            _PROBLEMS[min(problems)] if problems else ("single_word" if len(fast) < 2 else None)
        )
        key = " ".join(f[3] for f in fast if f[3])  # type: ignore[index]
        return NameFacts(value, key, value != text, reasons, problem)
    value = title_case(repaired)
    if value != repaired and value.lower() == repaired.lower():
        reasons = (*reasons, "case")
    return NameFacts(value, name_key(value), value != text, reasons, name_problem(value))


def analyse_name(raw: object) -> NameFacts:
    """Normalise a name cell and derive its search key and problem in one (cached) pass."""
    text = _to_text(raw)
    if text is None:
        return _EMPTY_NAME
    return _analyse_text(text)


def normalize_name(raw: object) -> tuple[str | None, bool, tuple[str, ...]]:
    """Normalise a personal name: (value or None if empty, changed?, reasons).

    Reasons name what was repaired: "unicode" (not NFC), "encoding:tcvn3|vni|utf8", "spacing",
    "characters" (invisible characters, apostrophes), "tone" (placement), "case".
    """
    facts = analyse_name(raw)
    return facts.value, facts.changed, facts.reasons


def normalize_text(raw: object) -> str | None:
    """Normalise free text such as a hamlet name: NFC, legacy decoding, spacing, tone placement."""
    text = _to_text(raw)
    if text is None:
        return None
    repaired, _reasons = _repair(text)
    return repaired or None


def strip_diacritics(s: str) -> str:
    """Lower-case ``s`` and remove Vietnamese diacritics (đ to d); keep everything else."""
    s = unicodedata.normalize("NFC", s).lower().translate(_ASCII_FOLD)
    if s.isascii():
        return s
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def name_key(s: str) -> str:
    """Search key of a name: no diacritics, đ to d, lower case, single spaces ("nguyen van an")."""
    return " ".join(k for w in s.split() if (k := _word_key(w)))


@functools.cache
def _legacy_chars() -> frozenset[str]:
    decode, _ = _tcvn3_tables()
    one, two, _ = _vni_tables()
    chars = set(decode) | set(one) | {c for seq in two for c in seq}
    return frozenset(c for c in chars if c not in _LETTERS and not c.isascii())


def name_problem(name: str | None) -> str | None:
    """Why a normalised full name is not acceptable: "digits", "garbled", "symbols",
    "single_word", or None when it is fine."""
    if not name:
        return None
    words = name.split()
    problems = [p for w in words if (p := _word_problem(w))]
    if problems:
        return _PROBLEMS[min(problems)]
    return "single_word" if len(words) < 2 else None


def family_and_given(name: str) -> tuple[str, str]:
    """Split a normalised name into (family name, given name): the first and the last word."""
    words = name.split()
    return (words[0], words[-1]) if words else ("", "")


def names_equal(a: str | None, b: str | None) -> bool:
    """True when two names are the same after normalisation (case, spacing, tones, encoding)."""
    if not a or not b:
        return False
    return normalize_name(a)[0] == normalize_name(b)[0]
