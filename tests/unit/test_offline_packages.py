"""The rule that turns the roles' apt tasks into the bundle's package list."""

from pathlib import Path

import pytest
import yaml

from regbank.offline import packages
from regbank.offline.packages import Need, PackageRuleError


def make_role(kit: Path, name: str, task: dict, variables: dict | None = None) -> None:
    role = kit / "roles" / name
    (role / "tasks").mkdir(parents=True)
    (role / "tasks" / "main.yml").write_text(yaml.safe_dump([task]))
    if variables is not None:
        (role / "vars").mkdir()
        (role / "vars" / "main.yml").write_text(yaml.safe_dump(variables))
    (kit / "playbooks").mkdir(exist_ok=True)


def install(name, **more) -> dict:
    return {"name": "Install", "ansible.builtin.apt": {"name": name, "state": "present", **more}}


def test_every_role_of_the_kit_is_read():
    needs = packages.collect()
    owners = packages.wanted_by(needs)
    assert owners["nftables"] == ["role firewall"]
    assert "role postgresql" in owners["postgresql-15"]  # rendered from postgresql_version
    assert Need("prometheus-node-exporter", "role monitoring", False) in needs
    assert Need("chrony", "role baseline", True) in needs
    assert "playbook lynis.yml" in owners["lynis"]
    # Every role that has an apt install task contributes at least one package.
    roles = {source.split()[1] for source in (n.source for n in needs) if source.startswith("role")}
    assert {"baseline", "os_hardening", "postgresql", "registry_app", "nginx"} <= roles


def test_only_the_given_roles():
    assert {n.source for n in packages.collect(roles=["firewall"])} == {"role firewall"}
    with pytest.raises(PackageRuleError, match="no such role: nope"):
        packages.collect(roles=["nope"])


def test_a_literal_package_name_in_a_role_is_refused(tmp_path):
    make_role(tmp_path, "sneaky", install("curl"))
    with pytest.raises(
        PackageRuleError, match=r"roles/sneaky/tasks/main.yml: Install: installs 'curl'"
    ):
        packages.collect(kit=tmp_path)


def test_a_variable_the_role_does_not_define_is_refused(tmp_path):
    make_role(tmp_path, "vague", install("{{ vague_packages }}"), {"other": 1})
    with pytest.raises(PackageRuleError, match="vague_packages }}, which the role's vars/"):
        packages.collect(kit=tmp_path)


def test_removals_are_not_bundled_and_templates_are_rendered(tmp_path):
    make_role(
        tmp_path,
        "db",
        {"block": [install("{{ db_packages }}", install_recommends=False),
                   {"ansible.builtin.apt": {"name": ["telnet"], "state": "absent"}}]},
        {"db_version": 15, "db_packages": ["postgresql-{{ db_version }}"]},
    )  # fmt: skip
    assert packages.collect(kit=tmp_path) == [Need("postgresql-15", "role db", False)]


def test_a_literal_hidden_in_an_expression_is_refused(tmp_path):
    make_role(tmp_path, "sly", install("{{ sly_packages + ['curl'] }}"), {"sly_packages": ["a1"]})
    with pytest.raises(PackageRuleError, match=r"sly/tasks/main.yml: Install: installs .*'curl'"):
        packages.collect(kit=tmp_path)


def test_an_expression_choosing_at_run_time_bundles_every_choice(tmp_path):
    choice = "{{ tun_packages + ([] if tun_probe.stat.exists else tun_userspace_packages) }}"
    variables = {"tun_packages": ["wireguard-tools"], "tun_userspace_packages": ["wireguard-go"]}
    make_role(tmp_path, "tun", install(choice), variables)
    found = [need.package for need in packages.collect(kit=tmp_path)]
    assert found == ["wireguard-tools", "wireguard-go"]


def test_a_package_variable_holding_such_an_expression_bundles_every_choice(tmp_path):
    variables = {
        "tun_packages": ["wireguard-tools"],
        "tun_userspace_packages": ["wireguard-go"],
        "tun_wanted_packages": "{{ tun_packages + ([] if tun_probe.stat.exists "
        "else tun_userspace_packages) }}",
    }
    make_role(tmp_path, "tun", install("{{ tun_wanted_packages }}"), variables)
    found = [need.package for need in packages.collect(kit=tmp_path)]
    assert found == ["wireguard-tools", "wireguard-go"]


def test_a_package_variable_naming_itself_is_refused(tmp_path):
    variables = {"tun_packages": "{{ tun_packages + [] }}"}
    make_role(tmp_path, "tun", install("{{ tun_packages }}"), variables)
    with pytest.raises(PackageRuleError, match="tun_packages names itself"):
        packages.collect(kit=tmp_path)
