"""The lab's bank is not empty: `make lab` loads the sample region's activity at each
server (playbooks/lab-sample.yml), and the regional analytics show the methodology's
published figures — МО-3's among them, written at mo3-srv and replicated up (issue 20)."""

from __future__ import annotations

import re
import secrets

import pytest
from conftest import MAKE_REGIONAL_USER
from test_https import site  # noqa: F401 - fixture
from test_replication import (
    REGIONAL,
    manage_shell,
    region,  # noqa: F401 - fixture
    session,
    wait_level,
)

pytestmark = pytest.mark.full_site

ANALYST = "lab-regional-analyst"
# Change of all actions in 2020 against 2019, as the methodology publishes it.
PUBLISHED_2020 = {"МО-1": "+87,4\u00a0%", "МО-3": "\u221242,2\u00a0%", "МО-5": "\u221247,6\u00a0%"}


def row(html: str, label: str) -> str:
    """The text of the analytics table's row whose first cell is the label."""
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        ]
        if cells and cells[0] == label:
            return " | ".join(cells)
    raise AssertionError(f"no row {label} in the page")


def test_regional_analytics_show_the_published_figures_after_the_deploy(region):  # noqa: F811
    wait_level("МО-3's sample activity")
    password = f"Lab-{secrets.token_hex(8)}-Zz9"
    manage_shell(REGIONAL, MAKE_REGIONAL_USER.format(name=ANALYST, password=password))
    pool, headers = session(region, ANALYST, password)
    page = pool.request(
        "GET", "/analytics/change/?date_from=2020-01-01&date_to=2020-12-31", headers=headers
    )
    assert page.status == 200, page.data.decode()[:1500]
    html = page.data.decode()
    for label, figure in PUBLISHED_2020.items():
        assert row(html, label).endswith(figure), row(html, label)
