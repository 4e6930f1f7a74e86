"""The region inventory schema: each rule on a copy of the lab with one defect.

The Ansible tests run the real ansible-playbook against loopback hosts with a local
connection only.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from lab_copy import lab_copy

from regbank.commands import inventory as inventory_command
from regbank.inventory import (
    Problem,
    load_inventory,
    load_valid_inventory,
    validate_inventory,
)
from regbank.offline import packages as offline_packages
from regbank_foundation.errors import RegbankError
from regbank_foundation.paths import KIT_ROOT

LAB = KIT_ROOT / "inventory" / "lab"
EXAMPLE = KIT_ROOT / "inventory" / "example"
ANSIBLE_BIN = Path(sys.executable).parent
LAB_CODES = "MO-1, MO-2, MO-3, MO-4, MO-5, MO-6, MO-7, MO-8, MO-9, MO-10"


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    """A private copy of the lab inventory, named lab/ like the original."""
    return without_vpn(lab_copy(tmp_path))


def without_vpn(lab: Path) -> Path:
    """The lab copy as a region without a protected network: the tests below add the VPN
    keys they judge (with_wireguard) to a base that has none."""
    for file in [lab / "group_vars" / "all" / "main.yml", *(lab / "host_vars").glob("*.yml")]:
        lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if not re.match(r"(regbank_vpn\w*|vpn_address):", line)]
        file.write_text("".join(kept), encoding="utf-8")
    return lab


def edit(file: Path, old: str, new: str) -> None:
    """Replace one exact piece of a file (failing if the lab no longer has it)."""
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not once in {file}"
    file.write_text(text.replace(old, new), encoding="utf-8")


def set_key(file: Path, key: str, value: str | None) -> None:
    """Set (or with None, remove) a top-level key of a vars file, as a YAML line."""
    lines = [
        line for line in file.read_text(encoding="utf-8").splitlines() if not line.startswith(key)
    ]
    if value is not None:
        lines.append(f"{key}: {value}")
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write(file: Path, text: str) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")


def not_a_lab(lab: Path) -> Path:
    """The lab copy as an ordinary region: without regbank_lab, whose hosts need addresses
    `regbank lab up` can give (IPv4, inside its subnet)."""
    lab_block = "regbank_lab:\n  network: regbank-lab\n  subnet: 10.89.0.0/24\n"
    edit(lab / "group_vars" / "all" / "main.yml", lab_block, "")
    return lab


def problems(path: Path) -> list[str]:
    return [str(problem) for problem in validate_inventory(path)]


def only_problem(path: Path) -> str:
    """The one problem of an inventory with one defect."""
    found = problems(path)
    assert len(found) == 1, "\n".join(found)
    return found[0]


# The inventories in the repository ----------------------------------------------------


@pytest.mark.parametrize("inventory", [LAB, EXAMPLE], ids=["lab", "example"])
def test_repository_inventories_are_valid(inventory: Path) -> None:
    # The lab's offline bundle is built by `make lab` once the lab is up: a fresh clone
    # has none yet, and that alone is not a problem of the inventory.
    load_valid_inventory(inventory, bundle_built=False)


def test_example_is_the_sample_region_mixed() -> None:
    inventory = load_valid_inventory(EXAMPLE)
    codes = [entry["code"] for entry in inventory.region_vars["regbank_mo"]]
    assert codes == [f"MO-{n}" for n in range(1, 11)]
    assert inventory.region_vars["regbank_topology"] == "mixed"
    assert inventory.region_vars["regbank_profile"] == "uz1"
    by_group = {
        group: {host.vars["mo"] for host in inventory.hosts.values() if host.groups == [group]}
        for group in ("regional", "municipal", "workstations")
    }
    assert len([h for h in inventory.hosts.values() if h.groups == ["regional"]]) == 1
    assert by_group["municipal"] == {"MO-3", "MO-7"}
    assert by_group["workstations"] >= set(codes)  # every МО's commission has one
    for host in inventory.hosts.values():
        assert host.vars["ansible_host"].startswith("10.")


def test_load_inventory_api() -> None:
    inventory = load_inventory(LAB / "hosts.yml")  # a file stands for its directory
    assert inventory.path == LAB
    assert set(inventory.hosts) == {"region-srv", "mo3-srv", "ws-mo1", "ws-mo3", "drill-srv"}
    host = inventory.hosts["mo3-srv"]
    assert (host.name, host.groups, host.vars["mo"]) == ("mo3-srv", ["municipal"], "MO-3")
    assert host.vars["regbank_topology"] == "mixed"  # group all merged in
    assert host.sources["mo"] == LAB / "host_vars" / "mo3-srv.yml"
    assert inventory.region_vars["regbank_profile"] == "uz1"


def test_problem_is_one_line_file_key_message() -> None:
    problem = Problem("lab/host_vars/ws-mo1.yml", "mo", "missing; expected an МО code")
    assert str(problem) == "lab/host_vars/ws-mo1.yml: mo: missing; expected an МО code"


# Hosts ---------------------------------------------------------------------------------


def test_host_without_mo(lab: Path) -> None:
    set_key(lab / "host_vars" / "ws-mo1.yml", "mo", None)
    assert only_problem(lab) == (
        "lab/host_vars/ws-mo1.yml: mo: missing; expected the code of the host's МО from "
        f"regbank_mo; known: {LAB_CODES}"
    )


def test_host_without_any_vars_file(lab: Path) -> None:
    (lab / "host_vars" / "ws-mo1.yml").unlink()
    found = problems(lab)
    assert [p.split(": missing")[0] for p in found] == [
        "lab/host_vars/ws-mo1.yml: mo",
        "lab/host_vars/ws-mo1.yml: ansible_host",
    ]


def test_mo_not_in_the_list(lab: Path) -> None:
    set_key(lab / "host_vars" / "ws-mo3.yml", "mo", "MO-11")
    assert only_problem(lab) == (
        "lab/host_vars/ws-mo3.yml: mo: expected an МО code from regbank_mo "
        f'({LAB_CODES}), found "MO-11"'
    )


def test_cyrillic_mo_is_explained(lab: Path) -> None:
    set_key(lab / "host_vars" / "ws-mo3.yml", "mo", "МО-3")  # Cyrillic М and О
    found = only_problem(lab)
    assert found.startswith("lab/host_vars/ws-mo3.yml: mo: expected an МО code")
    assert "Cyrillic" in found


@pytest.mark.parametrize(
    "address", ["10.0.0.300", '"bad host"', "-lead.example", "host_1.example", "10.89.0"]
)
def test_bad_address(lab: Path, address: str) -> None:
    set_key(lab / "host_vars" / "mo3-srv.yml", "ansible_host", address)
    found = only_problem(lab)
    assert found.startswith(
        "lab/host_vars/mo3-srv.yml: ansible_host: expected an IPv4 or IPv6 address or a DNS name"
    )
    assert f"found {json.dumps(yaml.safe_load(address))}" in found


@pytest.mark.parametrize("address", ["fd00:89::13", "mo3-srv.region.example", "mo3-srv"])
def test_good_addresses(lab: Path, address: str) -> None:
    set_key(not_a_lab(lab) / "host_vars" / "mo3-srv.yml", "ansible_host", f'"{address}"')
    assert problems(lab) == []


def test_duplicate_address(lab: Path) -> None:
    set_key(lab / "host_vars" / "ws-mo3.yml", "ansible_host", "10.89.0.21")
    assert only_problem(lab) == (
        "lab/host_vars/ws-mo3.yml: ansible_host: address 10.89.0.21 is also ws-mo1's "
        "(lab/host_vars/ws-mo1.yml); expected one address per host"
    )


def test_duplicate_address_however_written(lab: Path) -> None:
    set_key(not_a_lab(lab) / "host_vars" / "ws-mo1.yml", "ansible_host", '"fd00::21"')
    set_key(lab / "host_vars" / "ws-mo3.yml", "ansible_host", '"fd00:0::0021"')
    assert "address fd00:0::0021 is also ws-mo1's" in only_problem(lab)


def test_host_in_no_role_group(lab: Path) -> None:
    edit(lab / "hosts.yml", "        ws-mo3:\n", "")
    edit(lab / "hosts.yml", "all:\n", "all:\n  hosts:\n    ws-mo3:\n")
    assert only_problem(lab) == (
        "lab/hosts.yml: all.hosts.ws-mo3: expected the host in exactly one of the groups "
        "regional, municipal, workstations, backup, backup_drill; found none"
    )


def test_host_in_two_role_groups(lab: Path) -> None:
    edit(lab / "hosts.yml", "        mo3-srv:\n", "        mo3-srv:\n        ws-mo1:\n")
    assert only_problem(lab) == (
        "lab/hosts.yml: all.children.municipal.hosts.ws-mo1: expected the host in exactly one "
        "of the groups regional, municipal, workstations, backup, backup_drill; found municipal, "
        "workstations"
    )


@pytest.mark.parametrize("name", ["ws_mo1", "ws mo1", "ws-mo1-"])
def test_host_name_must_be_a_hostname(lab: Path, name: str) -> None:
    edit(lab / "hosts.yml", "        ws-mo1:\n", f"        {name}:\n")
    (lab / "host_vars" / "ws-mo1.yml").rename(lab / "host_vars" / f"{name}.yml")
    assert only_problem(lab) == (
        f"lab/hosts.yml: all.children.workstations.hosts.{name}: expected a host name of Latin "
        "letters, digits, '-' and dots (RFC 1123; it becomes the machine's hostname), "
        f'found "{name}"'
    )


def test_vars_file_for_unknown_host_or_group(lab: Path) -> None:
    write(lab / "host_vars" / "ws-mo9.yml", "mo: MO-9\nansible_host: 10.89.0.29\n")
    write(lab / "group_vars" / "municpal.yml", "x: 1\n")
    assert problems(lab) == [
        "lab/group_vars/municpal.yml: no group municpal in lab/hosts.yml, so Ansible never uses "
        "this; known: all, regional, municipal, workstations, backup_drill",
        "lab/host_vars/ws-mo9.yml: no host ws-mo9 in lab/hosts.yml, so Ansible never uses this; "
        "known: region-srv, mo3-srv, ws-mo1, ws-mo3, drill-srv",
    ]


def test_vars_file_shadowed_by_a_directory(lab: Path) -> None:
    write(lab / "host_vars" / "ws-mo1" / "main.yml", "mo: MO-1\nansible_host: 10.89.0.21\n")
    assert only_problem(lab) == (
        "lab/host_vars/ws-mo1.yml: ignored by Ansible because lab/host_vars/ws-mo1/main.yml is "
        "read for ws-mo1; merge the two"
    )


def test_vars_directories_are_read(lab: Path) -> None:
    (lab / "host_vars" / "ws-mo1.yml").unlink()
    write(lab / "host_vars" / "ws-mo1" / "address.yml", "ansible_host: 10.89.0.21\n")
    write(lab / "host_vars" / "ws-mo1" / "mo.yaml", "mo: MO-99\n")
    assert only_problem(lab).startswith("lab/host_vars/ws-mo1/mo.yaml: mo: expected an МО code")


# Region-wide keys ----------------------------------------------------------------------


def test_unknown_topology(lab: Path) -> None:
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_topology", "star")
    assert only_problem(lab) == (
        "lab/group_vars/all/main.yml: regbank_topology: expected one of centralized, distributed, "
        'mixed, found "star"'
    )


def test_missing_topology(lab: Path) -> None:
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_topology", None)
    assert only_problem(lab) == (
        "lab/group_vars/all/main.yml: regbank_topology: missing; expected one of centralized, "
        "distributed, mixed"
    )


def test_municipal_host_in_centralized_region(lab: Path) -> None:
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_topology", "centralized")
    assert only_problem(lab) == (
        "lab/hosts.yml: all.children.municipal.hosts.mo3-srv: a centralized region has no "
        "municipal servers (regbank_topology: centralized in lab/group_vars/all/main.yml); "
        "remove the host or set regbank_topology to mixed or distributed"
    )


def test_distributed_region_names_the_mo_without_a_server(lab: Path) -> None:
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_topology", "distributed")
    assert only_problem(lab) == (
        "lab/hosts.yml: all.children.municipal.hosts: a distributed region needs a municipal "
        "server in every МО (regbank_topology: distributed in lab/group_vars/all/main.yml); "
        "none for MO-1, MO-2, MO-4, MO-5, MO-6, MO-7, MO-8, MO-9, MO-10"
    )


def test_two_municipal_servers_for_one_mo(lab: Path) -> None:
    edit(lab / "hosts.yml", "        mo3-srv:\n", "        mo3-srv:\n        mo3-srv2:\n")
    write(lab / "host_vars" / "mo3-srv2.yml", "mo: MO-3\nansible_host: 10.89.0.14\n")
    assert only_problem(lab) == (
        "lab/hosts.yml: all.children.municipal.hosts: МО MO-3 has 2 municipal servers "
        "(mo3-srv, mo3-srv2); expected at most one per МО"
    )


@pytest.mark.parametrize(
    ("hosts_in_regional", "found"),
    [("        {}\n", "found none"), ("", "found 2 (region-srv, ws-mo1)")],
)
def test_not_exactly_one_regional_server(lab: Path, hosts_in_regional: str, found: str) -> None:
    if hosts_in_regional:  # no regional server: the group is left empty
        edit(lab / "hosts.yml", "        region-srv:\n", hosts_in_regional)
        (lab / "host_vars" / "region-srv.yml").unlink()
    else:  # two: ws-mo1 moves from workstations to regional
        edit(lab / "hosts.yml", "        ws-mo1:\n", "")
        edit(lab / "hosts.yml", "        region-srv:\n", "        region-srv:\n        ws-mo1:\n")
    found_problems = problems(lab)
    assert found_problems[0] == (
        "lab/hosts.yml: all.children.regional.hosts: expected exactly one host (the regional "
        f"server), {found}"
    )
    # Without a regional server, MO-1's workstation has no server for its tunnel either.
    assert len(found_problems) == (1 if hosts_in_regional == "" else 2), found_problems


@pytest.mark.parametrize(
    ("value", "key", "message"),
    [
        (None, "regbank_mo", "missing; expected a non-empty list of МО"),
        ("[]", "regbank_mo", "expected a non-empty list of МО"),
        ("[MO-1]", "regbank_mo[0]", 'expected an МО entry {code: MO-1, name: МО-1}, found "MO-1"'),
        ("[{code: MO-1}]", "regbank_mo[0].name", "missing; expected the МО's name"),
        ("[{code: MO 1, name: x}]", "regbank_mo[0].code", "expected an МО code of Latin"),
        ("[{code: MO-1, name: x, nmae: y}]", "regbank_mo[0].nmae", "unexpected key in an МО"),
    ],
)
def test_malformed_mo_list(lab: Path, value: str | None, key: str, message: str) -> None:
    all_yml = lab / "group_vars" / "all" / "main.yml"
    text = all_yml.read_text(encoding="utf-8")
    new = "" if value is None else f"regbank_mo: {value}\n"
    all_yml.write_text(re.sub(r"regbank_mo:\n(  - .*\n)+", new, text), encoding="utf-8")
    assert only_problem(lab).startswith(f"lab/group_vars/all/main.yml: {key}: {message}")


def test_duplicate_mo_code(lab: Path) -> None:
    edit(
        lab / "group_vars" / "all" / "main.yml",
        "{code: MO-5, name: МО-5}",
        "{code: MO-4, name: МО-5}",
    )
    assert only_problem(lab) == (
        "lab/group_vars/all/main.yml: regbank_mo[4].code: duplicate МО code MO-4 "
        "(as regbank_mo[3].code); expected each code once"
    )


def test_cyrillic_mo_code(lab: Path) -> None:
    edit(lab / "group_vars" / "all" / "main.yml", "{code: MO-2,", "{code: МО-2,")
    found = only_problem(lab)  # the hosts' mo are not judged against a broken list
    assert found.startswith("lab/group_vars/all/main.yml: regbank_mo[1].code: expected an МО code")
    assert 'found "МО-2" (it has non-Latin letters' in found


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "missing; expected a security profile name"),
        (
            "../uz1",
            "expected a security profile name: lowercase Latin letters, digits, "
            "'-', '_', e.g. uz1, found \"../uz1\"",
        ),
        ("UZ 1", 'found "UZ 1"'),
    ],
)
def test_profile_name(lab: Path, value: str | None, message: str) -> None:
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_profile", value)
    found = only_problem(lab)
    assert found.startswith("lab/group_vars/all/main.yml: regbank_profile: ")
    assert message in found


def test_region_key_set_for_a_group(lab: Path) -> None:
    write(lab / "group_vars" / "municipal" / "main.yml", "regbank_topology: distributed\n")
    assert only_problem(lab) == (
        "lab/group_vars/municipal/main.yml: regbank_topology: a region-wide key: set it once in "
        "group_vars/all, not per group or host"
    )


def test_region_vars_inline_in_hosts_yml(lab: Path) -> None:
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_profile", None)
    edit(lab / "hosts.yml", "all:\n", "all:\n  vars:\n    regbank_profile: uz2\n")
    assert problems(lab) == []
    assert load_inventory(lab).region_vars["regbank_profile"] == "uz2"


# Templates and vault -------------------------------------------------------------------


def test_templates_and_vault_values_are_not_judged_as_literals(lab: Path) -> None:
    set_key(lab / "host_vars" / "ws-mo1.yml", "ansible_host", "\"{{ lookup('env', 'WS') }}\"")
    set_key(lab / "host_vars" / "ws-mo3.yml", "mo", "!vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162")
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_profile", '"{{ region_profile }}"')
    assert problems(lab) == []


def test_vault_encrypted_files_are_tolerated(lab: Path) -> None:
    vault = "$ANSIBLE_VAULT;1.1;AES256\n61626364\n"
    write(lab / "group_vars" / "all" / "vault.yml", vault)
    write(lab / "host_vars" / "ws-mo1" / "vault.yml", vault)
    (lab / "host_vars" / "ws-mo1.yml").rename(lab / "host_vars" / "ws-mo1" / "main.yml")
    assert problems(lab) == []


def test_key_missing_beside_a_vault_file_says_so(lab: Path) -> None:
    write(lab / "host_vars" / "ws-mo1" / "vault.yml", "$ANSIBLE_VAULT;1.1;AES256\n6162\n")
    write(lab / "host_vars" / "ws-mo1" / "main.yml", "ansible_host: 10.89.0.21\n")
    (lab / "host_vars" / "ws-mo1.yml").unlink()
    found = only_problem(lab)
    assert found.startswith("lab/host_vars/ws-mo1/main.yml: mo: missing")
    assert "lab/host_vars/ws-mo1/vault.yml: vault-encrypted, not read" in found


# Files ---------------------------------------------------------------------------------


def test_unparsable_yaml_names_file_and_line(lab: Path) -> None:
    write(lab / "host_vars" / "ws-mo3.yml", "mo: MO-3\nansible_host: [10.89.0.23\n")
    assert only_problem(lab) == (
        "lab/host_vars/ws-mo3.yml: line 3: not valid YAML: did not find expected ',' or ']'"
    )


def test_unparsable_hosts_yml(lab: Path) -> None:
    edit(lab / "hosts.yml", "    municipal:\n", "    municipal\n")
    found = only_problem(lab)
    assert re.match(r"lab/hosts\.yml: line \d+: not valid YAML", found), found


def test_hosts_as_a_list(lab: Path) -> None:
    edit(
        lab / "hosts.yml",
        "        ws-mo1:\n        ws-mo3:\n",
        "        - ws-mo1\n        - ws-mo3\n",
    )
    found = problems(lab)
    assert found[0] == (
        "lab/hosts.yml: all.children.workstations.hosts: expected a mapping of host names "
        "(name: per line), found a list"
    )


def test_key_defined_twice(lab: Path) -> None:
    edit(lab / "host_vars" / "ws-mo1.yml", "mo: MO-1\n", "mo: MO-1\nmo: MO-3\n")
    assert only_problem(lab) == (
        "lab/host_vars/ws-mo1.yml: mo: defined twice (lines 1 and 2); Ansible keeps the last"
    )


def test_an_empty_hosts_yml_says_so(lab: Path) -> None:
    write(lab / "hosts.yml", "")
    assert only_problem(lab) == (
        "lab/hosts.yml: is empty; expected the region's groups and hosts (all: children: ...)"
    )


def test_an_unclosed_quote_is_reported_where_it_opens(lab: Path) -> None:
    filler = "".join(f"baseline_unused_{n}: {n}\n" for n in range(40))
    write(lab / "host_vars" / "ws-mo3.yml", 'mo: MO-3\nansible_host: "10.89.0.23\n' + filler)
    assert only_problem(lab) == (
        "lab/host_vars/ws-mo3.yml: line 2: not valid YAML: a quoted string starts here and "
        "is never closed (found unexpected end of stream)"
    )


def test_a_deleted_region_file_is_named_not_a_file_beside_it(lab: Path) -> None:
    (lab / "group_vars" / "all" / "main.yml").unlink()
    found = problems(lab)
    assert found, "the region's keys are missing"
    for line in found:
        assert line.startswith("lab/group_vars/all/main.yml: regbank_"), line


def test_hosts_yml_missing(lab: Path) -> None:
    (lab / "hosts.yml").unlink()
    assert only_problem(lab) == (
        "lab/hosts.yml: missing; expected a region inventory: a directory with hosts.yml, "
        "group_vars/ and host_vars/"
    )


def test_inventory_directory_missing(tmp_path: Path) -> None:
    assert "does not exist" in only_problem(tmp_path / "nowhere")


def test_stray_inventory_file(lab: Path) -> None:
    write(lab / "hosts-old.yml", "all:\n  hosts:\n    forgotten:\n")
    write(lab / "README.md", "notes are fine: Ansible skips .md\n")
    assert only_problem(lab).startswith("lab/hosts-old.yml: Ansible would read this as inventory")


def test_given_hosts_file_means_its_directory(lab: Path) -> None:
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_topology", "star")
    assert problems(lab / "hosts.yml") == problems(lab)


def test_given_another_hosts_file_reads_that_file_alone(lab: Path) -> None:
    """As Ansible: -i lab/old.yml reads old.yml and lab's vars, not hosts.yml."""
    shutil.copy(lab / "hosts.yml", lab / "old.yml")
    assert problems(lab / "old.yml") == []
    assert "lab/old.yml: Ansible would read this as inventory too" in "\n".join(problems(lab))


