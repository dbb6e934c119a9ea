"""A beneficiary's record page and the queue filtered by kind, looked at in Chromium."""

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Person

from ..services.test_beneficiaries import children, import_beneficiaries
from .test_login_flow import sign_in


def test_queue_by_kind_and_a_beneficiary_record(make, app, page, screenshot):
    tree = make.tree()
    children(make, tree["a"])
    import_beneficiaries(app, tree["a"])
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    sign_in(page, officer.username)
    page.goto("/records?status=all")
    page.select_option("#kind", "beneficiary")
    page.wait_for_url("**kind=beneficiary**")
    assert page.locator("#queue-count").inner_text().startswith("8 hồ sơ")
    screenshot("beneficiary-queue")
    ngoc = db.session.scalar(select(Person).where(Person.full_name == "Võ Thị Ngọc"))
    page.goto(f"/records/{ngoc.id}")
    assert page.locator("#allowance-amount").inner_text() == "1.080.000 đồng"
    assert page.locator("#record-kind").inner_text() == "Đối tượng bảo trợ xã hội"
    screenshot("beneficiary-record")
    hoa = db.session.scalar(
        select(Person).where(Person.kind == "beneficiary", Person.full_name == "Phạm Thị Hoa")
    )
    page.goto(f"/records/{hoa.id}")
    page.locator("#linked-record a").click()
    assert page.locator("#record-kind").inner_text() == "Trẻ em"
    screenshot("beneficiary-linked-child")
