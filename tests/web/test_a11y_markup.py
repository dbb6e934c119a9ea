"""Server-rendered accessibility (issue 20): a finding's severity in words, its message in the
text; errors tied to their fields with aria-invalid and aria-describedby; the page's live region."""

import re
from datetime import date

from treem_app.extensions import db
from treem_app.services import findings

from ..conftest import TEST_PASSWORD, csrf_token

HX = {"HX-Request": "true"}


def _tag(body: str, pattern: str) -> str:
    match = re.search(pattern, body)
    assert match, pattern
    return match.group(0)


def test_queue_badges_say_the_severity_in_words_and_carry_the_message(make, login, client):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    child = make.person(tree["a"], full_name="Bùi Thùy Anh", hamlet="Thôn Một", id_number=None)
    findings.rescreen(db.session, [child], date(2026, 1, 5))
    db.session.commit()
    login(officer)
    body = client.get("/records").get_data(as_text=True)
    badges = re.findall(r'<span class="badge (error|warning|info)">(.*?)</td>', body, re.S)
    assert badges
    for severity, inner in badges:
        word = {"error": "Lỗi: ", "warning": "Cảnh báo: ", "info": "Đã tự động sửa: "}[severity]
        assert f'<span class="sr-only">{word}</span>' in inner
        assert 'aria-hidden="true" class="sev-mark"' in inner  # a shape for the eye too
    assert 'title="' not in body.split('<table class="grid pinned">')[1].split("</table>")[0]
    # the message of each finding is in the text (read with the badge), not in a title
    for f in child.findings:
        if f.message:
            assert f.message in body
    assert 'id="announce" class="sr-only" role="status" aria-live="polite"' in body
    # the list alone, as a filter or a page swaps it in, carries the same badges
    part = client.get("/records?page=1", headers=HX).get_data(as_text=True)
    assert '<span class="sr-only">Lỗi: </span>' in part and 'id="announce"' not in part
    assert _tag(body, r'<p class="muted" id="queue-count"[^>]*>').count("data-announce") == 1


def test_a_facts_error_is_tied_to_the_field_it_is_about(make, login, post):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    child = make.person(tree["a"], full_name="Bùi Thùy Anh", hamlet="Thôn Một")
    db.session.commit()
    login(officer)
    url = f"/records/{child.id}/facts/id_number"
    # no source chosen: the source select is the invalid field
    resp = post(url, {"value": "052215000001", "source": "", "version": child.version}, headers=HX)
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert 'id="error-id_number"' in body
    source = _tag(body, r'<select name="source"[^>]*>')
    assert 'aria-invalid="true"' in source and 'aria-describedby="error-id_number"' in source
    assert "aria-invalid" not in _tag(body, r'<input type="text" id="value-id_number"[^>]*>')
    # a value the screening refuses: the value field is
    resp = post(
        url, {"value": "12", "source": "household_visit", "version": child.version}, headers=HX
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    value = _tag(body, r'<input type="text" id="value-id_number"[^>]*>')
    assert 'aria-invalid="true"' in value and 'aria-describedby="error-id_number"' in value
    assert "aria-invalid" not in _tag(body, r'<select name="source"[^>]*>')


def test_a_date_of_birth_error_keeps_the_hint_and_names_the_error(make, login, post):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    child = make.person(tree["a"], full_name="Bùi Thùy Anh", hamlet="Thôn Một")
    db.session.commit()
    login(officer)
    resp = post(
        f"/records/{child.id}/facts/dob",
        {"value": "45/13/2019", "source": "household_visit", "version": child.version},
        headers=HX,
    )
    assert resp.status_code == 422
    field = _tag(resp.get_data(as_text=True), r'<input type="text" id="value-dob"[^>]*>')
    assert 'aria-describedby="error-dob value-dob-hint"' in field
    assert 'aria-invalid="true"' in field


def test_login_and_password_errors_are_tied_to_their_fields(make, client, login, post):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    token = csrf_token(client)
    resp = client.post(
        "/login", data={"username": officer.username, "password": "sai", "csrf_token": token}
    )
    body = resp.get_data(as_text=True)
    for field in ("username", "password"):
        tag = _tag(body, rf'<input type="[a-z]+" id="{field}"[^>]*>')
        assert 'aria-invalid="true"' in tag and 'aria-describedby="login-error"' in tag
    assert 'id="login-error"' in body
    # a fresh form carries none
    assert "aria-invalid" not in client.get("/login").get_data(as_text=True)

    login(officer)
    resp = post(
        "/account/password", {"current": "sai", "new": "MatKhauMoi123", "confirm": "MatKhauMoi123"}
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'aria-invalid="true"' in _tag(body, r'<input type="password" id="current"[^>]*>')
    assert "aria-invalid" not in _tag(body, r'<input type="password" id="new"[^>]*>')
    resp = post(
        "/account/password",
        {"current": TEST_PASSWORD, "new": "MatKhauMoi123", "confirm": "Khac1234567"},
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "aria-invalid" not in _tag(body, r'<input type="password" id="current"[^>]*>')
    confirm = _tag(body, r'<input type="password" id="confirm"[^>]*>')
    assert 'aria-describedby="password-error"' in confirm


def test_every_table_header_has_a_scope_and_a_name():
    """Templates of pages (not the printed documents): <th> carries scope="col" or "row" and is
    never empty (a column of checkboxes or actions is named for a screen reader)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    missing, empty = [], []
    for path in sorted(root.rglob("*.html")):
        if "documents" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<th\b[^>]*>", text):
            if not re.search(r'scope="(col|row)"', tag):
                missing.append(f"{path.relative_to(root)}: {tag}")
        empty += [str(path.relative_to(root)) for _ in re.findall(r"<th\b[^>]*>\s*</th>", text)]
    assert not missing, missing
    assert not empty, empty


def test_a_volunteers_end_day_and_an_import_file_errors_are_tied_to_their_fields(
    make, client, login, post
):
    tree = make.tree()
    volunteer = make.user("volunteer", tree["a"])
    make.person(tree["a"], full_name="Bùi Thùy Anh", hamlet="Thôn Một")
    db.session.commit()
    login(make.user("officer", tree["a"]))
    resp = post(f"/volunteers/{volunteer.id}", {"hamlet": "Thôn Một", "expires_at": "abc"})
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    error_id = f"exp-{volunteer.id}-error"
    assert f'id="{error_id}"' in body
    field = _tag(body, rf'<input type="text" id="exp-{volunteer.id}"[^>]*>')
    assert 'aria-invalid="true"' in field
    assert f'aria-describedby="{error_id} exp-{volunteer.id}-hint"' in field

    resp = post("/imports", {}, content_type="multipart/form-data")
    body = resp.get_data(as_text=True)
    assert 'id="file-error"' in body
    field = _tag(body, r'<input type="file" id="file"[^>]*>')
    assert 'aria-invalid="true"' in field and 'aria-describedby="file-error file-name"' in field
    fresh = _tag(client.get("/imports").get_data(as_text=True), r'<input type="file"[^>]*>')
    assert "aria-invalid" not in fresh