def test_group_loop(lab: Path) -> None:
    edit(lab / "hosts.yml", "    regional:\n", "    regional:\n      children:\n        all:\n")
    assert "group all is among its own children" in "\n".join(problems(lab))


# Loading -------------------------------------------------------------------------------


def test_load_valid_inventory_lists_every_problem(lab: Path) -> None:
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_topology", "star")
    set_key(lab / "host_vars" / "ws-mo1.yml", "mo", None)
    with pytest.raises(RegbankError) as raised:
        load_valid_inventory(lab)
    lines = str(raised.value).splitlines()
    assert lines[0] == f"invalid region inventory {lab}:"
    assert lines[1:] == problems(lab)
    assert len(lines[1:]) == 2


def test_load_inventory_refuses_files_it_cannot_parse(lab: Path) -> None:
    write(lab / "host_vars" / "ws-mo1.yml", "mo: [\n")
    with pytest.raises(RegbankError, match=r"lab/host_vars/ws-mo1\.yml: line 2: not valid YAML"):
        load_inventory(lab)


def test_precedence_matches_ansible(tmp_path: Path) -> None:
    """all < groups (shallow to deep, then by name) < host; hosts.yml < vars files."""
    region = tmp_path / "region"
    write(
        region / "hosts.yml",
        """
all:
  vars: {a: hosts-all, b: hosts-all, c: hosts-all, d: hosts-all}
  children:
    workstations:
      vars: {a: hosts-ws, c: hosts-ws}
      children:
        kdn:
          vars: {e: hosts-kdn}
          hosts:
            ws1: {d: hosts-ws1}
    zeta:
      vars: {e: hosts-zeta, f: hosts-zeta}
      hosts:
        ws1:
""",
    )
    write(region / "group_vars" / "all.yml", "b: gv-all\nc: gv-all\n")
    write(region / "group_vars" / "kdn" / "main.yml", "f: gv-kdn\n")
    write(region / "group_vars" / "zeta.yml", "f: gv-zeta\ng: gv-zeta\n")
    write(region / "host_vars" / "ws1.yml", "g: hv-ws1\n")
    ours = load_inventory(region).hosts["ws1"].vars

    listed = subprocess.run(
        [ANSIBLE_BIN / "ansible-inventory", "-i", region, "--list"],
        capture_output=True,
        text=True,
        check=True,
        env=_ansible_env(),
        cwd=KIT_ROOT,
    )
    theirs = json.loads(listed.stdout)["_meta"]["hostvars"]["ws1"]
    # A fact, not an inventory variable: Ansible lists it when facts are not injected as
    # variables (ansible.cfg's inject_facts_as_vars).
    theirs.pop("ansible_local", None)
    assert ours == theirs


