"""Each commune's list of hamlets: spellings resolved to one hamlet, and the officer's merges.

A person's hamlet and a volunteer's assigned hamlets hold the name of a hamlet of their
commune's list that is not merged (the list is filled by imports, record edits, new children
and the migration that introduced it). A spelling is resolved through the list
(:func:`resolve`): its matching key (:func:`treem_app.domain.hamlets.hamlet_key`) finds the
hamlet, and a merged hamlet stands for the one it was merged into; an unknown hamlet joins the
list. :func:`merge_hamlets` ("gộp thôn") moves the persons (each change through ``set_fact``,
in their history), the volunteers' assignments, and keeps the merged names as aliases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..domain.findings import Rule
from ..domain.hamlets import hamlet_key, normalize_hamlet
from ..domain.screening import Fix
from ..models import Hamlet, HamletMerge, Person, Unit, User, VolunteerHamlet
from .findings import rescreen
from .persons import set_fact


class HamletError(ValueError):
    """A refused merge; the message is Vietnamese and shown to the officer."""


class HamletIndex:
    """A commune's list in memory: matching key -> the name of the hamlet it stands for."""

    def __init__(self, session: Session, unit_id: int):
        self.session = session
        self.unit_id = unit_id
        rows = session.execute(
            select(Hamlet.key, Hamlet.name, Hamlet.merged_into_id, Hamlet.id).where(
                Hamlet.unit_id == unit_id
            )
        ).all()
        names = {row.id: row.name for row in rows}
        # Merges keep chains one step long: an alias points at a hamlet that is not merged.
        self.by_key = {row.key: names.get(row.merged_into_id, row.name) for row in rows}

    def resolve(self, raw: object, *, register: bool) -> str | None:
        """The name of the hamlet ``raw`` spells (``register``: an unknown one joins the list)."""
        name = normalize_hamlet(raw)
        if name is None:
            return None
        key = hamlet_key(name)
        known = self.by_key.get(key)
        if known is not None:
            return known
        if register:
            self.session.add(Hamlet(unit_id=self.unit_id, name=name, key=key))
            self.by_key[key] = name
        return name


def resolve(session: Session, unit_id: int, raw: object, *, register: bool = True) -> str | None:
    """The name of the hamlet of the commune that ``raw`` spells (see :class:`HamletIndex`)."""
    out = HamletIndex(session, unit_id).resolve(raw, register=register)
    session.flush()
    return out


def resolve_records(
    session: Session, unit_id: int, records, raw_hamlets: list[object], *, register: bool
) -> int:
    """An import's screened records take the hamlets of the commune's list: a spelling of a
    known or merged hamlet becomes its name, recorded as a fix like screening's own
    normalisations; an unknown hamlet joins the list (``register``, an applied import).
    Returns how many rows were written another way than in the file.
    """
    index = HamletIndex(session, unit_id)
    names: dict[str, str | None] = {}  # per distinct value (a commune has a few hamlets)
    changed = 0
    for record in records:
        value = record.facts.get("hamlet")
        if value is None:
            continue
        if value not in names:
            names[value] = index.resolve(value, register=register)
        name = names[value]
        if name == value:
            continue
        record.facts["hamlet"] = name
        fixes = [f for f in record.fixes if f.field != "hamlet"]
        fixes.append(Fix("hamlet", raw_hamlets[record.index], name, Rule.NAME_NORMALIZED))
        record.fixes[:] = fixes
        changed += 1
    session.flush()
    return changed


def unit_hamlet_names(session: Session, unit_ids) -> list[str]:
    """The hamlets of these units that are not merged, and any other hamlet a person holds
    there (a picker's choices), in order."""
    listed = session.scalars(
        select(Hamlet.name).where(Hamlet.unit_id.in_(unit_ids), Hamlet.merged_into_id.is_(None))
    )
    held = session.scalars(
        select(Person.hamlet)
        .where(Person.unit_id.in_(unit_ids), Person.hamlet.is_not(None))
        .distinct()
    )
    return sorted({*listed, *(h for h in held if h)})


def filter_name(session: Session, unit_ids, raw: str) -> str:
    """The hamlet a filter's text stands for in these units: the name of the listed hamlet it
    spells (or of the one it was merged into) when exactly one, else the text as typed."""
    key = hamlet_key(raw)
    if key is None:
        return raw
    rows = session.execute(
        select(Hamlet.name, Hamlet.merged_into_id).where(
            Hamlet.unit_id.in_(unit_ids), Hamlet.key == key
        )
    ).all()
    names = {name for name, merged_into in rows if merged_into is None}
    targets = [i for _name, i in rows if i is not None]
    if targets:
        names |= set(session.scalars(select(Hamlet.name).where(Hamlet.id.in_(targets))))
    return names.pop() if len(names) == 1 else raw


@dataclass
class HamletRow:
    """One hamlet of the merge page: its records, its volunteers and its old names."""

    hamlet: Hamlet
    persons: int = 0
    volunteers: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


def register_held(session: Session, unit_id: int) -> None:
    """Every hamlet a person of the commune holds is on its list (records written before the
    list, or by hand in the database, join it here)."""
    index = HamletIndex(session, unit_id)
    held = session.scalars(
        select(Person.hamlet)
        .where(Person.unit_id == unit_id, Person.hamlet.is_not(None))
        .distinct()
    )
    listed = set(index.by_key.values())
    for name in held:
        key = hamlet_key(name)
        if key is not None and name not in listed and key not in index.by_key:
            session.add(Hamlet(unit_id=unit_id, name=name, key=key))
            index.by_key[key] = name
            listed.add(name)
    session.flush()


