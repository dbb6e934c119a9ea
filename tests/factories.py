"""Factories for synthetic units, users and persons (no real people)."""

from __future__ import annotations

import itertools
from datetime import date

from treem_app.models import Person, Unit, User
from treem_app.services.accounts import create_user
from treem_app.services.units import add_unit

TEST_PASSWORD = "mat-khau-thu-123"
_seq = itertools.count(1)


class Factories:
    def __init__(self, session):
        self.session = session

    def unit(
        self,
        name: str | None = None,
        *,
        level: str = "commune",
        parent: Unit | None = None,
        code: str | None = None,
    ) -> Unit:
        n = next(_seq)
        unit = add_unit(
            self.session, code or f"T{n:05d}", name or f"Xã Thử Nghiệm {n}", level, parent
        )
        self.session.commit()
        return unit

    def tree(self) -> dict[str, Unit]:
        """A province with one district holding communes A and B, and a second district with C."""
        province = self.unit("Tỉnh Thử Nghiệm", level="province", code="P01")
        district = self.unit("Huyện Một", level="district", parent=province, code="D01")
        other_district = self.unit("Huyện Hai", level="district", parent=province, code="D02")
        return {
            "province": province,
            "district": district,
            "a": self.unit("Xã An Phú", parent=district, code="C0001"),
            "b": self.unit("Xã Bình Minh", parent=district, code="C0002"),
            "c": self.unit("Xã Cát Tiên", parent=other_district, code="C0003"),
            "other_district": other_district,
        }

    def user(
        self,
        role: str = "officer",
        unit: Unit | None = None,
        *,
        username: str | None = None,
        password: str = TEST_PASSWORD,
        **kwargs,
    ) -> User:
        unit = unit or self.unit()
        user = create_user(
            self.session,
            username or f"{role}{next(_seq)}",
            password,
            role=role,
            unit=unit,
            full_name=kwargs.pop("full_name", f"Người Dùng {role.title()}"),
            **kwargs,
        )
        self.session.commit()
        return user

    def person(self, unit: Unit, **facts) -> Person:
        values = {
            "full_name": "Nguyễn Văn An",
            "name_key": "nguyen van an",
            "dob": date(2015, 3, 5),
            "dob_precision": "day",
            "sex": "M",
            "ethnicity": "01",
            "father_name": "Nguyễn Văn Bình",
            "hamlet": "Thôn Một",
            "status": "in_review",
        }
        values.update(facts)
        person = Person(unit=unit, **values)
        self.session.add(person)
        self.session.commit()
        return person
