"""Building test data: users of each role, cards, plans (kept out of test discovery)."""

from __future__ import annotations

import datetime
import itertools

from django.test import override_settings

from accounts.models import Role, User
from directory.models import Agency, AgencyType, Ground, Municipality
from prevention.models import Measure, Plan
from registry.models import Family, Minor, Registration

PASSWORD = "Proverka-2024!"  # noqa: S105 - test accounts only
_counter = itertools.count(1)


def mo(code: str) -> Municipality:
    return Municipality.objects.get(code=code)


def agency(mo_code: str | None, type_: str = AgencyType.KDN) -> Agency:
    qs = Agency.objects.filter(type=type_)
    qs = qs.filter(mo__isnull=True) if mo_code is None else qs.filter(mo__code=mo_code)
    return qs.order_by("name").first()


def user(role: str = Role.MUNICIPAL, mo_code: str | None = "MO-1", **fields) -> User:
    n = next(_counter)
    if role == Role.MUNICIPAL:
        fields.setdefault("agency", agency(mo_code, AgencyType.KDN))
    if role == Role.AGENCY:
        fields.setdefault("agency", agency(mo_code, AgencyType.EDUCATION))
    defaults = {
        "last_name": "Петрова",
        "first_name": "Анна",
        "middle_name": "Сергеевна",
        "role": role,
        "mo": mo(mo_code) if mo_code and role != Role.REGIONAL else None,
        "must_change_password": False,
    }
    defaults.update(fields)
    username = defaults.pop("username", f"user{n}")
    return User.objects.create_user(username, PASSWORD, **defaults)


def ground(code: str) -> Ground:
    return Ground.objects.get(code=code)


def family(mo_code: str = "MO-1", *, by: User | None = None, registered=True, **fields):
    obj = Family(mo=mo(mo_code), created_by=by, updated_by=by)
    obj.family_name = fields.pop("family_name", "Ивановы")
    obj.address_actual = fields.pop("address_actual", "г. Образцов, ул. Ленина, д. 1, кв. 2")
    for key, value in fields.items():
        setattr(obj, key, value)
    obj.assign_number()
    obj.save()
    if registered:
        Registration.objects.create(
            mo=obj.mo,
            family=obj,
            registered_on=datetime.date(2024, 3, 1),
            registration_ground=ground("R01"),
            registration_resolution="№ 5/12 от 01.03.2024",
        )
        obj.refresh_status()
    return obj


def minor(mo_code: str = "MO-1", *, by: User | None = None, registered=True, **fields):
    obj = Minor(mo=mo(mo_code), created_by=by, updated_by=by)
    obj.last_name = fields.pop("last_name", "Иванов")
    obj.first_name = fields.pop("first_name", "Пётр")
    obj.middle_name = fields.pop("middle_name", "Андреевич")
    obj.birth_date = fields.pop("birth_date", datetime.date(2011, 5, 17))
    obj.sex = fields.pop("sex", "m")
    for key, value in fields.items():
        setattr(obj, key, value)
    obj.assign_number()
    obj.save()
    if registered:
        Registration.objects.create(
            mo=obj.mo,
            minor=obj,
            registered_on=datetime.date(2024, 4, 2),
            registration_ground=ground("R01"),
        )
        obj.refresh_status()
    return obj


def plan(card, *, agency_obj: Agency | None = None, due=datetime.date(2030, 1, 1), by=None):
    kwargs = {"family": card} if card.kind == "family" else {"minor": card}
    p = Plan.objects.create(
        mo=card.mo,
        start_date=datetime.date(2024, 4, 1),
        end_date=datetime.date(2024, 12, 31),
        goal="Устранение причин социально опасного положения",
        created_by=by,
        **kwargs,
    )
    if agency_obj is not None:
        Measure.objects.create(
            mo=card.mo,
            plan=p,
            title="Контроль посещаемости занятий",
            agency=agency_obj,
            due_date=due,
        )
    return p


def at_site(mo_code: str | None):
    """Settings of a site: `at_site("MO-3")` is MO-3's municipal server, None the regional."""
    if mo_code is None:
        return override_settings(REGBANK_SITE_ROLE="regional", REGBANK_SITE_MO="")
    return override_settings(REGBANK_SITE_ROLE="municipal", REGBANK_SITE_MO=mo_code)