def hamlet_rows(session: Session, unit: Unit) -> list[HamletRow]:
    """The commune's hamlets that are not merged, with their counts and old names, by name."""
    register_held(session, unit.id)
    hamlets = session.scalars(
        select(Hamlet).where(Hamlet.unit_id == unit.id).order_by(Hamlet.name, Hamlet.id)
    ).all()
    rows = {h.id: HamletRow(h) for h in hamlets if h.merged_into_id is None}
    by_name = {r.hamlet.name: r for r in rows.values()}
    for h in hamlets:
        if h.merged_into_id in rows:
            rows[h.merged_into_id].aliases.append(h.name)
    for name, n in session.execute(
        select(Person.hamlet, func.count())
        .where(Person.unit_id == unit.id, Person.hamlet.is_not(None))
        .group_by(Person.hamlet)
    ):
        if name in by_name:
            by_name[name].persons = n
    for name, volunteer in session.execute(
        select(VolunteerHamlet.hamlet, User.full_name)
        .join(User, User.id == VolunteerHamlet.user_id)
        .where(User.unit_id == unit.id)
        .order_by(User.full_name)
    ):
        if name in by_name:
            by_name[name].volunteers.append(volunteer)
    return sorted(rows.values(), key=lambda r: (r.hamlet.name.casefold(), r.hamlet.id))


def merge_history(session: Session, unit: Unit) -> list[HamletMerge]:
    """The commune's merges, latest first."""
    return list(
        session.scalars(
            select(HamletMerge)
            .where(HamletMerge.unit_id == unit.id)
            .order_by(HamletMerge.at.desc(), HamletMerge.id.desc())
        )
    )


@dataclass
class MergePlan:
    """What a merge would do: the hamlets merged, the one they go into, what moves."""

    sources: list[Hamlet]
    into: Hamlet
    persons: int
    volunteers: int


def plan_merge(session: Session, unit: Unit, source_ids: list[int], into_id: int) -> MergePlan:
    """Check a merge of the commune's hamlets and count what it moves; HamletError if refused."""
    hamlets = {
        h.id: h
        for h in session.scalars(
            select(Hamlet).where(Hamlet.unit_id == unit.id, Hamlet.merged_into_id.is_(None))
        )
    }
    into = hamlets.get(into_id)
    if into is None:
        raise HamletError("Vui lòng chọn thôn, tổ dân phố để gộp vào.")
    wanted = list(dict.fromkeys(source_ids))
    if into_id in wanted:
        raise HamletError(f"Không gộp «{into.name}» vào chính nó; bỏ chọn thôn này ở danh sách.")
    if not wanted:
        raise HamletError("Vui lòng chọn ít nhất một thôn, tổ dân phố cần gộp.")
    missing = [i for i in wanted if i not in hamlets]
    if missing:
        raise HamletError("Có thôn đã được gộp hoặc không còn trong danh sách; tải lại trang.")
    sources = [hamlets[i] for i in wanted]
    names = [h.name for h in sources]
    persons = session.scalar(
        select(func.count()).where(Person.unit_id == unit.id, Person.hamlet.in_(names))
    )
    volunteers = session.scalar(
        select(func.count(func.distinct(VolunteerHamlet.user_id)))
        .join(User, User.id == VolunteerHamlet.user_id)
        .where(User.unit_id == unit.id, VolunteerHamlet.hamlet.in_(names))
    )
    return MergePlan(sources, into, persons or 0, volunteers or 0)


def merge_hamlets(
    session: Session,
    unit: Unit,
    source_ids: list[int],
    into_id: int,
    *,
    user: User,
    today: date,
) -> HamletMerge:
    """Merge hamlets of the commune into another ("gộp thôn").

    Each person of a merged hamlet takes the other's name through ``set_fact`` (an officer's
    change, noted "Gộp thôn X vào Y"), then the one re-screen; volunteers assigned to a merged
    hamlet are assigned to the other; the merged hamlets stay on the list as its aliases, so a
    later import spelling them lands in it; the merge is recorded. HamletError if refused.
    """
    plan = plan_merge(session, unit, source_ids, into_id)
    into = plan.into
    names = [h.name for h in plan.sources]
    persons = session.scalars(
        select(Person)
        .where(Person.unit_id == unit.id, Person.hamlet.in_(names))
        .order_by(Person.id)
    ).all()
    for person in persons:
        set_fact(
            session,
            person,
            "hamlet",
            {"hamlet": into.name},
            source="officer",
            user_id=user.id,
            note=f"Gộp thôn {person.hamlet} vào {into.name}",
        )
    session.flush()
    if persons:
        rescreen(session, persons, today)
    assignments = session.scalars(
        select(VolunteerHamlet)
        .join(User, User.id == VolunteerHamlet.user_id)
        .where(User.unit_id == unit.id, VolunteerHamlet.hamlet.in_([*names, into.name]))
        .order_by(VolunteerHamlet.id)
    ).all()
    has_into = {a.user_id for a in assignments if a.hamlet == into.name}
    moved: set[int] = set()
    for a in assignments:
        if a.hamlet == into.name:
            continue
        moved.add(a.user_id)
        if a.user_id in has_into:
            session.delete(a)
        else:
            a.hamlet = into.name
            has_into.add(a.user_id)
    source_ids = [h.id for h in plan.sources]
    session.execute(
        update(Hamlet)
        .where(Hamlet.merged_into_id.in_(source_ids))
        .values(merged_into_id=into.id)
        .execution_options(synchronize_session="fetch")
    )
    for h in plan.sources:
        h.merged_into_id = into.id
    merge = HamletMerge(
        unit_id=unit.id,
        into_id=into.id,
        into_name=into.name,
        merged_names_json=json.dumps(names, ensure_ascii=False),
        persons=len(persons),
        volunteers=len(moved),
        user_id=user.id,
    )
    session.add(merge)
    session.flush()
    return merge
