"""Records on the change list of step 4, set up directly (synthetic children only)."""

from __future__ import annotations

import json
from datetime import date

from treem_app.extensions import db
from treem_app.models import Person, PersonEvent


def facts_text(p: Person) -> dict:
    dob = p.dob.strftime("%d/%m/%Y") if p.dob else None
    return {
        "hamlet": p.hamlet,
        "full_name": p.full_name,
        "dob": dob,
        "sex": p.sex,
        "ethnicity": p.ethnicity,
        "id_number": p.id_number,
        "father_name": p.father_name,
        "mother_name": p.mother_name,
        "guardian_name": p.guardian_name,
    }


def on_change_list(make, unit, *, software: dict | None, sources: dict | None = None, **facts):
    """A child whose facts differ from what the software showed (`software`: the fields that
    differ, as the software had them; None: a child added in treem), pending; `sources` names
    the source of the correction of each field (a history event)."""
    facts.setdefault("dob", date(2015, 3, 5))
    person = make.person(unit, **facts)
    if software is None:
        person.software_facts = None
    else:
        person.software_facts = json.dumps({**facts_text(person), **software}, ensure_ascii=False)
    person.sync_state = "pending"
    for field, source in (sources or {}).items():
        db.session.add(
            PersonEvent(
                person_id=person.id,
                field=field,
                old_value=(software or {}).get(field),
                new_value=facts_text(person)[field],
                source=source,
            )
        )
    db.session.commit()
    return person