# The command line ----------------------------------------------------------------------


def main(argv: list[str]) -> int:
    """`regbank ARGV` with only this command registered (the others are not under test)."""
    parser = argparse.ArgumentParser(prog="regbank")
    inventory_command.register(parser.add_subparsers(required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = lab_copy(tmp_path)  # with its offline bundle built
    assert main(["inventory", "validate", "-i", str(copy)]) == 0
    hosts = "region-srv, mo3-srv, ws-mo1, ws-mo3, drill-srv"
    assert capsys.readouterr().out == f"{copy}: valid — 5 hosts ({hosts})\n"


def test_cli_default_is_the_lab(capsys: pytest.CaptureFixture[str]) -> None:
    # Valid once `make lab` has built the lab's bundle; before that, that is its problem.
    code = main(["inventory", "validate"])
    out = capsys.readouterr().out
    assert out.startswith(f"{LAB}: valid") if code == 0 else "regbank_offline_bundle" in out


def test_cli_invalid(lab: Path, capsys: pytest.CaptureFixture[str]) -> None:
    set_key(lab / "host_vars" / "ws-mo1.yml", "mo", None)
    assert main(["inventory", "validate", "-i", str(lab)]) == 2
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("lab/host_vars/ws-mo1.yml: mo: missing")
    assert out[-1] == f"{lab}: invalid — 1 problem(s)"


# Ansible: the same validation stops every playbook before any host -------------------


def _ansible_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_CONFIG=str(KIT_ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return env


@pytest.fixture
def loopback_lab(lab: Path) -> Path:
    """The lab copy with every host on the controller itself: loopback, local connection."""
    for number, file in enumerate(sorted((lab / "host_vars").glob("*.yml")), start=1):
        set_key(file, "ansible_host", f"127.0.0.{number}")
        set_key(file, "ansible_connection", "local")
        set_key(file, "ansible_become", "false")
    return lab


def _playbook(tmp_path: Path) -> Path:
    """preflight.yml, then a harmless play on every host that leaves a trace in its output."""
    playbook = tmp_path / "touch.yml"
    write(
        playbook,
        f"""
- name: Validate the region inventory
  ansible.builtin.import_playbook: {KIT_ROOT / "playbooks" / "preflight.yml"}
- name: A play on the hosts
  hosts: all
  gather_facts: false
  tasks:
    - name: Leave a trace
      ansible.builtin.debug:
        msg: HOST PLAY RAN
""",
    )
    return playbook


def _run_playbook(playbook: Path, inventory: Path, *options: str) -> tuple[int, str]:
    run = subprocess.run(
        [ANSIBLE_BIN / "ansible-playbook", "-i", inventory, playbook, *options],
        capture_output=True,
        text=True,
        env=_ansible_env(),
        cwd=KIT_ROOT,
        timeout=300,
    )
    return run.returncode, run.stdout + run.stderr


def _recap_hosts(output: str) -> list[str]:
    recap = output.split("PLAY RECAP", 1)[1]
    return re.findall(r"^(\S+)\s+: ok=", recap, flags=re.MULTILINE)


def test_playbook_runs_on_a_valid_inventory(loopback_lab: Path, tmp_path: Path) -> None:
    code, output = _run_playbook(_playbook(tmp_path), loopback_lab)
    assert code == 0, output
    assert output.count("HOST PLAY RAN") == 5


@pytest.mark.parametrize("options", [(), ("--check",)], ids=["run", "check"])
def test_playbook_stops_before_any_host(
    loopback_lab: Path, tmp_path: Path, options: tuple[str, ...]
) -> None:
    set_key(loopback_lab / "host_vars" / "ws-mo1.yml", "mo", None)
    code, output = _run_playbook(_playbook(tmp_path), loopback_lab, *options)
    assert code != 0
    assert "lab/host_vars/ws-mo1.yml: mo: missing; expected the code of the host's МО" in output
    assert "HOST PLAY RAN" not in output
    assert _recap_hosts(output) == ["localhost"]


def test_playbook_stops_under_limit(loopback_lab: Path, tmp_path: Path) -> None:
    set_key(loopback_lab / "group_vars" / "all" / "main.yml", "regbank_topology", "star")
    code, output = _run_playbook(_playbook(tmp_path), loopback_lab, "--limit", "ws-mo3")
    assert code != 0
    assert "lab/group_vars/all/main.yml: regbank_topology: expected one of" in output
    assert "HOST PLAY RAN" not in output


def test_site_stops_before_any_host(loopback_lab: Path) -> None:
    set_key(loopback_lab / "group_vars" / "all" / "main.yml", "regbank_topology", "centralized")
    # --check as well, so that even a broken check could not change this machine.
    code, output = _run_playbook(KIT_ROOT / "playbooks" / "site.yml", loopback_lab, "--check")
    assert code != 0
    assert "lab/hosts.yml: all.children.municipal.hosts.mo3-srv: a centralized region" in output
    assert _recap_hosts(output) == ["localhost"]


def test_every_playbook_imports_preflight_first() -> None:
    for playbook in sorted((KIT_ROOT / "playbooks").glob("*.yml")):
        if playbook.name == "preflight.yml":
            continue
        plays = yaml.safe_load(playbook.read_text(encoding="utf-8"))
        first = plays[0].get("ansible.builtin.import_playbook", plays[0].get("import_playbook"))
        assert first == "preflight.yml", f"{playbook.name} must import preflight.yml first"


@pytest.mark.parametrize(
    ("address", "what"),
    [
        ("127.0.0.1", "a loopback address"),
        ('"::1"', "a loopback address"),
        ("localhost", "localhost is the controller itself"),
        ("0.0.0.0", "the unspecified address"),  # noqa: S104 - a bad input under test
        ("255.255.255.255", "the broadcast address"),
        ("224.0.0.1", "a multicast address"),
    ],
)
def test_an_address_no_host_is_reached_at_is_refused(lab: Path, address: str, what: str) -> None:
    set_key(not_a_lab(lab) / "host_vars" / "mo3-srv.yml", "ansible_host", address)
    found = only_problem(lab)
    assert found.startswith("lab/host_vars/mo3-srv.yml: ansible_host: "), found
    assert what in found


def test_a_loopback_address_is_fine_with_a_local_connection(lab: Path) -> None:
    set_key(not_a_lab(lab) / "host_vars" / "mo3-srv.yml", "ansible_host", "127.0.0.3")
    set_key(lab / "host_vars" / "mo3-srv.yml", "ansible_connection", "local")
    assert problems(lab) == []


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("10.90.0.13", "a lab host needs an address inside regbank_lab.subnet 10.89.0.0/24 "
         "in lab/group_vars/all/main.yml, found 10.90.0.13"),
        ("10.89.0.255", "a lab host needs an address inside regbank_lab.subnet"),
        ('"fd00:89::13"', "the lab is IPv4 only: expected an IPv4 address inside "
         "regbank_lab.subnet 10.89.0.0/24"),
        ("mo3-srv.lab.example", "a lab host needs an IPv4 address inside regbank_lab.subnet"),
    ],
)  # fmt: skip
def test_a_lab_host_outside_the_labs_subnet_is_refused(
    lab: Path, address: str, message: str
) -> None:
    set_key(lab / "host_vars" / "mo3-srv.yml", "ansible_host", address)
    found = only_problem(lab)
    assert found.startswith("lab/host_vars/mo3-srv.yml: ansible_host: "), found
    assert message in found


# --- role variables against the roles' argument specs -----------------------------


def test_misspelt_role_variable_is_named_with_a_suggestion(lab: Path) -> None:
    write(lab / "group_vars" / "regional" / "baseline.yml", "baseline_locale_defualt: true\n")
    assert only_problem(lab) == (
        "lab/group_vars/regional/baseline.yml: baseline_locale_defualt: not a variable of "
        "role baseline (roles/baseline/README.md); did you mean baseline_locale_default?"
    )


def test_role_variable_of_the_wrong_type_is_refused(lab: Path) -> None:
    write(lab / "host_vars" / "ws-mo1" / "baseline.yml", "baseline_admin_sudo_nopasswd: maybe\n")
    (lab / "host_vars" / "ws-mo1.yml").rename(lab / "host_vars" / "ws-mo1" / "main.yml")
    found = only_problem(lab)
    assert found.startswith("lab/host_vars/ws-mo1/baseline.yml: baseline_admin_sudo_nopasswd: ")
    assert "not a valid boolean" in found


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", "expected a whole number, found true"),
     ("-5", "expected a whole number of 0 or more, found -5"),
     ('"-5"', 'expected a whole number of 0 or more, found "-5"')],
)  # fmt: skip
def test_an_integer_role_variable_is_never_a_boolean_or_negative(
    lab: Path, value: str, expected: str
) -> None:
    # `postgresql_max_connections: true` would render max_connections = True
    write(
        lab / "group_vars" / "regional" / "postgresql.yml", f"postgresql_max_connections: {value}\n"
    )
    assert only_problem(lab) == (
        "lab/group_vars/regional/postgresql.yml: postgresql_max_connections: "
        f"role postgresql: {expected}"
    )


