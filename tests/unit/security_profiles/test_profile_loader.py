"""Profiles: the shipped ones resolve completely; broken ones are refused with the key."""

from pathlib import Path

import pytest
import yaml

from regbank_foundation.paths import KIT_ROOT
from security_profiles.coverage import coverage
from security_profiles.datafile import DataFileError
from security_profiles.profile import load_profile, profile_path


@pytest.fixture
def kit(tmp_path):
    """A kit tree with one role carrying one measure tag and one document template."""
    tasks = tmp_path / "roles" / "os_hardening" / "tasks"
    tasks.mkdir(parents=True)
    (tasks / "main.yml").write_text(
        "- name: Lock out after failed logins\n"
        "  ansible.builtin.debug: {msg: faillock}\n"
        "  tags: [fstec21_upd_6]\n"
        "- name: Least privilege for the admin\n"
        "  ansible.builtin.debug: {msg: sudo}\n"
        "  tags: [fstec21_upd_5]\n",
        encoding="utf-8",
    )
    templates = tmp_path / "docs" / "templates"
    templates.mkdir(parents=True)
    (templates / "policy.md").write_text("# Политика\n", encoding="utf-8")
    return tmp_path


def _profile(**changes):
    data = {
        "title": "Проверочный профиль",
        "level": 4,
        "rationale": "Для проверки загрузчика.",
        "overrides": [
            {"framework": "fstec21", "code": "ОЦЛ.3", "action": "remove", "reason": "Нет."}
        ],
        "external_slots": {"vpn": {"required": "СКЗИ", "lab": "WireGuard"}},
        "measures": {
            "fstec21": {
                "УПД.6": {"implemented_by": [{"role": "os_hardening", "tag": "fstec21_upd_6"}]},
                "УПД.13": {"external": "vpn"},
                "УПД.16": {"organisational": "docs/templates/policy.md"},
                "ИАФ.1": {"planned": ["registry_app"], "note": "вход в приложение"},
            }
        },
    }
    return data | changes


def _load(kit, data):
    path = kit / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_profile(path, kit_root=kit)


def _refused(kit, data):
    with pytest.raises(DataFileError) as caught:
        _load(kit, data)
    message = str(caught.value)
    assert message.startswith(f"{kit / 'profile.yaml'}: invalid")
    return message


def _with_measure(code, mapping):
    data = _profile()
    data["measures"]["fstec21"][code] = mapping
    return data


# The shipped profiles


def test_lab_inventory_profile_is_shipped():
    group_vars = yaml.safe_load((KIT_ROOT / "inventory/lab/group_vars/all/main.yml").read_text())
    assert profile_path(group_vars["regbank_profile"]).is_file()


def test_uz1_maps_every_required_measure():
    result = coverage(load_profile(profile_path("uz1")))
    assert result.level == 1
    assert result.state_class == "К1"
    assert result.base_set == 69
    assert result.counts["unmapped"] == 0, [r.code for r in result.rows if r.bucket == "unmapped"]
    assert sum(result.counts.values()) == result.required == len(result.rows)
    assert result.base_counts["unmapped"] == 0
    assert sum(result.base_counts.values()) == result.base_set
    added = {row.code: row.reason for row in result.rows if row.origin == "added"}
    assert set(added) == {"ОЦЛ.3", "РСБ.6", "УПД.7"}
    assert all(reason.strip() for reason in added.values())


def test_uz1_says_what_its_coverage_leaves_out():
    result = coverage(load_profile(profile_path("uz1")))
    assert len(result.gaps) == 1
    assert "К1" in result.gaps[0] and "01.03.2026" in result.gaps[0]


def test_uz1_templates_are_russian_documents():
    loaded = load_profile(profile_path("uz1"))
    documents = {
        mapping.organisational
        for mapping in loaded.profile.measures["fstec21"].values()
        if mapping.organisational
    }
    assert len(documents) >= 10
    for document in documents:
        text = (KIT_ROOT / document).read_text(encoding="utf-8")
        assert text.startswith("# ") and "[" in text, document  # a title and fields to fill


def test_unknown_profile_name():
    with pytest.raises(DataFileError, match="unknown profile 'uz9'; shipped profiles: .*uz1"):
        profile_path("uz9")


def test_a_path_is_taken_as_a_profile_file():
    assert profile_path("regions/north.yaml") == Path("regions/north.yaml")


# A valid profile and what the loader makes of it


def test_valid_profile_resolves(kit):
    result = coverage(_load(kit, _profile()))
    assert result.base_set == 27
    assert result.counts == {
        "implemented+checked": 1,
        "external": 1,
        "organisational": 1,
        "planned": 1,
        "unmapped": 23,
    }
    removed = [row for row in result.rows if row.origin == "removed"]
    assert [(row.code, row.bucket, row.reason) for row in removed] == [("ОЦЛ.3", None, "Нет.")]
    upd6 = next(row for row in result.rows if row.code == "УПД.6")
    assert (upd6.tag, upd6.detail) == ("fstec21_upd_6", "os_hardening:fstec21_upd_6")


