"""The lab end to end: up → site.yml → site.yml again with no change → down.

Runs the real commands a user runs, against the four lab containers.
"""

import re
import subprocess

import docker
import pytest

from regbank import KIT_ROOT, lab

HOSTS = ["region-srv", "mo3-srv", "ws-mo1", "ws-mo3"]
RECAP = re.compile(
    r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M
)


def run(*command: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=KIT_ROOT, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited {result.returncode}:\n{result.stdout[-4000:]}"
            f"\n{result.stderr[-4000:]}"
        )
    return result


def recap(output: str) -> dict[str, dict[str, int]]:
    return {
        m[1]: {"ok": int(m[2]), "changed": int(m[3]), "unreachable": int(m[4]), "failed": int(m[5])}
        for m in RECAP.finditer(output)
    }


@pytest.fixture(scope="module")
def lab_up():
    run("regbank", "lab", "down")  # a clean start, whatever an earlier run left
    up = run("regbank", "lab", "up")
    yield up
    run("regbank", "lab", "down", check=False)


def test_up_starts_every_host_reachable_by_ssh(lab_up):
    for host in HOSTS:
        assert re.search(rf"^{host}\s+\S+\s+running\s+\S+\s+ok$", lab_up.stdout, re.M), (
            lab_up.stdout
        )
    assert "regbank lab ssh" in lab_up.stdout


def test_up_again_reuses_what_exists(lab_up):
    client = docker.from_env()
    before = {c.name: c.id for c in client.containers.list(filters={"label": lab.LABEL})}
    again = run("regbank", "lab", "up")
    after = {c.name: c.id for c in client.containers.list(filters={"label": lab.LABEL})}
    assert before == after
    assert again.stdout.count("reusing") == len(HOSTS)


def test_site_converges_then_changes_nothing(lab_up):
    first = run("ansible-playbook", "playbooks/site.yml")
    assert set(HOSTS) <= recap(first.stdout).keys()
    second = run("ansible-playbook", "playbooks/site.yml")
    hosts = recap(second.stdout)
    for host in HOSTS:
        assert hosts[host]["changed"] == 0, f"{host} changed on the second run:\n{second.stdout}"
        assert hosts[host]["failed"] == hosts[host]["unreachable"] == 0


def test_hosts_are_deployed_as_an_operator_sees_them(lab_up):
    for host in HOSTS:
        out = run(
            "regbank",
            "lab",
            "ssh",
            host,
            "hostname; date +%Z; locale; sudo -n true && echo sudo-ok",
        )
        lines = out.stdout.split()
        assert lines[0] == host
        assert "MSK" in lines
        assert "LANG=ru_RU.UTF-8" in lines
        assert "sudo-ok" in lines
    # Workstations and the municipal server follow the regional server's clock.
    sources = run("regbank", "lab", "ssh", "ws-mo1", "chronyc -n sources").stdout
    assert "10.89.0.10" in sources


def test_down_removes_everything_it_made(lab_up):
    run("regbank", "lab", "down")
    client = docker.from_env()
    assert client.containers.list(all=True, filters={"label": lab.LABEL}) == []
    assert client.networks.list(filters={"label": lab.LABEL}) == []
    assert not lab.key_file("regbank-lab").exists()
    # Only what it made: the base image stays for the next run.
    assert client.images.list(name="regbank/debian12-systemd")
