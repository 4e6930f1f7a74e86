"""The SSH runner against a real OpenSSH server started for the test on 127.0.0.1."""

from __future__ import annotations

import getpass
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from regbank_foundation.inventory_hosts import Target
from regbank_foundation.ssh import RemoteError, SshRunner, ssh_options

SSHD = Path("/usr/sbin/sshd")  # openssh-server, which `make host` installs


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    """An sshd of our own: its host key, our client key, a port nobody else uses."""
    assert SSHD.is_file(), "openssh-server is not installed; run `make host`"
    folder = tmp_path_factory.mktemp("sshd")
    for name in ("host_key", "client_key"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)], check=True
        )
    shutil.copy(folder / "client_key.pub", folder / "authorized_keys")
    port = _free_port()
    (folder / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host_key'}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\nPidFile {folder / 'sshd.pid'}\n"
        "StrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\n",
        encoding="utf-8",
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
    server = subprocess.Popen(
        [str(SSHD), "-D", "-e", "-f", str(folder / "sshd_config")],
        stderr=(folder / "sshd.log").open("wb"),
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    host_key = (folder / "host_key.pub").read_text().split()[:2]
    yield {"folder": folder, "port": port, "host_key": f"[127.0.0.1]:{port} {' '.join(host_key)}"}
    server.terminate()
    server.wait(timeout=10)


def _target(sshd, known_hosts: Path, checking: str = "yes", **connection) -> Target:
    common = f"-o UserKnownHostsFile={shlex.quote(str(known_hosts))} "
    common += f"-o StrictHostKeyChecking={checking}"
    settings = {
        "ansible_host": "127.0.0.1",
        "ansible_port": sshd["port"],
        "ansible_user": getpass.getuser(),
        "ansible_ssh_private_key_file": str(sshd["folder"] / "client_key"),
        "ansible_ssh_common_args": common,
    }
    return Target("test-host", ("regional",), settings | connection)


def _known(sshd, tmp_path) -> Path:
    known = tmp_path / "known_hosts"
    known.write_text(sshd["host_key"] + "\n", encoding="utf-8")
    return known


def test_a_command_runs_with_its_input_output_and_exit_code(sshd, tmp_path):
    with SshRunner(_target(sshd, _known(sshd, tmp_path))) as runner:
        assert runner.run(["echo", "a b"]).stdout == "a b\n"
        assert runner.run(["cat"], stdin="из stdin\n").stdout == "из stdin\n"
        failed = runner.run("echo oops >&2; exit 3", check=False)
        assert (failed.returncode, failed.stderr) == (3, "oops\n")
        with pytest.raises(RemoteError, match=r"test-host .*exit 3 failed \(3\):\noops"):
            runner.run("echo oops >&2; exit 3")


def test_a_command_that_does_not_answer_in_time_is_stopped(sshd, tmp_path):
    runner = SshRunner(_target(sshd, _known(sshd, tmp_path)))
    with runner, pytest.raises(RemoteError, match="no answer in 1 s"):
        runner.run(["sleep", "30"], timeout=1)


def test_become_runs_as_the_user_asked_for(sshd, tmp_path):
    with SshRunner(_target(sshd, _known(sshd, tmp_path))) as runner:
        assert runner.run(["id", "-un"], become_user="nobody").stdout == "nobody\n"
        assert runner.run("id -un", become_user="root").stdout == "root\n"


def test_an_unknown_host_key_is_refused_unless_the_inventory_accepts_new_ones(sshd, tmp_path):
    known = tmp_path / "known_hosts"
    strict = SshRunner(_target(sshd, known))
    assert not strict.answers()
    with pytest.raises(RemoteError, match="SSH connection failed"):
        strict.run(["true"])
    assert SshRunner(_target(sshd, known, "accept-new")).answers()
    assert known.read_text().split() == sshd["host_key"].split()
    assert SshRunner(_target(sshd, known)).answers()  # now remembered


def test_a_changed_host_key_is_refused_even_with_accept_new(sshd, tmp_path):
    known = tmp_path / "known_hosts"
    other = sshd["folder"] / "client_key.pub"  # any other ed25519 key
    known.write_text(f"[127.0.0.1]:{sshd['port']} {' '.join(other.read_text().split()[:2])}\n")
    assert not SshRunner(_target(sshd, known, "accept-new")).answers()


def test_ssh_arguments_the_runner_cannot_honour_are_refused_by_name():
    assert ssh_options(["-o", "ConnectTimeout=5", "-oBatchMode=yes", "-p", "2222"], "x") == {
        "connecttimeout": "5",
        "batchmode": "yes",
        "port": "2222",
    }
    with pytest.raises(RemoteError, match="does not support -o ForwardX11=yes"):
        ssh_options(["-o", "ForwardX11=yes"], "host: ansible_ssh_common_args")
    with pytest.raises(RemoteError, match="does not support '-X'"):
        ssh_options(["-X"], "host: ansible_ssh_common_args")


def test_the_inventorys_known_hosts_file_stands_instead_of_the_users(sshd, tmp_path, monkeypatch):
    # A lab recreated at the same address: the user's own known_hosts has an old key.
    home = tmp_path / "home"
    old_key = (sshd["folder"] / "client_key.pub").read_text().split()[:2]
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "known_hosts").write_text(f"[127.0.0.1]:{sshd['port']} {' '.join(old_key)}\n")
    monkeypatch.setenv("HOME", str(home))
    assert SshRunner(_target(sshd, _known(sshd, tmp_path))).answers()
    without_file = _target(sshd, tmp_path / "unused", ansible_ssh_common_args="")
    assert not SshRunner(without_file).answers()  # then the user's file is the one read