def test_role_variable_set_for_a_group_is_reported_once(lab: Path) -> None:
    write(lab / "group_vars" / "workstations" / "baseline.yml", "baseline_apt_repositories: {}\n")
    found = problems(lab)
    assert len(found) == 1 and "unable to convert to list" in found[0]


def test_templated_role_variable_is_left_to_ansible(lab: Path) -> None:
    write(
        lab / "group_vars" / "regional" / "baseline.yml",
        "baseline_admin_sudo_nopasswd: \"{{ lookup('env', 'X') }}\"\n",
    )
    assert problems(lab) == []


# --- the VPN keys (issue 14) -------------------------------------------------------

TUNNEL_ADDRESSES = {
    "region-srv": "10.77.0.1",
    "mo3-srv": "10.77.0.13",
    "ws-mo1": "10.77.0.21",
    "ws-mo3": "10.77.0.23",
}
NETWORK_SAID = "regbank_vpn_network 10.77.0.0/24 (lab/group_vars/all/main.yml)"


def with_wireguard(lab: Path) -> Path:
    """The lab copy with a tunnel network and an address for every host the vpn role joins."""
    region = lab / "group_vars" / "all" / "main.yml"
    set_key(region, "regbank_vpn", "wireguard")
    set_key(region, "regbank_vpn_network", "10.77.0.0/24")
    for host, address in TUNNEL_ADDRESSES.items():
        set_key(lab / "host_vars" / f"{host}.yml", "vpn_address", address)
    return lab


