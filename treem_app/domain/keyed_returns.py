"""Step 3 by hand: the police's answers keyed from the signed paper list (plain Python).

The police often write on the printed list instead of the sheet. The officer (or the police)
keys each row's number, result and note into a grid; the rows are then judged and applied
exactly as a returned sheet's (:func:`treem_app.domain.police_returns.judge`). With double
entry the rows are keyed twice, the second time without seeing the first: only the rows whose
two passes agree are applied, the others are listed to be settled against the paper.
"""

from __future__ import annotations

from dataclasses import dataclass

from .police_returns import (
    ANSWER_RULES,
    CONFLICT,
    EMPTY,
    POLICE_RESULT_TEXTS,
    REJECTED,
    RESULT_MISMATCH,
    RESULT_NOT_FOUND,
    RESULT_VERIFIED,
    Answer,
    Outcome,
    clean_number,
    text_of,
)

# The result select of the grid: the police's answers of the sheet, the first one as the
# police say it on paper ("Khớp"); the value stored is the key, the answer judged carries the
# sheet's own text, so a keyed row and a sheet's row are the same answer.
RESULT_CHOICES = (
    (RESULT_VERIFIED, "Khớp"),
    (RESULT_MISMATCH, POLICE_RESULT_TEXTS[RESULT_MISMATCH]),
    (RESULT_NOT_FOUND, POLICE_RESULT_TEXTS[RESULT_NOT_FOUND]),
)
RESULT_KEYS = frozenset(key for key, _ in RESULT_CHOICES)
CHOICE_LABELS = dict(RESULT_CHOICES)
DUPLICATE_WITHIN = "trong bảng nhập (cả STT {rows})"
MAX_NUMBER = 32
MAX_NOTE = 500


@dataclass(frozen=True, slots=True)
class Keyed:
    """One row as keyed in one pass: the number as typed, the result key, the note."""

    number: str | None = None
    result: str | None = None
    note: str | None = None

    @classmethod
    def typed(cls, number: object, result: object, note: object) -> Keyed:
        """What a form sent, tidied: spaces around the number dropped, an unknown result
        ignored, the note's spacing collapsed; over-long text cut."""
        digits = "".join(str(number or "").split())[:MAX_NUMBER] or None
        key = str(result or "").strip()
        text = (text_of(note) or "")[:MAX_NOTE] or None
        return cls(digits, key if key in RESULT_KEYS else None, text)

    @property
    def empty(self) -> bool:
        return not (self.number or self.result or self.note)

    def answer(self) -> Answer:
        """The answer judged: the same cells a returned sheet holds."""
        return Answer(self.number, POLICE_RESULT_TEXTS.get(self.result or ""), self.note)

    def key(self) -> tuple[str | None, str | None]:
        """What two passes must agree on: the number (leading zeros, spacing aside) and the
        result. The notes are not compared (free text); the first pass's is kept."""
        number, _ = clean_number(self.number)
        return number, self.result

    def shown(self) -> str:
        """For the list of mismatches: "052… · Khớp" or "(trống)"."""
        parts = [p for p in (self.number, CHOICE_LABELS.get(self.result or "")) if p]
        return " · ".join(parts) if parts else "(trống)"


def pair(first: Keyed | None, second: Keyed | None) -> tuple[Keyed | None, bool]:
    """Two passes of one row: (the agreed row or None, whether they disagree). A row left empty
    in both passes agrees (nothing to apply); keyed in one pass only, it disagrees."""
    a, b = first or Keyed(), second or Keyed()
    if a.empty and b.empty:
        return None, False
    if a.key() != b.key():
        return None, True
    return Keyed(a.number, a.result, a.note or b.note), False


# What the grid says beside a row while it is keyed (not yet applied).
def live_message(outcome: Outcome) -> tuple[str, str]:
    """(tone, Vietnamese text) for the row's live check: tone is ok / info (the police's own
    negative answer) / error / warning / ''."""
    if outcome.status == EMPTY:
        return "", ""
    if outcome.reason in {str(rule) for rule in ANSWER_RULES.values()}:
        return "info", outcome.message
    if outcome.status == CONFLICT:
        return "warning", f"{outcome.message} Khi áp dụng, cán bộ sẽ quyết định dòng này."
    if outcome.status == REJECTED:
        return "error", outcome.message
    return "ok", f"Hợp lệ: số {outcome.number} khớp giới tính và năm sinh của trẻ."
