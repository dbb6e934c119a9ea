"""Reading persons for lists and record pages (always through the unit scope)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from ..models import Finding, Person, User
from .access import scoped

PAGE_SIZE = 50


def search_key(text: str) -> str:
    """Lower case, no diacritics, single spaces: the form name_key is stored in."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(text.lower().split())


@dataclass
class Page:
    items: list[Person]
    total: int
    page: int
    pages: int


def list_persons(
    session: Session, user: User, *, q: str = "", only_open: bool = False, page: int = 1
) -> Page:
    """One page of the persons in scope, records with open errors first."""
    stmt = scoped(user, Person)
    q = q.strip()
    if q.isdigit():
        stmt = stmt.where(Person.id_number.startswith(q))
    elif q:
        stmt = stmt.where(Person.name_key.contains(search_key(q), autoescape=True))
    has_error = exists().where(
        Finding.person_id == Person.id, Finding.status == "open", Finding.severity == "error"
    )
    if only_open:
        stmt = stmt.where(has_error)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    items = session.scalars(
        stmt.options(selectinload(Person.findings))
        .order_by(has_error.desc(), Person.name_key, Person.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return Page(list(items), total, page, pages)
