"""Step 4: what the national software holds against what treem holds, per record.

Each record keeps the facts as the software showed them in the last imported export
(``software_facts``: text per field, in the form history uses: 05/03/2015, "M", "01", or the raw
cell where screening repaired it). What differs from treem's facts is what the officer types
into the software. States of a record:

- ``pending``: treem's facts differ from the software's (or the child is not in it at all);
- ``entered``: the officer ticked "đã nhập vào phần mềm" for exactly the facts treem holds now
  (a later change makes it pending again); the next export confirms it or not;
- ``synced``: the software's facts are treem's.

Reconciling a new export with a record (``reconcile``): for each field the export now says
the same as treem (taken), still what the software said before while treem holds a correction
(not taken: still to type in), or a third value (a conflict for the officer).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass

SYNC_FIELDS = (
    "hamlet",
    "full_name",
    "dob",
    "sex",
    "ethnicity",
    "id_number",
    "father_name",
    "mother_name",
    "guardian_name",
)
PENDING, ENTERED, SYNCED = "pending", "entered", "synced"
SYNC_STATE_LABELS = {
    PENDING: "Cần nhập vào phần mềm",
    ENTERED: "Đã nhập, chờ tệp xuất sau xác nhận",
    SYNCED: "Khớp với phần mềm",
}
# The history event of a tick (field "software").
SOFTWARE_FIELD = "software"
ENTERED_TEXT = "Đã cập nhật lên phần mềm quốc gia"
UNMARKED_TEXT = "Chưa cập nhật lên phần mềm quốc gia"
CONFIRMED_TEXT = "Phần mềm quốc gia đã nhận cập nhật"
NOT_TAKEN_TEXT = "Chưa được cập nhật trên phần mềm"


@dataclass(frozen=True)
class FieldChange:
    field: str
    software: str | None  # the value in the software now (None: empty, or a new child)
    treem: str | None  # the value to enter
    source: str | None  # EVENT_SOURCES key of the latest change of the field in treem

    def astuple(self) -> tuple:
        return (self.field, self.software, self.treem, self.source)


def canonical(value: object) -> str:
    """The text two sides are compared by: NFC, spaces collapsed, "" for nothing."""
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def differing(software: dict | None, current: dict) -> list[str]:
    """The fields the officer must type in (every known fact of a child not in the software)."""
    if software is None:
        return [f for f in SYNC_FIELDS if canonical(current.get(f))]
    return [f for f in SYNC_FIELDS if canonical(software.get(f)) != canonical(current.get(f))]


def digest(current: dict) -> str:
    """A short fingerprint of treem's facts (what a tick was given for)."""
    text = json.dumps([canonical(current.get(f)) for f in SYNC_FIELDS], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def state_of(software: dict | None, current: dict, entered_digest: str | None) -> str:
    if software is not None and not differing(software, current):
        return SYNCED
    if entered_digest is not None and entered_digest == digest(current):
        return ENTERED
    return PENDING


def load(text: str | None) -> dict | None:
    return json.loads(text) if text else None


def dump(facts: dict) -> str:
    return json.dumps({f: facts.get(f) for f in SYNC_FIELDS}, ensure_ascii=False, sort_keys=True)


# Per field of a record, what a new export says about treem's value.
TAKEN, NOT_TAKEN, THIRD = "taken", "not_taken", "third"


def reconcile(before: dict | None, after: dict, current: dict) -> dict[str, str]:
    """For each field where the software did not hold treem's value before this export:
    TAKEN (the export now says treem's value), NOT_TAKEN (it still says what it said), THIRD
    (it says something else). Fields already equal before are left out."""
    out: dict[str, str] = {}
    for f in SYNC_FIELDS:
        mine = canonical(current.get(f))
        was = canonical((before or {}).get(f))
        if before is not None and was == mine:
            continue
        now = canonical(after.get(f))
        if now == mine:
            out[f] = TAKEN
        elif before is not None and now == was:
            out[f] = NOT_TAKEN
        elif before is None and not now:
            out[f] = NOT_TAKEN
        else:
            out[f] = THIRD
    return out
