"""Vietnamese personal names: analysis, title case, search keys and why a name is not acceptable.

A name cell is repaired (:func:`treem_app.domain.legacy_text.repair_text`: NFC, legacy encodings,
spacing, apostrophes, tone placement per :mod:`treem_app.domain.syllables`), title-cased, given a
search key ("nguyen van an") and judged (NAME_INVALID: digits, garbled, symbols, a single word)
in one cached pass, :func:`analyse_name`. Words already in their final form are remembered
(:func:`canonical_keys`), so a name written correctly costs a few dictionary lookups.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from treem_app.domain._memo import memo, on_clear
from treem_app.domain.legacy_text import MOJIBAKE, classify_word, legacy_chars, repair_text
from treem_app.domain.syllables import (
    APOSTROPHES,
    LETTERS,
    NAME_PUNCT,
    split_tone,
    strip_diacritics,
    tone_word,
)

_DIGIT = re.compile(r"\d")
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
    odd = [c for c in word if c not in LETTERS and c not in NAME_PUNCT]
    legacy = legacy_chars()
    if any(c in legacy or unicodedata.category(c)[0] in "LMC" or c == "\ufffd" for c in odd):
        return 2
    if odd:
        return 3
    if split_tone(word.lower())[2] > 1:
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
    make a string legacy-encoded (see ``legacy_text.classify_word``); a string without such a
    word is normalised word by word from this cache, which is what keeps screening fast.
    """
    status, t, t_status, v, v_status, plain = classify_word(word)
    if status < 2 and (
        (t is not None and t_status > status) or (v is not None and v_status > status)
    ):
        return None
    quoted = plain.translate(APOSTROPHES)
    toned = tone_word(quoted)
    title = _title_word(toned)
    key = _word_key(title)
    problem = _word_problem(title) if title else 0
    if title == word and key and not problem and len(_CANONICAL) < 1 << 16:
        _CANONICAL[word] = key
    return quoted, toned, title, key, problem


# Words already in their final form (NFC, convention, title case, no problem) -> their search
# key: a name made only of such words, single-spaced, is final as written (the common case).
_CANONICAL: dict[str, str] = {}
on_clear(_CANONICAL.clear)


_EMPTY_NAME = NameFacts(None, None, False, (), None)


def canonical_keys(text: str) -> list[str] | None:
    """The search-key words of a name already in its final form, else None (fast check)."""
    keys = list(map(_CANONICAL.get, text.split(" ")))
    return None if None in keys else keys  # type: ignore[return-value]


def is_canonical_name(text: str) -> bool:
    """True when ``text`` is already exactly its normalised form (fast check, may say False)."""
    return None not in map(_CANONICAL.get, text.split(" "))


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
    keys = canonical_keys(text)
    if keys is not None:
        return NameFacts(text, " ".join(keys), False, (), None if len(keys) > 1 else "single_word")
    s = text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)
    if not MOJIBAKE.search(s):
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
    repaired, reasons = repair_text(text)
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
    repaired, _reasons = repair_text(text)
    return repaired or None


def name_key(s: str) -> str:
    """Search key of a name: no diacritics, đ to d, lower case, single spaces ("nguyen van an")."""
    return " ".join(k for w in s.split() if (k := _word_key(w)))


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


_FOLD_SPACE = re.compile(r"[^0-9a-z]+")


def fold(text: object) -> str:
    """A text for matching headers and category names: lower case, no diacritics ('đ' -> 'd'),
    punctuation and spaces as single spaces."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFD", str(text).lower().replace("đ", "d"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return _FOLD_SPACE.sub(" ", s).strip()
