# ruff: noqa: S608 - SQL from the test's own table names and values, run through psql
"""A new release whose migrations change replicated tables, rolled out with
playbooks/upgrade.yml while rows keep flowing both ways (issue 13, deliverable 4).

The releases are the lab's own application with one migration more each, built and
signed like any bundle: the first adds a column to an up table (family cards) and to a
down table (agencies); the second drops the down table's column again, a contract
release rolled out publishers first. Meanwhile an МО-3 officer files cards at mo3-srv
through the web application and the region changes an agency every half second, so a
server migrated in the wrong order would meet a row it cannot apply.
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
import time

import pytest
from conftest import recap, run
from test_https import site  # noqa: F401 - fixture
from test_replication import (
    MUNICIPAL,
    OFFICER,
    REGIONAL,
    apply_errors,
    create_family,
    mo3_site,  # noqa: F401 - fixture
    officer,  # noqa: F401 - fixture
    region,  # noqa: F401 - fixture
    sql,
    wait_level,
)

from regbank.app_bundle import APP_SOURCE, DEFAULT_KEY, build_bundle

pytestmark = [pytest.mark.full_site, pytest.mark.new_release]

# Each run its own column and versions: the test runs again on the same lab
# (REGBANK_LAB_REUSE=1), and every release is newer than the one before it.
RUN = secrets.token_hex(3)
COLUMN = f"lab_note_{RUN}"
ADD_COLUMNS = f"""
ALTER TABLE registry_family ADD COLUMN {COLUMN} text NULL;
ALTER TABLE directory_agency ADD COLUMN {COLUMN} text NULL;
"""
DROP_DOWN_COLUMN = f"ALTER TABLE directory_agency DROP COLUMN {COLUMN};"
MIGRATION = """from django.db import migrations


class Migration(migrations.Migration):
    {marker}dependencies = [("directory", "{leaf}")]
    operations = [migrations.RunSQL({sql!r})]