EXTERNAL = (
    "\n  product: ViPNet Client 4\n  certificate: ФСТЭК России № 0000\n"
    "  interface: vipnet0\n  subnets: [10.200.0.0/16]"
)


def test_every_vpn_key_valid(lab: Path) -> None:
    with_wireguard(lab)
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_vpn_external", EXTERNAL)
    write(lab / "group_vars" / "regional" / "vpn.yml", "vpn_mtu: 1420\nvpn_listen_port: 51821\n")
    assert problems(lab) == []
    edit(lab / "group_vars" / "all" / "main.yml", "regbank_vpn: wireguard", "regbank_vpn: external")
    assert problems(lab) == []


def test_an_inventory_without_vpn_keys_stays_valid(lab: Path) -> None:
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_vpn", "external")
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_vpn_external", EXTERNAL)
    assert problems(lab) == []


def test_unknown_vpn_mode(lab: Path) -> None:
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_vpn", "ipsec")
    assert only_problem(lab) == (
        "lab/group_vars/all/main.yml: regbank_vpn: expected one of wireguard, external, "
        'found "ipsec"'
    )


@pytest.mark.parametrize(
    ("value", "found"),
    [("10.77.0.1/24", '"10.77.0.1/24"'),  # host bits
     ("10.77.0.0", '"10.77.0.0"'),  # no prefix
     ('"fd00:77::/64"', '"fd00:77::/64"'),
     ("10.77.0.0/31", '"10.77.0.0/31"'),  # no room for a hub and a spoke
     ("0.0.0.0/0", '"0.0.0.0/0"'),
     ("", "an empty value")],
)  # fmt: skip
def test_tunnel_network_must_be_an_ipv4_network(lab: Path, value: str, found: str) -> None:
    set_key(with_wireguard(lab) / "group_vars" / "all" / "main.yml", "regbank_vpn_network", value)
    assert only_problem(lab) == (
        "lab/group_vars/all/main.yml: regbank_vpn_network: expected the IPv4 network every "
        "tunnel address comes from, with its prefix (/1 to /30) and no host bits, e.g. "
        f"10.77.0.0/24, found {found}"
    )


