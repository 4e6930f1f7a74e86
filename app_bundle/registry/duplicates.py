"""The same person or family already on record in another МО.

Deliberately looks past the user's scope, and tells only which МО: the user then agrees
with that МО's commission who keeps the card.
"""

from __future__ import annotations

from .models import CardStatus, Family, FamilyMember, Minor


def person_elsewhere(last_name, first_name, birth_date, mo_id) -> list[str]:
    if not (last_name and first_name and birth_date):
        return []
    match = {
        "last_name__iexact": last_name.strip(),
        "first_name__iexact": first_name.strip(),
        "birth_date": birth_date,
    }
    names = set(
        Minor.objects.filter(status=CardStatus.ON_RECORD, **match)
        .exclude(mo_id=mo_id)
        .values_list("mo__name", flat=True)
    )
    names |= set(
        FamilyMember.objects.filter(family__status=CardStatus.ON_RECORD, **match)
        .exclude(mo_id=mo_id)
        .values_list("mo__name", flat=True)
    )
    return sorted(names)


def family_elsewhere(family_name, address_actual, mo_id) -> list[str]:
    if not (family_name and address_actual):
        return []
    return sorted(
        set(
            Family.objects.filter(
                status=CardStatus.ON_RECORD,
                family_name__iexact=family_name.strip(),
                address_actual__iexact=" ".join(address_actual.split()),
            )
            .exclude(mo_id=mo_id)
            .values_list("mo__name", flat=True)
        )
    )


def warnings_for_family(family: Family) -> list[str]:
    found = []
    where = family_elsewhere(family.family_name, family.address_actual, family.mo_id)
    if where:
        found.append(
            f"Семья {family.family_name} по тому же адресу состоит на учёте в {', '.join(where)}."
        )
    people = list(family.members.all()) + list(family.minors.all())
    for person in people:
        where = person_elsewhere(
            person.last_name, person.first_name, person.birth_date, family.mo_id
        )
        if where:
            found.append(_person_text(person, where))
    return found


def warnings_for_minor(minor: Minor) -> list[str]:
    where = person_elsewhere(minor.last_name, minor.first_name, minor.birth_date, minor.mo_id)
    return [_person_text(minor, where)] if where else []


def _person_text(person, where) -> str:
    return (
        f"{person.full_name}, {person.birth_date:%d.%m.%Y} г. р., состоит на учёте "
        f"в {', '.join(where)}."
    )
