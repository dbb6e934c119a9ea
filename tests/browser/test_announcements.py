"""What changes without a page load is told through the page's polite live region (#announce):
the queue's result count after a filter, a job's progress and its end."""

from datetime import date

from treem_app.extensions import db
from treem_app.services import findings

from .test_login_flow import sign_in


def _announced(page, text: str) -> str:
    try:
        page.wait_for_function(
            f"() => document.getElementById('announce').textContent.includes({text!r})",
            timeout=15000,
        )
    except Exception:  # the assertion names what was announced instead
        pass
    return page.locator("#announce").text_content()


def test_the_result_count_and_a_jobs_end_are_announced(make, page, run_jobs):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    children = [
        make.person(tree["a"], full_name=f"Trẻ Thử {i}", hamlet=h, id_number=None)
        for i, h in enumerate(["Thôn Một", "Thôn Một", "Thôn Hai"])
    ]
    findings.rescreen(db.session, children, date(2026, 1, 5))
    db.session.commit()
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto("/records")
    assert page.locator("#announce").text_content() == ""  # nothing read on a page load
    assert page.locator("#announce").get_attribute("role") == "status"
    page.locator("#hamlet").select_option("Thôn Hai")
    assert _announced(page, "1 hồ sơ").startswith("1 hồ sơ")

    page.get_by_role("button", name="In phiếu xác minh").click()
    page.wait_for_url("**/jobs/*")
    run_jobs()
    page.locator('#job-status[data-status="finished"]').wait_for(timeout=20000)
    label = page.locator("#job-status [data-progress]").get_attribute("data-progress-label")
    assert label in _announced(page, label)


def test_progress_is_announced_every_ten_percent_and_at_the_end(make, page):
    """The poll swaps the progress in every second; the live region speaks only when a new tenth
    is reached, and once at the end (the swaps are simulated: a job's pace is the worker's)."""
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    db.session.commit()
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto("/jobs")
    said = page.evaluate(
        """async () => {
      const said = [];
      const box = document.getElementById('announce');
      const holder = document.createElement('div');
      holder.id = 'job-status';
      document.querySelector('main').appendChild(holder);
      for (const [percent, done] of [[3], [7], [12], [15], [19], [25], [100, true], [100, true]]) {
        holder.innerHTML = '<p data-progress="' + percent + '"'
          + (done ? ' data-progress-done' : '')
          + ' data-progress-label="' + (done ? 'Hoàn thành' : 'Đang xử lý') + '"></p>';
        box.textContent = '';
        htmx.trigger(holder.firstChild, 'htmx:afterSettle', {elt: holder.firstChild});
        await new Promise(r => setTimeout(r, 120));
        said.push(box.textContent);
      }
      return said;
    }"""
    )
    assert said == [
        "Tiến độ 3%. Đang xử lý",
        "",
        "Tiến độ 12%. Đang xử lý",
        "",
        "",
        "Tiến độ 25%. Đang xử lý",
        "Hoàn thành",
        "",
    ]
