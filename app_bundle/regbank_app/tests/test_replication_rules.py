"""The data-model rules replication relies on (docs/architecture.md), checked on every model."""

import json

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import models

from regbank_app import replication
from regbank_app.models import ReferenceModel, RegistryModel

LOCAL_APPS = {"auth", "contenttypes", "sessions", "axes", "regbank_app", "messages"}


def test_table_sets_are_disjoint_and_cover_every_table():
    up, down = set(replication.tables("up")), set(replication.tables("down"))
    assert not up & down
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.app_label
        if label in LOCAL_APPS:
            continue
        assert model._meta.db_table in up | down, model._meta.label


@pytest.mark.parametrize("direction", ["up", "down"])
def test_every_replicated_row_has_a_uuid_key(direction):
    labels = replication.UP_APPS if direction == "up" else replication.DOWN_APPS
    for model in replication.models_of(labels):
        pk = model._meta.pk
        if isinstance(pk, models.CompositePrimaryKey):  # audit events: (id, time)
            assert isinstance(model._meta.get_field("id"), models.UUIDField), model
        else:
            assert isinstance(pk, models.UUIDField), f"{model._meta.label}: {type(pk).__name__}"


def test_registry_rows_carry_their_mo_and_reference_rows_are_regional():
    card_files = [label for label in replication.UP_APPS if label != "audit"]
    assert {"registry", "raids", "reconciliation"} <= set(card_files)
    for model in replication.models_of(card_files):
        assert issubclass(model, RegistryModel), model._meta.label
        assert model._meta.get_field("mo").related_model._meta.label == "directory.Municipality"
    for model in replication.models_of(replication.DOWN_APPS):
        assert issubclass(model, ReferenceModel), model._meta.label


def test_nothing_keyed_by_content_types_or_permissions_travels():
    banned = {"contenttypes.ContentType", "auth.Permission", "auth.Group"}
    for model in replication.models_of(replication.UP_APPS + replication.DOWN_APPS):
        for field in model._meta.get_fields():
            if field.is_relation and field.related_model is not None:
                assert field.related_model._meta.label not in banned, (model, field.name)


def test_reference_rows_never_point_at_registry_rows():
    up = set(replication.tables("up"))
    for model in replication.models_of(replication.DOWN_APPS):
        for field in model._meta.concrete_fields:
            if field.is_relation:
                assert field.related_model._meta.db_table not in up, (model, field.name)


def test_user_has_no_last_login():
    assert not any(f.name == "last_login" for f in apps.get_model("accounts.User")._meta.fields)


def test_publication_never_truncates(capsys):
    call_command("replication_tables", "up", "--sql", "regbank_mo3")
    sql = capsys.readouterr().out
    assert "publish = 'insert, update, delete'" in sql and "truncate" not in sql.lower()
    assert "publish_via_partition_root = true" in sql
    assert "audit_auditevent" in sql and "registry_family" in sql and "accounts_user" not in sql
    call_command("replication_tables", "down")
    down = capsys.readouterr().out.split()
    assert "accounts_user" in down and "directory_agency" in down


def test_both_directions_in_one_json_object(capsys):
    """What the replication role reads: the same lists as one direction at a time."""
    call_command("replication_tables", "--json")
    both = json.loads(capsys.readouterr().out)
    for way in ("down", "up"):
        call_command("replication_tables", way)
        assert both[way] == capsys.readouterr().out.split()
    with pytest.raises(CommandError, match="give a direction"):
        call_command("replication_tables")
