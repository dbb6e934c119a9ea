"""Step 4's domain: what to type into the national software, and what a new export says."""

from treem_app.domain.software_sync import (
    ENTERED,
    NOT_TAKEN,
    PENDING,
    SYNCED,
    TAKEN,
    THIRD,
    differing,
    digest,
    dump,
    load,
    reconcile,
    state_of,
)

SOFT = {"full_name": "Nguyễn Văn An", "dob": "05/03/2015", "sex": "M", "id_number": None}


def test_differing_fields_are_compared_as_text_with_spaces_and_unicode_forms_ignored():
    same = {**SOFT, "full_name": "Nguyễn  Văn An "}
    assert differing(SOFT, same) == []
    decomposed = {**SOFT, "full_name": "Nguye\u0302\u0303n Văn An"}  # NFD
    assert differing(SOFT, decomposed) == []
    fixed = {**SOFT, "dob": "15/03/2015", "id_number": "052215000123"}
    assert differing(SOFT, fixed) == ["dob", "id_number"]
    # A child not in the software: every known fact is to be entered.
    assert differing(None, fixed) == ["full_name", "dob", "sex", "id_number"]


def test_states_follow_the_facts_and_a_tick_holds_only_for_the_facts_it_was_given_for():
    current = {**SOFT, "id_number": "052215000123"}
    assert state_of(SOFT, SOFT, None) == SYNCED
    assert state_of(SOFT, current, None) == PENDING
    assert state_of(SOFT, current, digest(current)) == ENTERED
    changed_since = {**current, "dob": "06/03/2015"}
    assert state_of(SOFT, changed_since, digest(current)) == PENDING
    assert state_of(None, current, None) == PENDING
    assert load(dump(current)) == {**dict.fromkeys(load(dump({}))), **current}


def test_reconcile_tells_taken_from_not_taken_from_a_third_value():
    current = {**SOFT, "dob": "15/03/2015", "id_number": "052215000123", "sex": "F"}
    after = {**SOFT, "dob": "15/03/2015", "id_number": None, "sex": "M"}
    assert reconcile(SOFT, after, current) == {
        "dob": TAKEN,
        "id_number": NOT_TAKEN,
        "sex": NOT_TAKEN,
    }
    third = {**after, "sex": "X"}
    assert reconcile(SOFT, third, current)["sex"] == THIRD
