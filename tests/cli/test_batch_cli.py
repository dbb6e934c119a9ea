"""treem batch create / issue (SPEC section 6)."""

import json

from sqlalchemy import select

from treem_app.cli import main
from treem_app.extensions import db
from treem_app.models import Batch

from ..batch_helpers import pdf_text, ready_children


def run(app, *args):
    return app.test_cli_runner().invoke(main, list(args))


def test_create_then_issue_writes_both_files(app, make, tmp_path):
    tree = make.tree()
    children = ready_children(make, tree["a"], 5)
    result = run(app, "batch", "create", "--unit", "C0001", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == {"id": data["id"], "rows": 5}
    out = tmp_path / "out"
    result = run(app, "batch", "issue", str(data["id"]), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 2 and files[0].endswith(".pdf") and files[1].endswith(".xlsx")
    text = " ".join(pdf_text((out / files[0]).read_bytes(), tmp_path).split())
    assert all(c.full_name in text for c in children) and "Tổng số: 5 trẻ em." in text
    db.session.expire_all()
    batch = db.session.scalar(select(Batch))
    assert batch.state == "issued" and batch.content_hash and batch.job_run.status == "finished"
    # Again: same locked content, files written again.
    assert run(app, "batch", "issue", str(batch.id), "--out", str(out)).exit_code == 0


def test_bad_input_exits_2(app, make, tmp_path):
    tree = make.tree()
    result = run(app, "batch", "create", "--unit", "NOPE")
    assert result.exit_code == 2 and "NOPE" in result.stderr and result.stdout == ""
    result = run(app, "batch", "create", "--unit", tree["a"].code)
    assert result.exit_code == 2 and "sẵn sàng" in result.stderr
    result = run(app, "batch", "issue", "999", "--out", str(tmp_path))
    assert result.exit_code == 2
    ready_children(make, tree["a"], 1)
    batch_id = json.loads(run(app, "batch", "create", "--unit", "C0001", "--json").stdout)["id"]
    batch = db.session.get(Batch, batch_id)
    batch.state = "cancelled"
    db.session.commit()
    out = tmp_path / "none"
    result = run(app, "batch", "issue", str(batch_id), "--out", str(out))
    assert result.exit_code == 2 and not out.exists()
