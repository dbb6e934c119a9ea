"""Legacy Vietnamese text: TCVN3 (ABC) and VNI-Windows detection and decoding, text repair.

TCVN3 and VNI-Windows text as it appears in a cell read with Windows-1252 (the tables in
``treem_app/reference/``, copied from ``reference/legacy_encodings/``). Detection is per word with
the whole string as context, because VNI and TCVN3 text can look like valid Unicode ("Thò" is VNI
for "Thị", "Lª" is TCVN3 for "Lê") and some names are only partly legacy-encoded: a word is
decoded when it is not a valid Vietnamese syllable as written but is one after decoding; a word
that is valid either way is decoded only when other words of the same string prove the encoding.
TCVN3 capitals that share a byte with the small letter decode to the small letter (UniKey's
behaviour); names are title-cased afterwards anyway. :func:`to_tcvn3` writes accented capitals at
their TCVN 5712 VN1 positions so that Unicode -> TCVN3 -> Unicode is lossless.

:func:`repair_text` is the whole repair of one cell's text (NFC, UTF-8 read as Windows-1252,
legacy decoding, invisible characters, apostrophes, spacing and tone placement).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from treem_app.domain._memo import memo
from treem_app.domain._reference import read_csv
from treem_app.domain.syllables import APOSTROPHES, LETTERS, tone_word, word_status

_TYPO_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_INVISIBLE = str.maketrans(
    {"\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None, "\u2060": None}
)
#: Lead characters of UTF-8 Vietnamese read as Windows-1252 ("Nguyá»…n", "VÄƒn", "Ã¡").
MOJIBAKE = re.compile("[ÃÄÅÆ]|á[º»]")


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

# --------------------------------------------------------------------------- code tables


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
def legacy_chars() -> frozenset[str]:
    """The non-ASCII characters of TCVN3/VNI text that are not Vietnamese letters."""
    decode, _ = _tcvn3_tables()
    one, two, _ = _vni_tables()
    chars = set(decode) | set(one) | {c for seq in two for c in seq}
    return frozenset(c for c in chars if c not in LETTERS and not c.isascii())


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


# --------------------------------------------------------------------------- detection


@memo(1 << 16)
def classify_word(word: str) -> tuple[int, str | None, int, str | None, int, str]:
    """How one word reads: (status as written, TCVN3 reading or None, its status, VNI reading or
    None, its status, the word without invisible characters); statuses as :func:`word_status`."""
    # Typographic apostrophes (H’Mông) are apostrophes even though ’ and ‘ are also the VN1
    # positions of Ò and Ị: judge the word as written with them read as apostrophes.
    plain = word.translate(_INVISIBLE).translate(_TYPO_APOSTROPHES)
    t = from_tcvn3(word)
    v = unicodedata.normalize("NFC", from_vni(word))
    t_status = word_status(t) if t != word else 0
    v_status = word_status(v) if v != word else 0
    if "\u00ad" in word and t_status == 2:
        # TCVN3 ư is byte 0xAD, a soft hyphen in cp1252 (legacy_encodings/README.md, point 2):
        # "M\u00adêng" is "Mường", not "Mêng" with a stray invisible character.
        status = 0
    else:
        status = word_status(plain)
    return status, (t if t != word else None), t_status, (v if v != word else None), v_status, plain


@memo(1 << 16)
def _votes(word: str) -> tuple[int, int, int, int]:
    """What one word adds to the case for TCVN3 and for VNI: (TCVN3 gain, VNI gain, TCVN3
    lexical points, VNI lexical points); see :func:`_decode_words`."""
    status, t, t_status, v, v_status, plain = classify_word(word)
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
    status, t, t_status, v, v_status, plain = classify_word(word)
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
            return [classify_word(w)[5] for w in words], None
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


# --------------------------------------------------------------------------- repair


@memo(1 << 16)
def repair_text(text: str) -> tuple[str, tuple[str, ...]]:
    """NFC, legacy decoding, invisible characters, apostrophes, spacing and tone placement.

    Returns the repaired text and the reasons found (see ``names.normalize_name``).
    """
    reasons: list[str] = []
    s = unicodedata.normalize("NFC", text)
    if s != text:
        reasons.append("unicode")
    if not s.isascii() and MOJIBAKE.search(s):
        fixed = _from_utf8_mojibake(s)
        if fixed is not None and all(word_status(w) for w in fixed.split()):
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
    quoted = [w.translate(APOSTROPHES) for w in words]
    if quoted != words:
        reasons.append("characters")
        words = quoted
    if not s.isascii():
        toned = [tone_word(w) for w in words]
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
    fixed = _from_utf8_mojibake(n) if MOJIBAKE.search(n) else None
    if fixed is not None and all(word_status(w) for w in fixed.split()):
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
    _text, reasons = repair_text(s)
    for r in reasons:
        if r.startswith("encoding:"):
            return r.split(":", 1)[1]
    return None
