import datetime

import pytest

from accounts.models import Role
from regbank_app.testing import factories

pytestmark = pytest.mark.django_db


def _figures(client):
    html = client.get("/").content.decode()
    return html.split('<dl class="figures">')[1].split("</dl>")[0], html


def test_home_counts_are_scoped(client):
    school = factories.agency("MO-1", "education")
    late = datetime.date.today() - datetime.timedelta(days=1)
    factories.plan(factories.minor("MO-1"), agency_obj=school, due=late)
    factories.family("MO-1")
    factories.family("MO-2")
    client.force_login(factories.user(Role.MUNICIPAL, "MO-1"))
    figures, _ = _figures(client)
    assert figures.count(">1</a>") == 4  # 1 family, 1 minor, 1 open, 1 overdue
    client.force_login(factories.user(Role.AGENCY, "MO-1", agency=school))
    figures, html = _figures(client)
    assert "Карточки с мероприятиями" in html
    client.force_login(factories.user(Role.REGIONAL, None))
    figures, html = _figures(client)
    assert ">2</a>" in figures and "По муниципальным образованиям" in html and "МО-10" in html