def test_tunnel_network_over_the_hosts_addresses(lab: Path) -> None:
    set_key(with_wireguard(lab) / "group_vars" / "all" / "main.yml", "regbank_vpn_network",
            "10.89.0.0/25")  # fmt: skip
    for host, address in TUNNEL_ADDRESSES.items():  # moved into the new network
        set_key(lab / "host_vars" / f"{host}.yml", "vpn_address", address.replace("77", "89"))
    assert only_problem(lab) == (
        "lab/group_vars/all/main.yml: regbank_vpn_network: 10.89.0.0/25 overlaps ansible_host "
        "10.89.0.10 of region-srv, ansible_host 10.89.0.13 of mo3-srv, ansible_host 10.89.0.21 "
        "of ws-mo1 and 2 more; expected a network apart from the hosts' addresses and the "
        "management networks (packets to them would go into the tunnel)"
    )


def test_tunnel_network_over_a_management_network(lab: Path) -> None:
    region = with_wireguard(lab) / "group_vars" / "all" / "main.yml"
    set_key(region, "regbank_management_networks", '["{{ regbank_lab.subnet }}", 10.77.0.0/26]')
    assert only_problem(lab) == (
        "lab/group_vars/all/main.yml: regbank_vpn_network: 10.77.0.0/24 overlaps "
        "regbank_management_networks 10.77.0.0/26; expected a network apart from the hosts' "
        "addresses and the management networks (packets to them would go into the tunnel)"
    )


