"""Social-protection beneficiaries (đối tượng bảo trợ xã hội): their own facts and rules.

The 2026 commune plans run the children's four steps for the beneficiaries exported from the
social-assistance software (shared/seeds, the Cao Đức plan, II.2; reference
national_software.md section 5). Besides a child's facts a beneficiary row carries the allowance
category and amount, the carer's name (for those paid to care) and the current and permanent
residences (the fields of the social-assistance form: ``TienHuong``, ``NOHT_*``, ``HKTT_*``).

What differs from a child in screening (:mod:`treem_app.domain.screening`): no under-16 scope
(AGE_OUT_OF_SCOPE), the guardian rule only for a beneficiary under 16, and an allowance category
outside the shipped list is reported (ALLOWANCE_CATEGORY_UNKNOWN). The list is
``reference/allowance_categories.csv``: only the categories the project's sources name (see the
README there); labels, never invented codes.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping

from treem_app.domain._reference import read_csv
from treem_app.domain.dates import out_of_scope
from treem_app.domain.findings import Finding, Rule, finding
from treem_app.domain.matching import reimport_weak_keys, weak_merge_keys
from treem_app.domain.names import fold, normalize_name, normalize_text

CHILD, BENEFICIARY = "child", "beneficiary"

# The beneficiary's own facts (Person columns of the same names), in the mapping form's order.
BENEFICIARY_FIELDS: tuple[str, ...] = (
    "allowance_category",
    "allowance_amount",
    "carer_name",
    "current_residence",
    "permanent_residence",
)


@functools.cache
def _categories() -> dict[str, str]:
    """Folded label or alias -> the category's label."""
    out: dict[str, str] = {}
    for row in read_csv("allowance_categories.csv"):
        label = row["label"]
        for text in (label, *row["aliases"].split("|")):
            if text.strip():
                out[fold(text)] = label
    return out


def allowance_categories() -> tuple[str, ...]:
    """The labels of the known allowance categories, in the file's order."""
    return tuple(row["label"] for row in read_csv("allowance_categories.csv"))


def category_outcome(raw: object) -> tuple[str | None, tuple[Finding, ...]]:
    """(the category's label, or the export's text when unknown; findings) of a category cell.

    An empty cell is no finding (not every export has the column); an unknown text is kept as
    written (spacing tidied) with ALLOWANCE_CATEGORY_UNKNOWN, so the officer sees what it said.
    """
    text = normalize_text(raw) if raw not in (None, "") else None
    if not text:
        return None, ()
    label = _categories().get(fold(text))
    if label is not None:
        return label, ()
    return text, (
        finding(
            Rule.ALLOWANCE_CATEGORY_UNKNOWN,
            "allowance_category",
            f"Diện hưởng «{text}» không có trong danh mục diện trợ giúp xã hội của treem.",
        ),
    )


def amount_value(raw: object) -> int | None:
    """A monthly amount in đồng from a cell: 540000, 540000.0, "540.000", "1.080.000 đ"."""
    if raw is None or raw == "" or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw >= 0 else None
    if isinstance(raw, float):
        return int(raw) if raw >= 0 and raw.is_integer() else None
    text = str(raw).strip().lower()
    text = re.sub(r"\s*(đồng|đ|vnđ|vnd)\.?$", "", text)
    if re.fullmatch(r"\d{1,3}([.,\s]\d{3})+", text):
        return int(re.sub(r"[.,\s]", "", text))
    if text.isdigit() and text.isascii():
        return int(text)
    return None


def text_value(raw: object) -> str | None:
    """A free-text cell (an address) normalised: NFC, legacy decoding, single spaces."""
    if raw in (None, ""):
        return None
    return normalize_text(raw) or None


def carer_outcome(raw: object) -> tuple[str | None, bool]:
    """(the carer's normalised name, whether it was repaired)."""
    if raw in (None, ""):
        return None, False
    value, changed, _reasons = normalize_name(raw)
    return value, bool(changed and value is not None)


def needs_guardian(kind: str, dob: dt.date | None, precision: str | None, on: dt.date) -> bool:
    """Whether the guardian rule (GUARDIAN_MISSING) applies to a person of ``kind``.

    Every child; a beneficiary only when under 16 on ``on`` (a child on an allowance). An adult,
    or a beneficiary whose date of birth is unknown (DOB_MISSING already stands), does not.
    """
    if kind != BENEFICIARY:
        return True
    return dob is not None and not out_of_scope(dob, precision, on)


def link_keys(facts: Mapping[str, object]) -> list[tuple[str, object]]:
    """The keys that tie a beneficiary to the same person's child record: the 12-digit ID
    number, then the folded name + date of birth + a parent (never the national key: the two
    registries come from different software)."""
    keys: list[tuple[str, object]] = []
    idn = facts.get("id_number")
    if isinstance(idn, str) and len(idn) == 12 and idn.isdigit():
        keys.append(("id_number", idn))
    return keys + weak_merge_keys(facts)


def beneficiary_weak_keys(facts: Mapping[str, object]) -> list[tuple]:
    """A re-import's weak keys for a beneficiary: the children's, then the name + date of birth
    alone (an adult's row names no parent), used only when one person carries it."""
    keys = reimport_weak_keys(facts)
    nk, dob = facts.get("name_key"), facts.get("dob")
    if nk and dob is not None:
        keys.append(("name_dob", (nk, dob)))
    return keys
