from ..conftest import TEST_PASSWORD


def sign_in(page, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_officer_signs_in_and_sees_the_home_page(make, page, screenshot):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    make.person(tree["a"])
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    assert page.get_by_role("heading", name="Xã An Phú").is_visible()
    assert page.get_by_text("Nguyễn Thị Thu Hà").is_visible()
    nav = page.get_by_role("navigation", name="Chức năng")
    assert nav.get_by_role("link", name="Hồ sơ trẻ em").is_visible()
    assert page.locator(".stat .n").first.inner_text() == "1"
    screenshot("home-officer")
    # The menu works: open the records list and come back.
    nav.get_by_role("link", name="Hồ sơ trẻ em").click()
    page.wait_for_url("**/records")
    # The queue opens on records with open findings; all records are one filter away.
    page.get_by_label("Tình trạng").select_option("all")
    page.wait_for_url("**/records?status=all")
    assert page.get_by_role("link", name="Nguyễn Văn An").is_visible()


def test_wrong_password_shows_the_message(make, page):
    officer = make.user("officer", make.tree()["a"])
    sign_in(page, officer.username, "sai-mat-khau-99")
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert "/login" in page.url


def test_reporter_home_lists_its_communes(make, page, screenshot):
    tree = make.tree()
    reporter = make.user("reporter", tree["district"], full_name="Lê Văn Quang")
    make.person(tree["a"])
    make.person(tree["b"], id_number=None)
    sign_in(page, reporter.username)
    page.wait_for_url("**/home")
    table = page.locator("table.grid").first
    assert "Xã An Phú" in table.inner_text() and "Xã Bình Minh" in table.inner_text()
    screenshot("home-reporter")


def test_officer_runs_a_rebuild_job_and_watches_it_finish(make, page, run_jobs):
    """The job page polls through HTMX while a real burst worker runs the job."""
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    make.person(tree["a"], id_number=None)
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.get_by_role("button", name="Rà soát lại toàn bộ hồ sơ").click()
    page.wait_for_url("**/jobs/*")
    assert page.locator("#job-status").get_attribute("data-status") == "queued"
    page.wait_for_timeout(1500)  # let the page poll at least once while queued
    run_jobs()  # the browser keeps polling on its own meanwhile
    page.locator('#job-status[data-status="finished"]').wait_for(timeout=15000)
    text = page.locator("#job-status").inner_text()
    assert "Thiếu số định danh" in text and "ID_MISSING" not in text
