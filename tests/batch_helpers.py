"""Synthetic children ready for the police, for the handover tests (no real people)."""

from __future__ import annotations

import random
import subprocess
from datetime import date
from pathlib import Path

from treem_app.domain.names import name_key
from treem_app.synthetic import LIST_FAMILIES, LIST_GIVEN, LIST_MIDDLES


def ready_children(make, unit, n: int, *, seed: int = 7, hamlets=("Thôn Hưng Nghĩa",)) -> list:
    """`n` children with distinct names, facts in order and no verified ID: status "ready"."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out = []
    while len(out) < n:
        name = f"{rng.choice(LIST_FAMILIES)} {rng.choice(LIST_MIDDLES)} {rng.choice(LIST_GIVEN)}"
        if len(seen) > 300:
            name += f" {rng.choice(LIST_GIVEN)}"
        if name in seen:
            continue
        seen.add(name)
        out.append(
            make.person(
                unit,
                full_name=name,
                name_key=name_key(name),
                dob=date(2012 + rng.randrange(12), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                sex=rng.choice("MF"),
                mother_name=f"{rng.choice(LIST_FAMILIES)} Thị {rng.choice(LIST_GIVEN)}",
                hamlet=rng.choice(hamlets),
                id_number=None,
                status="ready",
            )
        )
    return out


def pdf_text(data: bytes, tmp_path: Path, name: str = "list.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(next(ln for ln in info.stdout.splitlines() if ln.startswith("Pages:")).split()[1])


def issued_on_the_web(make, login, post, *, children: int = 3):
    """A commune's officer signed in, `children` ready children, a list made and issued through
    the pages (its documents job queued, not run); returns (tree, officer, batch)."""
    from sqlalchemy import select

    from treem_app.extensions import db
    from treem_app.models import Batch

    tree = make.tree()
    officer = make.user("officer", tree["a"])
    ready_children(make, tree["a"], children)
    login(officer)
    post("/batches")
    batch = db.session.scalar(select(Batch))
    post(f"/batches/{batch.id}/issue")
    db.session.refresh(batch)
    return tree, officer, batch