"""
FIRST_AGENCY = "(SELECT id FROM directory_agency ORDER BY name LIMIT 1)"


def leaf_migration(source, app: str) -> str:
    return sorted(p.stem for p in (source / app / "migrations").glob("[0-9]*.py"))[-1]


# Each release builds on the one before it: its migrations continue theirs.
_SOURCES = [APP_SOURCE]


def release(tmp_path_factory, sql_text: str, contract: str | None = None):
    """The application as deployed, with one migration more (in `directory`, which
    every site migrates), built and signed into a bundle of a newer version."""
    version = f"0.1.1.dev{int(time.time())}"
    source = tmp_path_factory.mktemp(f"app-{version}") / "app_bundle"
    ignore = shutil.ignore_patterns("__pycache__", "build", "*.egg-info")
    shutil.copytree(_SOURCES[-1], source, ignore=ignore)
    leaf = leaf_migration(source, "directory")
    number = int(leaf[:4]) + 1
    marker = f"replication_contract = {contract!r}\n    " if contract else ""
    migration = source / "directory" / "migrations" / f"{number:04d}_{COLUMN}.py"
    migration.write_text(MIGRATION.format(marker=marker, leaf=leaf, sql=sql_text), encoding="utf-8")
    pyproject = source / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(re.sub(r'(?m)^version = ".*"$', f'version = "{version}"', text, count=1),
                         encoding="utf-8")  # fmt: skip
    _SOURCES.append(source)
    return build_bundle(key_path=DEFAULT_KEY, out_dir=source.parent / "build", source=source)


class Traffic:
    """Rows flowing both ways while the sites are upgraded: cards filed at mo3-srv by its
    officer (retried while the application restarts) and an agency renamed at region-srv
    twice a second (the database takes writes throughout)."""

    def __init__(self, where, password):
        self.site, self.password = where, password
        self.stop = threading.Event()
        self.filed: list[str] = []
        self.renames = 0
        self.errors: list[str] = []
        self.threads = [
            threading.Thread(target=self._cards),
            threading.Thread(target=self._agencies),
        ]

    def _cards(self):
        while not self.stop.is_set():
            name = f"Обновляемые-{secrets.token_hex(3)}"
            try:
                create_family(self.site, OFFICER, self.password, name)
                self.filed.append(name)
            except Exception:  # noqa: BLE001 - the application restarts during the upgrade
                time.sleep(1)

    def _agencies(self):
        while not self.stop.is_set():
            try:
                sql(REGIONAL, f"UPDATE directory_agency SET short_name = 'Лаб {self.renames + 1}' "
                    f"WHERE id = {FIRST_AGENCY}")  # fmt: skip
            except AssertionError as error:
                self.errors.append(str(error))
                return
            self.renames += 1
            time.sleep(0.5)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def assert_flowed(self) -> None:
        """Rows went both ways during the upgrade, and the last of each arrived."""
        assert not self.errors, self.errors
        assert len(self.filed) >= 3 and self.renames >= 10, (self.filed, self.renames)
        wait_level("after the upgrade")
        short_name = f"SELECT short_name FROM directory_agency WHERE id = {FIRST_AGENCY}"
        assert sql(MUNICIPAL, short_name) == f"Лаб {self.renames}"
        names = ", ".join(f"'{n}'" for n in self.filed)
        filed = sql(
            REGIONAL, f"SELECT count(*) FROM registry_family WHERE family_name IN ({names})"
        )
        assert filed == str(len(self.filed))
        assert apply_errors(REGIONAL) == apply_errors(MUNICIPAL) == "0"


def columns(host: str, table: str) -> list[str]:
    return sql(host, "SELECT column_name FROM information_schema.columns "
               f"WHERE table_name = '{table}' AND column_name = '{COLUMN}'").split()  # fmt: skip


def upgrade(bundle, *extra: str) -> str:
    return run("ansible-playbook", "playbooks/upgrade.yml",
               "-e", f"registry_app_bundle={bundle.path}", *extra).stdout  # fmt: skip


def test_a_release_that_adds_columns_never_stops_a_subscription(
    tmp_path_factory,
    mo3_site,  # noqa: F811
    officer,  # noqa: F811
):
    bundle = release(tmp_path_factory, ADD_COLUMNS)
    with Traffic(mo3_site, officer) as traffic:
        upgrade(bundle)
        time.sleep(3)  # a few rows more on the new release
    traffic.assert_flowed()
    for host in (REGIONAL, MUNICIPAL):
        assert columns(host, "registry_family") == columns(host, "directory_agency") == [COLUMN]
    # the new columns carry values both ways
    last = traffic.filed[-1]
    sql(MUNICIPAL, f"UPDATE registry_family SET {COLUMN} = 'муниц.' WHERE family_name = '{last}'")
    sql(REGIONAL, f"UPDATE directory_agency SET {COLUMN} = 'рег.' WHERE id = {FIRST_AGENCY}")
    wait_level("the new columns' values")
    family_note = f"SELECT {COLUMN} FROM registry_family WHERE family_name = '{last}'"
    assert sql(REGIONAL, family_note) == "муниц."
    agency_note = f"SELECT {COLUMN} FROM directory_agency WHERE id = {FIRST_AGENCY}"
    assert sql(MUNICIPAL, agency_note) == "рег."
    # the same release again changes nothing and pauses nothing
    counts = recap(upgrade(bundle))
    assert {host: counts[host]["changed"] for host in (REGIONAL, MUNICIPAL)} == {
        REGIONAL: 0,
        MUNICIPAL: 0,
    }


def test_a_release_that_drops_a_column_goes_publishers_first(
    tmp_path_factory,
    mo3_site,  # noqa: F811
    officer,  # noqa: F811
):
    bundle = release(tmp_path_factory, DROP_DOWN_COLUMN, contract="down")
    with Traffic(mo3_site, officer) as traffic:
        upgrade(bundle, "-e", "upgrade_contract=down")
    traffic.assert_flowed()
    for host in (REGIONAL, MUNICIPAL):
        assert columns(host, "directory_agency") == []
        assert columns(host, "registry_family") == [COLUMN]


def test_an_older_release_is_refused_before_anything_changes(mo3_site):  # noqa: F811
    """The lab's own bundle (build/, what site.yml deployed) is older than the test's."""
    before = sql(MUNICIPAL, "SELECT count(*) FROM django_migrations")
    refused = run("ansible-playbook", "playbooks/upgrade.yml", check=False)
    assert refused.returncode != 0
    assert "runs release 0.1.1.dev" in refused.stdout and "is the older 0.1.0" in refused.stdout
    assert sql(MUNICIPAL, "SELECT count(*) FROM django_migrations") == before