@pytest.mark.parametrize(
    ("address", "message"),
    [("10.78.0.13", f"10.78.0.13 is outside {NETWORK_SAID}; expected an address inside it"),
     ("10.77.0.0", f"10.77.0.0 is the network address of {NETWORK_SAID}; expected a host "
      "address inside it (10.77.0.1 to 10.77.0.254)"),
     ("10.77.0.255", f"10.77.0.255 is the broadcast address of {NETWORK_SAID}; expected a "
      "host address inside it (10.77.0.1 to 10.77.0.254)"),
     ("10.77.0.21", "10.77.0.21 is also ws-mo1's (lab/host_vars/ws-mo1.yml); expected one "
      "tunnel address per host"),
     ('"fd00:77::13"', "expected the host's IPv4 address in the tunnel, inside "
      'regbank_vpn_network, e.g. 10.77.0.13, found "fd00:77::13"'),
     ("mo3-srv", 'expected the host\'s IPv4 address in the tunnel, inside regbank_vpn_network, '
      'e.g. 10.77.0.13, found "mo3-srv"')],
)  # fmt: skip
def test_bad_tunnel_address(lab: Path, address: str, message: str) -> None:
    set_key(with_wireguard(lab) / "host_vars" / "ws-mo3.yml", "vpn_address", address)
    assert only_problem(lab) == f"lab/host_vars/ws-mo3.yml: vpn_address: {message}"


def test_a_tunnel_address_set_in_hosts_yml_names_its_host(lab: Path) -> None:
    set_key(with_wireguard(lab) / "host_vars" / "ws-mo3.yml", "vpn_address", None)
    edit(lab / "hosts.yml", "        ws-mo3:\n", "        ws-mo3: {vpn_address: 10.77.0.1}\n")
    assert only_problem(lab) == (
        "lab/hosts.yml: vpn_address: 10.77.0.1 is also region-srv's "
        "(lab/host_vars/region-srv.yml); expected one tunnel address per host (host ws-mo3)"
    )


def test_once_one_host_has_a_tunnel_address_every_member_needs_one(lab: Path) -> None:
    set_key(with_wireguard(lab) / "host_vars" / "ws-mo1.yml", "vpn_address", None)
    set_key(lab / "host_vars" / "ws-mo3.yml", "vpn_address", None)
    expected = (
        f"missing; expected the host's tunnel address inside {NETWORK_SAID}, as region-srv, "
        "mo3-srv have: once one host of regional, municipal, workstations has one, every host "
        "of these groups needs one"
    )
    # drill-srv (backup_drill) has no tunnel and needs none
    assert problems(lab) == [
        f"lab/host_vars/ws-mo1.yml: vpn_address: {expected}",
        f"lab/host_vars/ws-mo3.yml: vpn_address: {expected}",
    ]


def test_a_tunnel_network_without_addresses_is_valid(lab: Path) -> None:
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_vpn_network", "10.77.0.0/24")
    assert problems(lab) == []


def test_tunnel_address_without_the_network(lab: Path) -> None:
    set_key(with_wireguard(lab) / "group_vars" / "all" / "main.yml", "regbank_vpn_network", None)
    found = problems(lab)
    assert len(found) == len(TUNNEL_ADDRESSES)
    assert found[0] == (
        "lab/host_vars/region-srv.yml: vpn_address: given without regbank_vpn_network (in "
        "lab/group_vars/all/main.yml); expected both, the tunnel network and each host's "
        "address inside it, or neither"
    )


def test_tunnel_network_set_for_a_group(lab: Path) -> None:
    write(lab / "group_vars" / "workstations" / "vpn.yml", "regbank_vpn_network: 10.77.0.0/24\n")
    assert only_problem(lab) == (
        "lab/group_vars/workstations/vpn.yml: regbank_vpn_network: a region-wide key: set it "
        "once in group_vars/all, not per group or host"
    )


def test_external_without_the_product(lab: Path) -> None:
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_vpn", "external")
    assert only_problem(lab) == (
        "lab/group_vars/all/main.yml: regbank_vpn_external: missing; expected a mapping "
        "{product, certificate, interface, subnets}: the certified product that provides the "
        "tunnels with regbank_vpn: external (regbank_vpn: external in lab/group_vars/all/main.yml)"
    )


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [(("  interface: vipnet0\n", ""), "regbank_vpn_external.interface",
      "missing; expected the product's network interface"),
     (("vipnet0", "vipnet 0"), "regbank_vpn_external.interface",
      "expected the product's network interface: up to 15 characters, no '/', ':' or spaces, "
      'e.g. vipnet0, found "vipnet 0"'),
     (("ViPNet Client 4", "''"), "regbank_vpn_external.product",
      "expected the certified product's name, e.g. ViPNet Client 4, found \"\""),
     (("[10.200.0.0/16]", "[]"), "regbank_vpn_external.subnets",
      "expected a non-empty list of the IPv4 networks the product gives"),
     (("[10.200.0.0/16]", "[10.200.0.1/16]"), "regbank_vpn_external.subnets[0]",
      'expected an IPv4 network with its prefix and no host bits, e.g. 10.200.0.0/16, '
      'found "10.200.0.1/16"'),
     (("  subnets:", "  subnet: x\n  subnets:"), "regbank_vpn_external.subnet",
      "unexpected key in a mapping {product, certificate, interface, subnets}")],
)  # fmt: skip
def test_bad_external_product(lab: Path, change: tuple[str, str], key: str, message: str) -> None:
    region = lab / "group_vars" / "all" / "main.yml"
    set_key(region, "regbank_vpn", "external")
    set_key(region, "regbank_vpn_external", EXTERNAL.replace(*change))
    found = only_problem(lab)
    assert found.startswith(f"lab/group_vars/all/main.yml: {key}: {message}"), found


def test_external_product_not_a_mapping(lab: Path) -> None:
    region = lab / "group_vars" / "all" / "main.yml"
    set_key(region, "regbank_vpn", "external")
    set_key(region, "regbank_vpn_external", "vipnet0")
    assert only_problem(lab) == (
        "lab/group_vars/all/main.yml: regbank_vpn_external: expected a mapping {product, "
        "certificate, interface, subnets}: the certified product that provides the tunnels "
        'with regbank_vpn: external, found "vipnet0"'
    )


