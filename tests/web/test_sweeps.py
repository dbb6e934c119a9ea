"""Sweeps generated from the URL map (issue 16): every route × every role × the other unit's ids.

The table ROUTES names, for every (endpoint, method) of ``app.url_map``, the requests the
sweep sends: by default each URL converter filled with an id of commune B (another province),
while the signed-in users belong to commune A and its district and province. A route that is
added without an entry here makes ``test_every_route_is_swept`` fail, so no route escapes.

Every such request must answer 403 or 404 (a redirect to the login page when signed out),
never 500 and never a page showing B's children, and change nothing (every table's row count
and the contents the app updates in place). Every POST without a CSRF token is refused with
400; every route outside the small public allow-list asks to sign in.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import pytest
from flask import Flask

from treem_app.extensions import db
from treem_app.models import BatchRow

from ..conftest import CSRF_RE
from ..sweep_world import NAMES, ROLES, UNIT_NAMES, build_world, snapshot, unit_snapshot

# Open without signing in: the login form, the static files, the public check of a printed
# list, the health check, "/" (a redirect to /home, which asks to sign in) and the CSRF token
# a page whose session expired asks for before signing in again in place.
PUBLIC = {
    ("auth.login", "GET"),
    ("auth.login", "POST"),
    ("static", "GET"),
    ("batches.verify", "GET"),
    ("main.healthz", "GET"),
    ("main.index", "GET"),
    ("auth.session_token", "GET"),
}


@dataclass(frozen=True)
class Case:
    """One request: converter values, query and form, each value "B.name" / "A.name" (an id
    of that commune's rows) or a literal. `foreign`: the request names B's rows and must be
    refused; None means "when the URL or form names any B id"."""

    args: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    form: dict = field(default_factory=dict)
    upload: bool = False
    foreign: bool | None = None


def C(**kw) -> list[Case]:
    return [Case(**kw)]


# Converters filled by name unless a case says otherwise.
DEFAULT_ARGS = {
    "batch_id": "B.batch",
    "return_id": "B.return_",
    "row_id": "B.row",
    "copy_id": "B.copy",
    "pass_no": 1,
    "kind": "pdf",
    "conflict_id": "B.conflict",
    "proposal_id": "B.proposal",
    "person_id": "B.person",
    "field": "full_name",
    "user_id": "B.user",
    "token": "B.token",
    "filename": "js/app.js",
}
IMPORT_RUN = {"run_id": "B.import_run"}
JOB = {"run_id": "B.job"}
NEW_USER = {"username": "quetmoi", "password": "mat-khau-moi-123", "role": "officer",
            "full_name": "Người Quét"}  # fmt: skip

ROUTES: dict[tuple[str, str], list[Case]] = {
    # ---- public (asserted separately: no 500, nothing of B's children shown)
    ("auth.login", "GET"): C(foreign=False),
    ("auth.login", "POST"): C(form={"username": "", "password": ""}, foreign=False),
    ("static", "GET"): C(foreign=False),
    ("batches.verify", "GET"): C(foreign=False),
    ("main.healthz", "GET"): C(foreign=False),
    ("main.index", "GET"): C(foreign=False),
    ("auth.session_token", "GET"): C(foreign=False),
    # ---- the user's own pages (no id): open or 403, never B's rows
    ("main.home", "GET"): C(),
    ("auth.password", "GET"): C(),
    ("auth.password", "POST"): C(form={"current": "sai", "new": "x", "confirm": "y"}),
    ("auth.logout", "POST"): C(),
    ("auth.sessions", "GET"): C(),
    ("auth.end_other_sessions", "POST"): C(foreign=False),
    ("records.index", "GET"): C() + C(query={"q": "Lò"}) + C(query={"hamlet": "Thôn Một"}),
    ("records.new", "GET"): C(),
    ("records.new", "POST"): C(form={"full_name": ""}),
    ("review.duplicates", "GET"): C(),
    ("review.proposals", "GET"): C(),
    ("review.my_proposals", "GET"): C(),
    ("review.volunteers", "GET"): C(),
    ("hamlets.index", "GET"): C(),
    ("batches.index", "GET"): C(),
    ("batches.create", "POST"): C(foreign=False),
    ("batches.settings", "GET"): C(),
    ("batches.settings", "POST"): C(
        form={"unit": "B.province_code", "handover_weekday": 1, "return_weekday": 2}, foreign=True
    ),  # fmt: skip
    ("imports.index", "GET"): C(),
    ("imports.upload", "POST"): C(form={"unit": "B.unit_code"}, upload=True, foreign=True),
    ("imports.sample", "GET"): C(),
    ("imports.conflicts", "GET"): C(),
    ("imports.decide_many", "POST"): C(
        form={"conflict": "B.conflict", "decision": "keep", "confirm": "1"}, foreign=True
    ),
    ("jobs.index", "GET"): C(),
    ("jobs.rebuild_findings", "POST"): C(form={"unit": "B.unit_code"}, foreign=True),
    ("jobs.visit_sheets", "POST"): C(form={"hamlet": "Thôn Một"}, foreign=False),
    ("changes.index", "GET"): C(),
    ("changes.sheet", "POST"): C(foreign=False),
    ("exports.cleaned", "GET"): C(query={"unit": "B.unit_code"}, foreign=True),
    ("reports.index", "GET"): C(),
    ("reports.build", "POST"): C(
        form={"unit": "B.unit_code", "kind": "weekly", "week_text": "2026-W48", "format": "xlsx"},
        foreign=True,
    ),
    ("reports.totals", "GET"): C(),
    ("reports.cutoff", "POST"): C(
        form={"unit": "B.province_code", "report_weekday": 3, "report_hour": 9}, foreign=True
    ),
    ("dashboard.index", "GET"): C() + C(query={"unit": "B.unit_code"}, foreign=True),
    ("dashboard.records", "GET"): C(
        query={"unit": "B.unit_code", "column": "in_software"}, foreign=True
    ),
    ("dashboard.overdue", "GET"): C(query={"unit": "B.unit_code"}, foreign=True),
    # ---- campaigns (issue 17): another province's unit is never shown nor set
    ("campaigns.index", "GET"): C() + C(query={"unit": "B.unit_code"}, foreign=True),
    ("campaigns.save", "POST"): C(
        form={
            "unit": "B.unit_code",
            "name": "Quét",
            "handover_weekday": 3,
            "return_weekday": 2,
            "report_weekday": 4,
            "report_hour": 10,
            "monthly_day": 15,
            "phase-0-kind": "child",
            "phase-0-start": "04/06/2026",
            "phase-0-end": "18/06/2026",
        },
        foreign=True,
    ),  # fmt: skip
    ("campaigns.remove", "POST"): C(form={"unit": "B.unit_code"}, foreign=True),
    ("admin.units", "GET"): C(),
    ("admin.units", "POST"): C(
        form={"code": "SX9", "name": "Xã Quét Mới", "level": "commune", "parent": "B.unit_code"},
        foreign=True,
    ),
    ("admin.users", "GET"): C(),
    ("admin.users", "POST"): C(form={**NEW_USER, "unit": "B.unit_code"}, foreign=True),
    # ---- B's rows named in the form
    ("review.confirm_merge", "GET"): C(query={"keep": "B.person", "other": "B.person2"})
    + C(query={"keep": "A.person2", "other": "B.person2"}),
    ("review.merge", "POST"): C(form={"keep": "B.person", "other": "B.person2"})
    + C(form={"keep": "A.person2", "other": "B.person2"}),
    ("review.dismiss", "POST"): C(form={"keep": "B.person", "other": "B.person2"})
    + C(form={"keep": "A.person2", "other": "B.person2"}),
    ("hamlets.merge", "POST"): C(form={"source": "B.hamlet2", "into": "A.hamlet", "confirm": "1"})
    + C(form={"source": "A.hamlet2", "into": "B.hamlet", "confirm": "1"}),
    # ---- B's rows named in the URL (and A's URL with B's row where a route takes two)
    ("records.show", "GET"): C(),
    ("records.fact", "GET"): C() + C(query={"edit": "1"}),
    ("records.save_fact", "POST"): C(form={"value": "Lò Văn Đổi", "source": "household_visit"}),
    ("records.mark", "POST"): C(form={"mark": "moved_away", "reason": "Chuyển đi"}),
    ("review.decide", "POST"): C(form={"decision": "approve"}),
    ("review.update_volunteer", "POST"): C(
        args={"user_id": "B.volunteer"}, form={"hamlet": "Thôn Một"}
    ),
    ("imports.show", "GET"): C(args=IMPORT_RUN),
    ("imports.check_mapping", "POST"): C(args=IMPORT_RUN, form={"col-1": "full_name"}),
    ("imports.start", "POST"): C(args=IMPORT_RUN, form={"mode": "apply"}),
    ("imports.annotated", "GET"): C(args=IMPORT_RUN),
    ("imports.discard", "POST"): C(args=IMPORT_RUN),
    ("imports.decide", "POST"): C(form={"decision": "keep"}),
    ("jobs.show", "GET"): C(args=JOB) + C(args={"run_id": "B.docs_job"}),
    ("jobs.download", "GET"): C(args=JOB) + C(args={"run_id": "B.docs_job"}),
    ("changes.entered", "POST"): C(form={"entered": "1"}),
    ("admin.toggle_user", "POST"): C(),
    ("admin.unlock_user", "POST"): C(),
    ("admin.end_user_sessions", "POST"): C(),
    ("auth.end_session", "POST"): C(args={"session_id": "B.session"}),
    ("admin.reset_user_password", "GET"): C(),
    ("admin.reset_user_password", "POST"): C(),
    ("reports.download", "GET"): C(args={"file_id": "B.report"}),
    ("reports.total", "GET"): C(args={"code": "B.unit_code"}),
    ("reports.total", "POST"): C(
        args={"code": "B.unit_code"}, form={"period": "2026-12", "total": "100", "note": ""}
    ),
    ("batches.show", "GET"): C() + C(args={"batch_id": "B.draft"}),
    ("batches.cancel", "POST"): C(form={"reason": "Quét"}) + C(args={"batch_id": "B.draft"}),
    ("batches.close", "POST"): C(),
    ("batches.render_again", "POST"): C(),
    ("batches.issue", "POST"): C(args={"batch_id": "B.draft"}),
    ("batches.returned", "POST"): C(),
    ("batches.download", "GET"): C() + C(args={"kind": "xlsx"}),
    ("batches.add_rows", "POST"): C(
        args={"batch_id": "B.draft"}, form={"person_id": "B.ready_person"}
    )
    + C(args={"batch_id": "A.draft"}, form={"person_id": "B.ready_person"}),
    ("batches.remove_rows", "POST"): C(form={"person_id": "B.person"})
    + C(args={"batch_id": "A.draft"}, form={"person_id": "B.person"}),
    ("returns.upload", "POST"): C(upload=True),
    ("returns.show", "GET"): C() + C(args={"batch_id": "A.batch"}),
    ("returns.annotated", "GET"): C() + C(args={"batch_id": "A.batch"}),
    ("returns.decide", "POST"): C(form={"decision": "accept"})
    + C(args={"batch_id": "A.batch"}, form={"decision": "accept"}),
    ("returns.upload_signed", "POST"): C(upload=True),
    ("returns.signed_copy", "GET"): C() + C(args={"batch_id": "A.batch"}),
    ("keyed.index", "GET"): C(),
    ("keyed.begin", "POST"): C(form={"mode": "double"}),
    ("keyed.grid", "GET"): C(),
    ("keyed.save_all", "POST"): C(form={"number-0": "1"}),
    ("keyed.check", "POST"): C() + C(args={"batch_id": "A.batch"}),
    ("keyed.review", "GET"): C(),
    ("keyed.resolve", "POST"): C() + C(args={"batch_id": "A.batch"}),
    ("keyed.apply", "POST"): C(form={"digest": "x"}),
}


def _rules(app: Flask) -> dict[tuple[str, str], object]:
    out = {}
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            out[(rule.endpoint, method)] = rule
    return out


def _value(raw, world):
    if isinstance(raw, str) and raw[:2] in ("A.", "B."):
        return world[raw[0]].ids[raw[2:]]
    return raw


def _names_b(case: Case, rule) -> bool:
    raws = [*case.args.values(), *case.query.values(), *case.form.values()]
    raws += [DEFAULT_ARGS.get(a) for a in rule.arguments if a not in case.args]
    return any(isinstance(r, str) and r.startswith("B.") for r in raws)


@dataclass
class Request:
    endpoint: str
    method: str
    url: str
    form: dict
    foreign: bool
    upload: bool


def requests_for(app: Flask, world) -> list[Request]:
    """Every case of every route, as concrete requests (GETs first, the logout last)."""
    out = []
    for (endpoint, method), rule in sorted(_rules(app).items()):
        for case in ROUTES.get((endpoint, method), []):
            values = {
                a: _value(case.args.get(a, DEFAULT_ARGS.get(a)), world) for a in rule.arguments
            }
            with app.test_request_context():
                url = rule.build(values, append_unknown=False)[1]
            if case.query:
                from urllib.parse import urlencode

                url += "?" + urlencode({k: _value(v, world) for k, v in case.query.items()})
            foreign = _names_b(case, rule) if case.foreign is None else case.foreign
            form = {k: _value(v, world) for k, v in case.form.items()}
            out.append(Request(endpoint, method, url, form, foreign, case.upload))
    return sorted(out, key=lambda r: (r.method != "GET", r.endpoint == "auth.logout"))


def _send(client, req: Request, token: str | None):
    if req.method == "GET":
        return client.get(req.url)
    data = dict(req.form)
    if token is not None:
        data["csrf_token"] = token
    if req.upload:
        data["file"] = (io.BytesIO(b"PK\x03\x04 not really"), "tep.xlsx")
    return client.post(req.url, data=data, content_type="multipart/form-data")


def _leaks(body: str, req: Request) -> list[str]:
    shown = [name for name in NAMES["B"] if name in body]
    if req.endpoint != "batches.verify" and UNIT_NAMES["B"] in body:
        shown.append(UNIT_NAMES["B"])
    return shown


@pytest.fixture
def world(make, app, tmp_path):
    return build_world(make, tmp_path / "files")


def _token(client, url: str) -> str:
    match = CSRF_RE.search(client.get(url).get_data(as_text=True))
    assert match, url
    return match.group(1)


def test_every_route_is_swept(web_app):
    """The table covers the URL map exactly: a new route must be given its sweep cases."""
    routes = set(_rules(web_app))
    assert set(ROUTES) - routes == set(), "entries for routes that no longer exist"
    assert routes - set(ROUTES) == set(), "routes the sweeps do not cover: add them to ROUTES"
    assert PUBLIC <= routes


@pytest.mark.parametrize("role", [None, *ROLES], ids=["anonymous", *ROLES])
def test_sweep_other_units_ids(role, world, client, login, web_app):
    """Every route as `role` of commune A (or signed out) with commune B's ids."""
    if role is not None:
        login(world["A"].users[role])
        token = _token(client, "/account/password")
    else:
        token = _token(client, "/login")
    b_unit = world["B"].ids["unit"]
    problems = []
    for req in requests_for(web_app, world):
        public = (req.endpoint, req.method) in PUBLIC
        before = snapshot() if req.foreign else unit_snapshot(b_unit)
        resp = _send(client, req, token)
        body = resp.get_data(as_text=True) if resp.mimetype.startswith("text") else ""
        resp.close()
        after = snapshot() if req.foreign else unit_snapshot(b_unit)
        where = f"{req.method} {req.url} {req.form or ''}"
        if resp.status_code >= 500:
            problems.append(f"{where}: {resp.status_code}")
        if leaked := _leaks(body, req):
            problems.append(f"{where}: shows {leaked}")
        if before != after:
            changed = sorted(k for k in before if before[k] != after.get(k))
            problems.append(f"{where}: changed {changed}")
        if role is None and not public:
            location = resp.headers.get("Location", "")
            if resp.status_code != 302 or not location.startswith("/login"):
                problems.append(f"{where}: signed out, answered {resp.status_code} {location}")
        elif role is not None and req.foreign and resp.status_code not in (403, 404):
            problems.append(f"{where}: answered {resp.status_code}, not 403/404")
    assert problems == [], "\n".join(problems)


def test_sweep_matrix_size(web_app, world):
    """The matrix the sweep runs (reported in the README)."""
    reqs = requests_for(web_app, world)
    routes = len(_rules(web_app))
    assert routes >= 70 and len(reqs) >= routes
    assert sum(r.foreign for r in reqs) >= 50


def test_every_post_without_csrf_token_is_refused(world, client, login, web_app):
    """Signed in as the officer (who may do most), no POST is done without the form's token."""
    login(world["A"].users["officer"])
    problems = []
    for req in requests_for(web_app, world):
        if req.method != "POST":
            continue
        before = snapshot()
        resp = _send(client, req, None)
        if resp.status_code != 400 or snapshot() != before:
            problems.append(f"{req.url}: {resp.status_code}")
    assert problems == [], "\n".join(problems)
    assert client.get("/home").status_code == 200  # still signed in


def test_officer_opens_own_units_ids(world, client, login, web_app):
    """The control of the sweep: the same GETs with commune A's ids open for A's officer (so
    the 404s above come from the scope, not from ids that lead nowhere)."""
    login(world["A"].users["officer"])
    swapped = {"B": world["A"], "A": world["A"]}
    refused = []
    for req in requests_for(web_app, swapped):
        if req.method != "GET" or not req.foreign or req.endpoint == "batches.verify":
            continue
        if req.endpoint.startswith("admin.") or "draft" in req.url:
            continue  # the administrator's pages; a draft's issue links
        resp = client.get(req.url)
        status = resp.status_code
        resp.close()
        if status != 200 and not (req.endpoint == "review.confirm_merge" and status == 409):
            refused.append(f"{req.url}: {status}")
    assert refused == [], refused


def test_adding_another_communes_person_to_own_draft_is_refused(world, login, post):
    login(world["A"].users["officer"])
    draft, person = world["A"].ids["draft"], world["B"].ids["ready_person"]
    before = snapshot()
    resp = post(f"/batches/{draft}/rows", {"person_id": person})
    assert resp.status_code == 404
    assert snapshot() == before
    assert db.session.query(BatchRow).filter_by(batch_id=draft).count() == 0
    # Mixed with one of its own: still refused as a whole.
    resp = post(f"/batches/{draft}/rows", {"person_id": [world["A"].ids["ready_person"], person]})
    assert resp.status_code == 404
    assert snapshot() == before
    # Its own ready child is added.
    resp = post(f"/batches/{draft}/rows", {"person_id": world["A"].ids["ready_person"]})
    assert resp.status_code == 302
    assert db.session.query(BatchRow).filter_by(batch_id=draft).count() == 1


def test_verify_page_shows_no_child(world, client):
    page = client.get(f"/v/{world['B'].ids['token']}")
    assert page.status_code == 200
    assert not re.search("|".join(NAMES["B"]), page.get_data(as_text=True))
    assert client.get(f"/v/{world['B'].ids['draft_token']}").status_code == 404
