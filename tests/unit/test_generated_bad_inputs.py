"""Generated bad inventories and protection-level inputs: clear errors, never a traceback.

Hypothesis changes the lab inventory at random (a key's value replaced by a value of
another kind, a key removed, a file replaced by random text or bytes, hosts.yml
replaced by a random structure) and runs the real validator; it feeds `regbank profile
level` random files and random typed answers. Each run must end in a verdict or in
problems naming the file; an exception would reach the user as a traceback and fails
the test.
"""

from __future__ import annotations

import argparse
import io
import tempfile
from contextlib import redirect_stdout
from pathlib import Path
from unittest import mock

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lab_copy import lab_copy

from regbank.commands import profile
from regbank.inventory import load_valid_inventory, validate_inventory
from regbank_foundation.errors import RegbankError
from regbank_foundation.paths import KIT_ROOT

LAB = KIT_ROOT / "inventory" / "lab"
# Each inventory example copies the lab and validates it twice (about a second).
INVENTORY_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["127.0.0.1", "0.0.0.0", "::1", "fd00::1", "МО-1", "MO-1", "{{ x }}", "²"]),  # noqa: S104
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
# Keys the schema, the checks and the role specs judge.
KEYS = [
    ("host_vars/mo3-srv.yml", "mo"),
    ("host_vars/mo3-srv.yml", "ansible_host"),
    ("host_vars/ws-mo1.yml", "ansible_connection"),
    ("host_vars/ws-mo1.yml", "postgresql_max_connections"),
    ("group_vars/all/main.yml", "regbank_topology"),
    ("group_vars/all/main.yml", "regbank_mo"),
    ("group_vars/all/main.yml", "regbank_profile"),
    ("group_vars/all/main.yml", "regbank_public_name"),
    ("group_vars/all/main.yml", "regbank_management_networks"),
    ("group_vars/all/main.yml", "regbank_lab"),
    ("group_vars/all/main.yml", "regbank_vpn_network"),
    ("host_vars/mo3-srv.yml", "vpn_address"),
    ("group_vars/regional/firewall.yml", "firewall_allowed_inbound"),
    ("group_vars/regional/postgresql.yml", "postgresql_max_connections"),
]
# The VPN keys (issue 14), judged on a lab that has a tunnel network and addresses.
VPN_KEYS = [
    ("group_vars/all/main.yml", "regbank_vpn"),
    ("group_vars/all/main.yml", "regbank_vpn_network"),
    ("group_vars/all/main.yml", "regbank_vpn_external"),
    ("group_vars/all/main.yml", "regbank_management_networks"),
    ("host_vars/mo3-srv.yml", "vpn_address"),
    ("host_vars/ws-mo3.yml", "vpn_address"),
    ("host_vars/ws-mo3.yml", "mo"),
    ("host_vars/region-srv.yml", "ansible_host"),
    ("group_vars/municipal/vpn.yml", "vpn_mtu"),
    ("group_vars/municipal/vpn.yml", "vpn_listen_port"),
]
VPN_SCALARS = st.sampled_from(
    ["10.77.0.0/24", "10.77.0.1/24", "10.89.0.0/16", "10.77.0.255", "10.77.0.13", "external",
     "wireguard", "1280", 1279, 9000, 65536, 0, -1, True, "MO-2"]
)  # fmt: skip
FILES = ["hosts.yml", "host_vars/mo3-srv.yml", "group_vars/all/main.yml"]


def _judge(inventory: Path) -> None:
    """The validator's verdict, and load_valid_inventory's: problems or an inventory."""
    problems = validate_inventory(inventory)
    for problem in problems:
        assert str(problem).startswith("lab"), problem  # each names its file
    try:
        load_valid_inventory(inventory)
    except RegbankError as error:
        assert problems, f"refused without a problem listed: {error}"
    else:
        assert not problems


@INVENTORY_SETTINGS
@given(key=st.sampled_from(KEYS), value=st.one_of(VALUES, st.just("<removed>")))
def test_a_key_with_any_value_gets_a_verdict(key, value):
    file_name, name = key
    with tempfile.TemporaryDirectory() as folder:
        lab = lab_copy(Path(folder))
        file = lab / file_name
        data = yaml.safe_load(file.read_text(encoding="utf-8")) if file.exists() else {}
        data = data or {}
        if value == "<removed>":
            data.pop(name, None)
        else:
            data[name] = value
        file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        _judge(lab)


