import pytest
from django.core.management import call_command
from django.test import override_settings

from directory import sample_region
from directory.management.commands.load_sample_region import load
from directory.models import Agency, AgencyType, Category, Ground, GroundKind, Municipality
from regbank_app.site import ReadOnlyHere

pytestmark = pytest.mark.django_db


def test_ten_municipalities_with_the_published_figures():
    codes = list(Municipality.objects.values_list("code", flat=True))
    assert codes == [f"MO-{n}" for n in range(1, 11)]
    assert Municipality.objects.get(code="MO-4").name == "МО-4"
    mo1 = next(m for m in sample_region.MUNICIPALITIES if m["code"] == "MO-1")
    assert (mo1["families"], mo1["minors"]) == (32, 49)
    for mo in sample_region.MUNICIPALITIES:
        for year in (2019, 2020):
            a = mo["actions"]
            assert a["entry"][year] == a["entry_kdn"][year] + a["entry_other"][year]


def test_published_year_on_year_changes_follow_from_the_figures():
    by_code = {m["code"]: m["actions"]["all"] for m in sample_region.MUNICIPALITIES}

    def change(code, year):
        return round((by_code[code][year] / by_code[code][year - 1] - 1) * 100, 1)

    assert change("MO-1", 2020) == 87.4
    assert change("MO-4", 2019) == 478.6
    assert change("MO-3", 2020) == -42.2


def test_every_mo_has_an_agency_of_each_type():
    for mo in Municipality.objects.all():
        types = set(Agency.objects.filter(mo=mo).values_list("type", flat=True))
        assert types == set(AgencyType.values), mo.code
        assert Agency.objects.filter(mo=mo, type=AgencyType.KDN).count() == 1
        assert Agency.objects.filter(mo=mo, type=AgencyType.EDUCATION).count() >= 4
    assert Agency.objects.filter(mo__isnull=True, type=AgencyType.KDN).exists()


def test_categories_and_grounds_for_both_card_kinds():
    assert Category.objects.for_card("family").count() >= 5
    assert Category.objects.for_card("minor").count() >= 10
    reg = Ground.objects.filter(kind=GroundKind.REGISTRATION)
    dereg = Ground.objects.filter(kind=GroundKind.DEREGISTRATION)
    assert reg.for_card("minor").count() >= 5 and reg.for_card("family").count() >= 4
    assert dereg.for_card("minor").filter(name__contains="18 лет").exists()
    assert not dereg.for_card("family").filter(name__contains="18 лет").exists()


def test_loading_again_changes_nothing_and_ids_are_deterministic():
    before = {
        "mo": set(Municipality.objects.values_list("id", flat=True)),
        "agency": set(Agency.objects.values_list("id", flat=True)),
    }
    load(own_server={"MO-3"})
    assert set(Municipality.objects.values_list("id", flat=True)) == before["mo"]
    assert set(Agency.objects.values_list("id", flat=True)) == before["agency"]
    assert Municipality.objects.get(code="MO-2").id == sample_region.row_id("mo", "MO-2")
    assert Municipality.objects.get(code="MO-3").own_server is True


def test_command_output_and_unknown_mo(capsys):
    call_command("load_sample_region", "--own-server", "MO-3")
    assert "10 МО" in capsys.readouterr().out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="MO-11"):
        call_command("load_sample_region", "--own-server", "MO-11")


@override_settings(REGBANK_SITE_ROLE="municipal", REGBANK_SITE_MO="MO-3")
def test_directories_are_read_only_at_a_municipal_site():
    mo = Municipality.objects.get(code="MO-3")
    mo.name = "Другое"
    with pytest.raises(ReadOnlyHere):
        mo.save()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="regional server only"):
        call_command("load_sample_region")


def test_directory_pages_list_the_region(client):
    from regbank_app.testing import factories

    client.force_login(factories.user())
    page = client.get("/directory/agencies/?mo=MO-2&type=police").content.decode()
    assert "по делам несовершеннолетних ОМВД России по МО-2" in page
    assert "МО-1" not in page.split("<tbody>")[1]
    assert "Смена места жительства" in client.get("/directory/grounds/").content.decode()
    assert "МО-10" in client.get("/directory/mo/").content.decode()
    assert "Беспризорный" in client.get("/directory/categories/").content.decode()


def test_regional_officer_edits_directories_with_audit(client):
    from accounts.models import Role
    from audit.models import Action, AuditEvent
    from regbank_app.testing import factories

    client.force_login(factories.user(Role.REGIONAL, None))
    mo5 = Municipality.objects.get(code="MO-5")
    response = client.post(
        "/directory/agencies/new/",
        {
            "mo": str(mo5.pk),
            "type": "health",
            "name": "ГБУЗ «Детская поликлиника № 2» МО-5",
            "short_name": "Детская поликлиника № 2",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    agency = Agency.objects.get(short_name="Детская поликлиника № 2")
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=agency.pk).exists()
    response = client.post(
        f"/directory/agencies/{agency.pk}/edit/",
        {"mo": str(mo5.pk), "type": "health", "name": agency.name, "short_name": agency.short_name},
    )
    agency.refresh_from_db()
    assert not agency.is_active
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=agency.pk)
    assert event.changes["is_active"] == {"label": "действует", "old": "да", "new": "нет"}
    page = client.get("/directory/categories/").content.decode()
    assert "/edit/" in page


def test_others_cannot_edit_directories(client, settings):
    from accounts.models import Role
    from regbank_app.testing import factories

    client.force_login(factories.user(Role.MUNICIPAL, "MO-1"))
    assert client.get("/directory/agencies/new/").status_code == 403
    assert "/edit/" not in client.get("/directory/agencies/").content.decode()
    client.force_login(factories.user(Role.REGIONAL, None))
    settings.REGBANK_SITE_ROLE, settings.REGBANK_SITE_MO = "municipal", "MO-3"
    assert client.get("/directory/grounds/new/").status_code == 403
