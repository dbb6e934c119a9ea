import pytest

MENU_LABELS = {
    "officer": [
        "Trang chủ",
        "Hồ sơ trẻ em",
        "Nhập dữ liệu",
        "Khác biệt khi nhập",
        "Đề xuất chờ duyệt",
        "Hồ sơ có thể trùng",
        "Cộng tác viên",
        "Thôn, tổ dân phố",
        "Bàn giao công an",
        "Cập nhật lên phần mềm",
        "Báo cáo",
        "Kế hoạch chiến dịch",
        "Tiến trình xử lý",
    ],
    "volunteer": ["Trang chủ", "Hồ sơ trẻ em", "Đề xuất của tôi"],
    "police": ["Trang chủ", "Danh sách cần xác thực", "Trẻ em trong danh sách"],
    "reporter": [
        "Trang chủ",
        "Theo dõi tiến độ",
        "Hồ sơ trẻ em",
        "Báo cáo",
        "Kế hoạch chiến dịch",
        "Tiến trình xử lý",
    ],
    "admin": [
        "Trang chủ",
        "Theo dõi tiến độ",
        "Đơn vị hành chính",
        "Tài khoản",
        "Lịch bàn giao",
        "Kế hoạch chiến dịch",
        "Tiến trình xử lý",
    ],
}
ALL_LABELS = {label for labels in MENU_LABELS.values() for label in labels}


def menu_of(page: str) -> list[str]:
    import re

    nav = page.split('<nav class="menu"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r">([^<>]+)</a>", nav)


@pytest.mark.parametrize("role", sorted(MENU_LABELS))
def test_each_role_sees_its_menu_and_every_item_opens(role, make, client, login):
    tree = make.tree()
    unit = (
        tree["district"]
        if role in ("reporter",)
        else tree["province"]
        if role == "admin"
        else tree["a"]
    )
    login(make.user(role, unit))
    page = client.get("/home").get_data(as_text=True)
    assert menu_of(page) == MENU_LABELS[role]
    import re

    nav = page.split('<nav class="menu"', 1)[1].split("</nav>", 1)[0]
    for href in re.findall(r'href="([^"]+)"', nav):
        assert client.get(href).status_code == 200, href


@pytest.mark.parametrize("role", ["officer", "volunteer", "police", "reporter"])
def test_admin_pages_are_forbidden_to_other_roles(role, make, client, login):
    login(make.user(role))
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/units").status_code == 403


def test_signed_out_visitor_is_sent_to_login(client, app):
    resp = client.get("/records")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    resp = client.get("/records", headers={"HX-Request": "true"})
    assert resp.status_code == 204 and "/login" in resp.headers["HX-Redirect"]


def test_a_volunteers_home_counts_their_hamlets_not_the_commune(make, client, login):
    import re

    from treem_app.extensions import db
    from treem_app.services.proposals import set_volunteer_hamlets

    unit = make.unit()
    for hamlet in ("Thôn Một", "Thôn Một", "Thôn Hai", "Thôn Hai", "Thôn Hai"):
        make.person(unit, hamlet=hamlet)
    volunteer = make.user("volunteer", unit)
    set_volunteer_hamlets(db.session, volunteer, ["Thôn Một"])
    db.session.commit()
    login(volunteer)
    page = client.get("/home").get_data(as_text=True)
    shown = re.search(r'<div class="n">(\d+)</div><div class="l">Hồ sơ đang quản lý', page)
    assert shown and shown.group(1) == "2"  # the commune has 5
