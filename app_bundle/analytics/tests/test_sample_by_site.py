"""`load_sample_activity` writes at each site only the rows whose home is that site.

The lab's region is mixed: МО-3 has its own municipal server, the other МО are served by
the regional server. One database plays both sites in turn (the site comes from the
settings); what the municipal server writes would reach the regional server by
replication, so the union of the two loads in one database is what the regional server
holds afterwards. The events are loaded at 2 % of Table 2 (the cards in full); the
published figures of the full load are checked in test_sample_figures.py.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings

from accounts.models import User
from analytics import rollup, synthetic
from audit.models import AuditEvent
from directory import sample_region as sample
from directory.models import Municipality
from regbank_app import replication
from registry.models import Family, Minor

pytestmark = pytest.mark.django_db

SCALE = "0.02"
MO3 = override_settings(REGBANK_SITE_ROLE="municipal", REGBANK_SITE_MO="MO-3")


def _load(*args) -> str:
    out = io.StringIO()
    call_command("load_sample_activity", "--scale", SCALE, *args, stdout=out)
    return out.getvalue()


def _per_mo(model) -> dict[str, int]:
    rows = model.objects.values_list("mo__code", flat=True)
    counts: dict[str, int] = {}
    for code in rows:
        counts[code] = counts.get(code, 0) + 1
    return counts


def _events_per_mo_and_year() -> dict[tuple[str, int, str], int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.code, extract(year FROM e.time AT TIME ZONE 'Europe/Moscow')::int, "
            "e.site, count(*) FROM audit_auditevent e "
            "JOIN directory_municipality m ON m.id = e.mo_id GROUP BY 1, 2, 3"
        )
        return {(code, year, where): n for code, year, where, n in cursor.fetchall()}


def _expected_events(code: str) -> dict[int, int]:
    spec = next(s for s in synthetic.sample_specs(float(SCALE)) if s.code == code)
    return {year: y.all for year, y in spec.years.items()}


def _expected_cards(code: str) -> int:
    mo = next(m for m in sample.MUNICIPALITIES if m["code"] == code)
    return mo["families"] + round(mo["families"] * 0.4) + mo["minors"] + round(mo["minors"] * 0.4)


def test_the_regional_server_leaves_out_the_mo_with_its_own_server():
    assert Municipality.objects.get(code="MO-3").own_server  # conftest: the lab's region
    out = _load()
    assert "9 МО" in out and "not loaded here: MO-3" in out
    assert "MO-3" not in _per_mo(Family) and "MO-3" not in _per_mo(Minor)
    events = _events_per_mo_and_year()
    assert not [key for key in events if key[0] == "MO-3"]
    assert {key[2] for key in events} == {"regional"}  # written here, so marked here
    for mo in sample.MUNICIPALITIES:
        if mo["code"] != "MO-3":
            expected = _expected_events(mo["code"])
            assert {y: events[(mo["code"], y, "regional")] for y in expected} == expected
            assert _per_mo(Family)[mo["code"]] + _per_mo(Minor)[mo["code"]] == _expected_cards(
                mo["code"]
            )
    # accounts are mastered here: МО-3's users are made here and go down by replication
    assert User.objects.filter(mo__code="MO-3", username__startswith="mo3.").count() >= 7


def test_the_municipal_server_writes_only_its_own_mo():
    _load()
    users = User.objects.count()
    before = _events_per_mo_and_year()
    with connection.cursor() as cursor:  # as at mo3-srv: its tables are published up
        cursor.execute(replication.publication_sql("regbank_up", "up"))
    with MO3:
        out = _load()
    assert out.startswith("loaded at the municipal server of MO-3: 1 МО, 0 users")
    assert User.objects.count() == users
    after = _events_per_mo_and_year()
    new = {key: n for key, n in after.items() if key not in before}
    assert {key[0] for key in new} == {"MO-3"} and {key[2] for key in new} == {"MO-3"}
    assert {key[1]: n for key, n in new.items()} == _expected_events("MO-3")
    assert {k: n for k, n in after.items() if k[0] != "MO-3"} == before
    assert _per_mo(Family)["MO-3"] + _per_mo(Minor)["MO-3"] == _expected_cards("MO-3")
    # the rollup agrees with the journal
    assert rollup.differences(connection) == []


def test_the_municipal_server_waits_for_the_users_of_its_mo():
    with MO3, pytest.raises(CommandError, match="load the sample activity at the regional"):
        _load("--wait", "1")
    assert not Family.objects.exists() and not AuditEvent.objects.exists()


def test_loading_twice_is_refused_at_both_sites():
    _load()
    with pytest.raises(CommandError, match="already loaded"):
        _load()
    with MO3:
        _load()
        with pytest.raises(CommandError, match="card file of MO-3 is not empty"):
            _load()


def test_a_municipal_server_of_an_mo_outside_the_sample_is_refused():
    with (
        override_settings(REGBANK_SITE_ROLE="municipal", REGBANK_SITE_MO="MO-11"),
        pytest.raises(CommandError, match="MO-11 is not an МО of the sample region"),
    ):
        _load()


# Every generated row but its time of loading (updated_at of registrations and members);
# events without their site, which is where they were written.
FINGERPRINTS = {
    "registry_family": "id, mo_id, seq, status, family_name, address_actual, is_large",
    "registry_minor": "id, mo_id, seq, status, last_name, first_name, birth_date, family_id",
    "registry_registration": "id, mo_id, family_id, minor_id, registered_on, deregistered_on",
    "registry_familymember": "id, family_id, relation, last_name, first_name, birth_date",
    "accounts_user": "id, username, last_name, first_name, mo_id, agency_id",
    "audit_auditevent": "id, time, action, user_id, mo_id, object_id, card_id, client_ip",
}


def _fingerprint() -> dict[str, tuple[int, str]]:
    prints = {}
    with connection.cursor() as cursor:
        for table, columns in FINGERPRINTS.items():
            cursor.execute(
                f"SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t.id)) "  # noqa: S608
                f"FROM (SELECT {columns} FROM {table}) t"
            )
            prints[table] = cursor.fetchone()
    return prints


def test_the_two_sites_together_write_the_rows_of_one_load():
    with transaction.atomic():
        _load()
        with MO3:
            _load()
        split = _fingerprint()
        sites = {key[2] for key in _events_per_mo_and_year() if key[0] == "MO-3"}
        transaction.set_rollback(True)
    assert sites == {"MO-3"}
    assert split["audit_auditevent"][0] == sum(
        sum(_expected_events(mo["code"]).values()) for mo in sample.MUNICIPALITIES
    )
    # the old single load: every МО at the regional server
    Municipality.objects.filter(code="MO-3").update(own_server=False)
    out = _load()
    assert "10 МО" in out and "not loaded here" not in out
    assert _fingerprint() == split