def test_planned_roles_that_already_carry_the_tag_are_marked(kit):
    result = coverage(_load(kit, _with_measure("УПД.5", {"planned": ["os_hardening", "pki"]})))
    upd5 = next(row for row in result.rows if row.code == "УПД.5")
    assert (upd5.bucket, upd5.detail) == ("planned", "роли: os_hardening (тег есть), pki")


def test_removing_a_base_measure_takes_it_out_of_the_count(kit):
    data = _profile()
    data["overrides"].append(
        {"framework": "fstec21", "code": "ЗТС.4", "action": "remove", "reason": "Нет мониторов."}
    )
    result = coverage(_load(kit, data))
    assert (result.base_set, result.removed, result.required) == (27, 2, 26)


# Refusals, each naming the key


def test_two_mapping_kinds(kit):
    message = _refused(
        kit, _with_measure("ИАФ.3", {"planned": ["x"], "organisational": "docs/templates/p.md"})
    )
    assert "measures.fstec21.ИАФ.3: exactly one of" in message
    assert "found organisational, planned" in message


def test_no_mapping_kind(kit):
    message = _refused(kit, _with_measure("ИАФ.3", {"note": "позже"}))
    assert "measures.fstec21.ИАФ.3: exactly one of" in message and "found none" in message


def test_unknown_code_and_framework(kit):
    data = _with_measure("ИАФ.99", {"planned": ["x"]})
    data["measures"]["fstec99"] = {"ИАФ.1": {"planned": ["x"]}}
    message = _refused(kit, data)
    assert "measures.fstec21.ИАФ.99: no measure 'ИАФ.99' in framework 'fstec21'" in message
    assert "measures.fstec99.ИАФ.1: no measure 'ИАФ.1' in framework 'fstec99'" in message


def test_order_21_code_is_not_an_order_117_code(kit):
    data = _profile()
    data["measures"]["fstec117"] = {"ИАФ.1": {"planned": ["x"]}}
    assert "measures.fstec117.ИАФ.1: no measure" in _refused(kit, data)


def test_missing_template(kit):
    message = _refused(kit, _with_measure("ИАФ.3", {"organisational": "docs/templates/no.md"}))
    assert "measures.fstec21.ИАФ.3.organisational: template docs/templates/no.md" in message


def test_template_outside_docs_templates(kit):
    message = _refused(kit, _with_measure("ИАФ.3", {"organisational": "README.md"}))
    assert "measures.fstec21.ИАФ.3.organisational: a template must lie under" in message


def test_role_that_does_not_exist(kit):
    mapping = {"implemented_by": [{"role": "firewall", "tag": "fstec21_upd_3"}]}
    message = _refused(kit, _with_measure("УПД.3", mapping))
    assert "measures.fstec21.УПД.3.implemented_by[0].role: no role 'firewall'" in message


def test_role_without_the_tag(kit):
    mapping = {"implemented_by": [{"role": "os_hardening", "tag": "fstec21_iaf_3"}]}
    message = _refused(kit, _with_measure("ИАФ.3", mapping))
    assert "ИАФ.3.implemented_by[0].tag: no task of role 'os_hardening' is tagged" in message


def test_tag_of_another_measure(kit):
    mapping = {"implemented_by": [{"role": "os_hardening", "tag": "fstec21_upd_6"}]}
    message = _refused(kit, _with_measure("ИАФ.3", mapping))
    assert "ИАФ.3.implemented_by[0].tag: expected 'fstec21_iaf_3', got 'fstec21_upd_6'" in message


def test_a_measure_given_twice_is_refused(kit):
    path = kit / "profile.yaml"
    text = yaml.safe_dump(_profile(), allow_unicode=True)
    path.write_text(text.replace("    УПД.13:", "    УПД.6:\n      planned: [x]\n    УПД.13:"))
    with pytest.raises(DataFileError, match="key 'УПД.6' is given twice"):
        load_profile(path, kit_root=kit)


def _load_with_checks(kit, data, checks):
    path = kit / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_profile(path, kit_root=kit, checks=checks)


def test_checked_by_resolves_against_the_known_checks(kit):
    data = _with_measure("ИАФ.3", {"checked_by": ["app_accounts"]})
    result = coverage(_load_with_checks(kit, data, {"app_accounts": ("ИАФ.3",)}))
    iaf3 = next(row for row in result.rows if row.code == "ИАФ.3")
    assert (iaf3.bucket, iaf3.kind, iaf3.detail) == (
        "implemented+checked",
        "checked_by",
        "проверки: app_accounts",
    )
    assert iaf3.checks == ("app_accounts",)