def test_workstation_without_a_server_for_its_tunnel(lab: Path) -> None:
    edit(lab / "hosts.yml", "        region-srv:\n", "        {}\n")
    (lab / "host_vars" / "region-srv.yml").unlink()
    assert problems(lab)[1] == (
        "lab/hosts.yml: all.children.workstations.hosts.ws-mo1: МО MO-1 has no municipal "
        "server and the region no regional server: the workstation has no server to connect "
        "its tunnel to; expected a municipal server of MO-1 or a regional server"
    )  # ws-mo3 reaches mo3-srv, its МО's server


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("vpn_mtu", "1200", "expected an MTU of 1280 (the least IPv6 allows) to 9000 bytes, "
      "found 1200"),
     ("vpn_mtu", "9001", "expected an MTU of 1280 (the least IPv6 allows) to 9000 bytes, "
      "found 9001"),
     ("vpn_mtu", '"1000"', "expected an MTU of 1280 (the least IPv6 allows) to 9000 bytes, "
      'found "1000"'),
     ("vpn_listen_port", "0", "expected a UDP port of 1 to 65535, found 0"),
     ("vpn_listen_port", "65536", "expected a UDP port of 1 to 65535, found 65536"),
     ("vpn_listen_port", "true", "role vpn: expected a whole number, found true"),
     ("vpn_mtu", "false", "role vpn: expected a whole number, found false"),
     ("vpn_listen_port", "-1", "role vpn: expected a whole number of 0 or more, found -1"),
     ("vpn_mtu", "big", "role vpn: argument 'vpn_mtu' is of type str and we were unable to "
      "convert to int: \"'big'\" cannot be converted to an int")],
)  # fmt: skip
def test_tunnel_mtu_and_port_ranges(lab: Path, key: str, value: str, message: str) -> None:
    write(lab / "group_vars" / "municipal" / "vpn.yml", f"{key}: {value}\n")
    assert only_problem(lab) == f"lab/group_vars/municipal/vpn.yml: {key}: {message}"


def test_a_bad_management_network_says_what_a_network_is(lab: Path) -> None:
    region = lab / "group_vars" / "all" / "main.yml"
    set_key(region, "regbank_management_networks", "[10.20.0.5/26]")
    assert only_problem(lab) == (
        "lab/group_vars/all/main.yml: regbank_management_networks[0]: expected a network "
        '(CIDR, no host bits, not 0.0.0.0/0), e.g. 10.20.0.0/26, found "10.20.0.5/26"'
    )


def test_offline_without_its_bundle(lab: Path) -> None:
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_offline_bundle", None)
    set_key(lab / "group_vars" / "all" / "main.yml", "regbank_package_source", "offline")
    assert only_problem(lab) == (
        "lab/group_vars/all/main.yml: regbank_offline_bundle: missing; expected the path of a "
        "folder made by `regbank offline build` on the controller (it holds BUNDLE.json), "
        "absolute or from the inventory's folder, e.g. /srv/regbank/offline-2026-12-04 "
        "(regbank_package_source: offline in lab/group_vars/all/main.yml)"
    )


@pytest.mark.parametrize("where", ["relative/bundle", "/nowhere/bundle", "folder"])
def test_offline_bundle_not_a_bundle_folder(lab: Path, tmp_path: Path, where: str) -> None:
    folder = tmp_path / "not-a-bundle"
    folder.mkdir()
    region = lab / "group_vars" / "all" / "main.yml"
    set_key(region, "regbank_package_source", "offline")
    set_key(region, "regbank_offline_bundle", str(folder) if where == "folder" else where)
    found = only_problem(lab)
    assert found.startswith(
        "lab/group_vars/all/main.yml: regbank_offline_bundle: expected the path of a "
        "folder made by `regbank offline build`"
    ), found


def bundle_info(folder: Path, packages: dict) -> None:
    """BUNDLE.json as `regbank offline build` writes it: package -> who installs it."""
    (folder / "BUNDLE.json").write_text(json.dumps({"packages": packages}), encoding="utf-8")


def test_offline_bundle_folder_and_package_source(lab: Path, tmp_path: Path) -> None:
    bundle_info(tmp_path, offline_packages.wanted_by(offline_packages.collect()))
    region = lab / "group_vars" / "all" / "main.yml"
    set_key(region, "regbank_package_source", "offline")
    set_key(region, "regbank_offline_bundle", str(tmp_path))
    assert problems(lab) == []
    set_key(region, "regbank_package_source", "airgapped")
    assert only_problem(lab).startswith(
        "lab/group_vars/all/main.yml: regbank_package_source: expected one of online, offline"
    )


def test_offline_bundle_relative_to_the_inventory(lab: Path) -> None:
    """The lab keeps its bundle beside its checkout: a relative path is read from the
    inventory's folder, wherever the command runs."""
    folder = lab.parent / "bundles" / "one"
    folder.mkdir(parents=True)
    bundle_info(folder, offline_packages.wanted_by(offline_packages.collect()))
    region = lab / "group_vars" / "all" / "main.yml"
    set_key(region, "regbank_package_source", "offline")
    set_key(region, "regbank_offline_bundle", "../bundles/one")
    assert problems(lab) == []
    set_key(region, "regbank_offline_bundle", "bundles/one")
    assert "regbank_offline_bundle: expected the path of a folder" in only_problem(lab)


def test_a_bundle_without_a_package_the_kit_installs(lab: Path, tmp_path: Path) -> None:
    wanted = offline_packages.wanted_by(offline_packages.collect())
    assert wanted["nginx"] == ["role nginx"] and wanted["wireguard-go"] == ["role vpn"]
    bundle_info(tmp_path, {k: v for k, v in wanted.items() if k not in ("nginx", "wireguard-go")})
    region = lab / "group_vars" / "all" / "main.yml"
    set_key(region, "regbank_package_source", "offline")
    set_key(region, "regbank_offline_bundle", str(tmp_path))
    assert only_problem(lab) == (
        f"lab/group_vars/all/main.yml: regbank_offline_bundle: the bundle {tmp_path} lacks what "
        "the kit installs: nginx (role nginx), wireguard-go (role vpn); expected a bundle built "
        "by this kit (`regbank offline build`)"
    )
    (tmp_path / "BUNDLE.json").write_text("[]", encoding="utf-8")
    assert only_problem(lab) == (
        f"lab/group_vars/all/main.yml: regbank_offline_bundle: {tmp_path}/BUNDLE.json lists no "
        "packages; expected a bundle of `regbank offline build`"
    )