def _with_vpn(lab: Path) -> None:
    """The lab with every VPN key set and valid (regbank_vpn: external ignores the addresses)."""
    region = lab / "group_vars" / "all" / "main.yml"
    data = yaml.safe_load(region.read_text(encoding="utf-8"))
    data["regbank_vpn"] = "wireguard"
    data["regbank_vpn_network"] = "10.77.0.0/24"
    data["regbank_vpn_external"] = {
        "product": "ViPNet Client 4",
        "certificate": "ФСТЭК России № 0000",
        "interface": "vipnet0",
        "subnets": ["10.200.0.0/16"],
    }
    region.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for number, host in enumerate(["region-srv", "mo3-srv", "ws-mo1", "ws-mo3"], start=1):
        host_file = lab / "host_vars" / f"{host}.yml"
        host_vars = yaml.safe_load(host_file.read_text(encoding="utf-8"))
        host_vars["vpn_address"] = f"10.77.0.{number}"
        host_file.write_text(yaml.safe_dump(host_vars, allow_unicode=True), encoding="utf-8")


@INVENTORY_SETTINGS
@given(
    key=st.sampled_from(VPN_KEYS),
    value=st.one_of(VALUES, VPN_SCALARS, st.lists(VPN_SCALARS, max_size=3), st.just("<removed>")),
)
def test_a_vpn_key_with_any_value_gets_a_verdict(key, value):
    file_name, name = key
    with tempfile.TemporaryDirectory() as folder:
        lab = lab_copy(Path(folder))
        _with_vpn(lab)
        assert validate_inventory(lab) == []  # the base is valid: each problem is the change's
        file = lab / file_name
        data = yaml.safe_load(file.read_text(encoding="utf-8")) if file.exists() else {}
        data = data or {}
        if value == "<removed>":
            data.pop(name, None)
        else:
            data[name] = value
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        _judge(lab)


@INVENTORY_SETTINGS
@given(
    file_name=st.sampled_from(FILES),
    content=st.one_of(
        st.text(max_size=200),
        st.binary(max_size=200),
        VALUES.map(lambda value: yaml.safe_dump(value, allow_unicode=True)),
    ),
)
def test_a_file_with_any_content_gets_a_verdict(file_name, content):
    with tempfile.TemporaryDirectory() as folder:
        lab = lab_copy(Path(folder))
        file = lab / file_name
        if isinstance(content, bytes):
            file.write_bytes(content)
        else:
            file.write_text(content, encoding="utf-8")
        _judge(lab)


def _profile_level(argv: list[str]) -> str:
    parser = argparse.ArgumentParser(prog="regbank")
    profile.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["profile", "level", *argv])
    output = io.StringIO()
    with redirect_stdout(output):
        assert args.func(args) == 0
    return output.getvalue()


LEVEL_KEYS = ["categories", "subjects", "threat_type", "state_system", "significance", "scale"]


@SETTINGS
@given(
    document=st.one_of(
        st.dictionaries(st.sampled_from([*LEVEL_KEYS, "other"]), VALUES, max_size=7),
        VALUES,
    ),
    raw=st.one_of(st.none(), st.binary(max_size=100), st.text(max_size=100)),
)
def test_any_protection_level_file_gets_a_level_or_a_clear_error(document, raw):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "level.yaml"
        if raw is None:
            path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        elif isinstance(raw, bytes):
            path.write_bytes(raw)
        else:
            path.write_text(raw, encoding="utf-8")
        try:
            report = _profile_level(["--from", str(path)])
        except RegbankError as error:
            assert "level.yaml" in str(error)
        else:
            assert "Уровень защищенности ПДн: УЗ-" in report


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@SETTINGS
@given(answers=st.lists(st.one_of(st.text(max_size=12), st.sampled_from(["д", "н", "0", "²"]))))
def test_any_typed_answers_get_a_level_or_a_clear_error(answers):
    typed = "".join(answer.replace("\n", " ").replace("\r", " ") + "\n" for answer in answers)
    with mock.patch("sys.stdin", _Terminal(typed)), redirect_stdout(io.StringIO()):
        parser = argparse.ArgumentParser(prog="regbank")
        profile.register(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(["profile", "level"])
        try:
            assert args.func(args) == 0
        except RegbankError as error:
            assert "input ended" in str(error)
