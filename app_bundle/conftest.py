"""Test session: a throwaway PostgreSQL 15 cluster, started here and stopped at the end.

Never SQLite. The cluster runs as the `postgres` system user when the tests run as root
(PostgreSQL refuses root). Set REGBANK_TEST_DATABASE_URL to use an existing server
instead (its user needs CREATEDB; the role `regbank_app` must exist).
"""

from __future__ import annotations

import os

import pytest
from regbank_devtools.pgcluster import ClusterError, TempCluster, free_port_hint

OWNER = "regbank"  # owns the test database, like the deploy's migration role
APP_ROLE = "regbank_app"  # the application's run-time role (settings_test names it)


@pytest.fixture(scope="session")
def pg_cluster():
    if os.environ.get("REGBANK_TEST_DATABASE_URL"):
        yield None
        return
    cluster = TempCluster(port=free_port_hint())
    try:
        cluster.start()
    except ClusterError as exc:
        cluster.stop()
        pytest.exit(str(exc), returncode=3)
    try:
        cluster.psql(f"CREATE ROLE {OWNER} LOGIN CREATEDB")
        cluster.psql(f"CREATE ROLE {APP_ROLE} LOGIN")
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(pg_cluster, django_db_modify_db_settings_parallel_suffix):
    from django.conf import settings

    from regbank_app.config import database_from_url

    db = settings.DATABASES["default"]
    url = os.environ.get("REGBANK_TEST_DATABASE_URL")
    if url:
        parsed = database_from_url(url)
        for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS"):
            db[key] = parsed[key]
    else:
        db.update(pg_cluster.settings_for(OWNER, name="postgres"))
        db["PASSWORD"] = ""
        db["OPTIONS"] = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The sample region's directories are part of every test's starting state."""
    from directory.management.commands.load_sample_region import load

    with django_db_blocker.unblock():
        load(own_server={"MO-3"})