def test_implemented_and_checked_is_the_strongest_evidence(kit):
    data = _profile()
    data["measures"]["fstec21"]["УПД.6"]["checked_by"] = ["pam_faillock"]
    result = coverage(_load_with_checks(kit, data, {"pam_faillock": ("УПД.6",)}))
    upd6 = next(row for row in result.rows if row.code == "УПД.6")
    assert (upd6.kind, upd6.bucket) == ("implemented_by", "implemented+checked")
    assert upd6.detail == "os_hardening:fstec21_upd_6; проверки: pam_faillock"
    assert result.checked == 1


def test_a_check_may_stand_beside_a_planned_role(kit):
    data = _with_measure("ИАФ.1", {"planned": ["registry_app"], "checked_by": ["ssh_keys_only"]})
    result = coverage(_load_with_checks(kit, data, {"ssh_keys_only": ("ИАФ.1",)}))
    iaf1 = next(row for row in result.rows if row.code == "ИАФ.1")
    assert (iaf1.kind, iaf1.bucket) == ("planned", "planned")
    assert iaf1.checks == ("ssh_keys_only",)


def test_a_check_does_not_stand_beside_a_document(kit):
    data = _with_measure(
        "УПД.16", {"organisational": "docs/templates/policy.md", "checked_by": ["x"]}
    )
    message = _refused(kit, data)
    assert (
        "measures.fstec21.УПД.16: checked_by may join implemented_by, planned, external, "
        "not organisational" in message
    )


def test_no_such_check(kit):
    data = _with_measure("ИАФ.3", {"checked_by": ["ssh_keys_only"]})
    with pytest.raises(DataFileError) as caught:
        _load_with_checks(kit, data, {})
    assert "measures.fstec21.ИАФ.3.checked_by[0]: no check 'ssh_keys_only'" in str(caught.value)


def test_a_check_must_evidence_the_measure_it_is_listed_for(kit):
    data = _with_measure("ИАФ.3", {"checked_by": ["ssh_keys_only"]})
    with pytest.raises(DataFileError) as caught:
        _load_with_checks(kit, data, {"ssh_keys_only": ("ИАФ.1",)})
    assert (
        "measures.fstec21.ИАФ.3.checked_by[0]: check 'ssh_keys_only' evidences ИАФ.1, not ИАФ.3"
        in str(caught.value)
    )


def test_unknown_and_unused_external_slots(kit):
    data = _with_measure("АВЗ.1", {"external": "antivirus"})
    data["external_slots"]["ids"] = {"required": "СОВ", "lab": "нет"}
    message = _refused(kit, data)
    assert "measures.fstec21.АВЗ.1.external: no slot 'antivirus'" in message
    assert "external_slots.ids: not used by any measure" in message


def test_measure_outside_the_selection(kit):
    message = _refused(kit, _with_measure("УПД.7", {"planned": ["os_hardening"]}))
    assert "measures.fstec21.УПД.7: not required by this profile" in message


def test_bad_overrides(kit):
    data = _profile()
    data["overrides"] += [
        {"framework": "fstec21", "code": "УПД.6", "action": "add", "reason": "a"},
        {"framework": "fstec21", "code": "УПД.7", "action": "remove", "reason": "b"},
        {"framework": "fstec21", "code": "ОЦЛ.3", "action": "add", "reason": "c"},
        {"framework": "fstec117", "code": "ИАФ.1", "action": "add", "reason": "d"},
    ]
    message = _refused(kit, data)
    assert "overrides[1]: УПД.6 is already in the base set of УЗ-4" in message
    assert "overrides[2]: УПД.7 is not in the base set; nothing to remove" in message
    assert "overrides[3]: ОЦЛ.3 is overridden twice" in message
    assert "overrides[4]: no measure 'ИАФ.1' in framework 'fstec117'" in message


def test_override_needs_a_written_reason(kit):
    data = _profile()
    data["overrides"][0]["reason"] = "  "
    assert "overrides[0].reason: String should have at least 1 character" in _refused(kit, data)


def test_undetermined_measure_must_be_decided(kit):
    message = _refused(kit, _profile(overrides=[]))
    assert "overrides: fstec21 ОЦЛ.3: the sources disagree" in message


def test_state_class_must_follow_from_significance_and_scale(kit):
    data = _profile(state_system={"class": "К1", "significance": "low", "scale": "regional"})
    message = _refused(kit, data)
    assert "state_system.class: К1 does not follow from significance low and scale regional" in (
        message
    )


def test_uz1_lists_every_check_under_every_measure_it_evidences():
    """The registry and the profile agree both ways: no check is left out of the matrix."""
    from security_profiles.checks import REGISTRY

    loaded = load_profile(profile_path("uz1"))
    required = {row.code for row in coverage(loaded).rows if row.bucket is not None}
    mappings = loaded.profile.measures["fstec21"]
    for check in REGISTRY.values():
        for code in check.measures:
            assert code in required, f"{check.id}: {code} is not required by uz1"
            assert check.id in (mappings[code].checked_by or []), f"uz1 {code} lacks {check.id}"
