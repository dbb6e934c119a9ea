"""A district's or a province's work queue (issue 15): a unit filter ("Đơn vị") narrows it to one
district or commune, the hamlets are a commune's and offered once one is chosen, and each row
says whose record it is."""

import os
import re
from datetime import date

import pytest

from treem_app.extensions import db
from treem_app.services import findings, work_queue

TODAY = date(2026, 11, 22)
ON_POSTGRESQL = (os.environ.get("TREEM_TEST_DATABASE_URL") or "").startswith("postgresql")


def _scene(make):
    tree = make.tree()
    people = {
        "an": make.person(tree["a"], full_name="Trần Văn An", name_key="tran van an",
                          id_number=None, hamlet="Thôn Một"),
        "binh": make.person(tree["a"], full_name="Lê Thị Bình", name_key="le thi binh",
                            id_number=None, hamlet="Thôn Hai"),
        "cuong": make.person(tree["b"], full_name="Phạm Văn Cường", name_key="pham van cuong",
                             id_number=None, hamlet="Thôn Một"),
        "dung": make.person(tree["c"], full_name="Võ Thị Dung", name_key="vo thi dung",
                            id_number=None, hamlet="Thôn Ba"),
    }  # fmt: skip
    findings.rescreen(db.session, list(people.values()), TODAY)
    outside = make.unit("Xã Ngoài Tỉnh", code="C9999")
    make.person(outside, full_name="Đỗ Văn Ngoài", name_key="do van ngoai", id_number=None)
    db.session.commit()
    return tree


def _options(html: str, select_id: str) -> list[str]:
    block = re.search(rf'<select id="{select_id}".*?</select>', html, re.S)
    assert block, select_id
    return re.findall(r'<option value="([^"]*)"', block.group(0))


def test_a_province_chooses_a_commune_and_then_its_hamlets(make, client, login):
    tree = _scene(make)
    login(make.user("reporter", tree["province"]))
    html = client.get("/records").get_data(as_text=True)
    # Every district and commune of the province, none outside it; no hamlet list yet (a
    # "Thôn Một" is in two communes); a unit column names each row's commune.
    assert _options(html, "unit") == ["", "D02", "C0003", "D01", "C0001", "C0002"]  # by name
    assert 'id="hamlet"' not in html and "Xã Ngoài Tỉnh" not in html
    assert '<th scope="col">Đơn vị</th>' in html
    for name in ("Trần Văn An", "Lê Thị Bình", "Phạm Văn Cường", "Võ Thị Dung"):
        assert name in html
    assert "<td>Xã Cát Tiên</td>" in html and "4 hồ sơ" in html
    # One commune: its persons only, its hamlets offered, no unit column.
    html = client.get("/records?unit=C0001").get_data(as_text=True)
    assert "Trần Văn An" in html and "Lê Thị Bình" in html and "Phạm Văn Cường" not in html
    assert _options(html, "hamlet") == ["", "Thôn Hai", "Thôn Một"]
    assert '<th scope="col">Đơn vị</th>' not in html and "2 hồ sơ" in html
    assert re.search(r'<option value="C0001" selected>', html)
    html = client.get("/records?unit=C0001&hamlet=Th%C3%B4n+M%E1%BB%99t").get_data(as_text=True)
    assert "Trần Văn An" in html and "Lê Thị Bình" not in html and "1 hồ sơ" in html
    # A district: its two communes, still a unit column.
    html = client.get("/records?unit=D01").get_data(as_text=True)
    assert "Phạm Văn Cường" in html and "Võ Thị Dung" not in html and "3 hồ sơ" in html
    assert '<th scope="col">Đơn vị</th>' in html
    # A unit outside the province, or unknown: the whole province, nothing of the other's.
    for code in ("C9999", "NOPE"):
        html = client.get(f"/records?unit={code}").get_data(as_text=True)
        assert "4 hồ sơ" in html and "Đỗ Văn Ngoài" not in html
        assert "selected>" not in re.search(r'<select id="unit".*?</select>', html, re.S).group(0)


def test_a_communes_officer_has_hamlets_and_no_unit_filter(make, client, login):
    tree = _scene(make)
    login(make.user("officer", tree["a"]))
    html = client.get("/records?unit=C0002").get_data(as_text=True)
    assert 'id="unit"' not in html and '<th scope="col">Đơn vị</th>' not in html
    assert _options(html, "hamlet") == ["", "Thôn Hai", "Thôn Một"]
    assert "Trần Văn An" in html and "Phạm Văn Cường" not in html


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the kept counts are PostgreSQL's")
def test_an_error_rule_with_the_warning_filter_finds_its_first_matches(
    make, client, login, monkeypatch
):
    """Over several units no kept row counts an error rule with the warning filter: its first
    matches are found as a search's are, the page says when there are more, and the numbers
    beside the rules stay those of the whole province."""
    tree = make.tree()
    people = [
        make.person(unit, full_name=name, name_key=key, id_number=None, dob_precision="year")
        for unit, name, key in (
            (tree["a"], "Trần Văn An", "tran van an"),
            (tree["c"], "Võ Thị Dung", "vo thi dung"),
        )
    ] + [make.person(tree["b"], full_name="Lê Văn Cư", name_key="le van cu", id_number=None)]
    findings.rescreen(db.session, people, TODAY)
    db.session.commit()
    login(make.user("reporter", tree["province"]))
    args = "/records?rule=ID_MISSING&severity=warning"
    html = client.get(args).get_data(as_text=True)
    assert "2 hồ sơ" in html and "Lê Văn Cư" not in html and 'id="queue-capped"' not in html
    assert re.search(r'<option value="ID_MISSING" selected>[^<]*\(3\)', html)
    monkeypatch.setattr(work_queue, "SEARCH_BY_ID_MAX", 1)
    html = client.get(args).get_data(as_text=True)
    assert "Có hơn 1 hồ sơ khớp với bộ lọc" in html and "hãy chọn một xã" in html
    assert "1 hồ sơ" in html and re.search(r'<option value="ID_MISSING" selected>[^<]*\(3\)', html)
