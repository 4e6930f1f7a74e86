"""One SSH runner for every Python-side remote command, on Fabric.

The lab's commands (`regbank lab ssh`, its readiness checks) and the calibration's
measurements run their commands through this runner, with the connection settings of
the host's inventory (regbank_foundation.inventory_hosts.Target): address, port, user,
key file, `ansible_ssh_common_args`/`ansible_ssh_extra_args` and become. Those SSH
arguments are OpenSSH's; the runner carries out the ones the kit's inventories use
(known hosts file and checking, connect timeout, proxy command or jump host, keepalive)
and refuses any other, naming it, rather than connect differently from Ansible.
"""

from __future__ import annotations

import io
import shlex
import time
from dataclasses import dataclass
from pathlib import Path

import fabric
import invoke
import paramiko

from regbank_foundation.errors import RegbankError
from regbank_foundation.inventory_hosts import Target

DEFAULT_CONNECT_TIMEOUT = 15
# OpenSSH options that change nothing here: the runner never asks, reuses its own
# connection, and authenticates with the key file (or the default keys) only.
_NEUTRAL_OPTIONS = {
    "batchmode", "controlmaster", "controlpath", "controlpersist", "identitiesonly",
    "loglevel", "passwordauthentication", "kbdinteractiveauthentication",
    "pubkeyauthentication", "preferredauthentications", "forwardagent", "compression",
}  # fmt: skip
_HANDLED_OPTIONS = {
    "userknownhostsfile", "stricthostkeychecking", "connecttimeout", "proxycommand",
    "proxyjump", "serveraliveinterval", "port", "user", "identityfile",
}  # fmt: skip
_NEUTRAL_FLAGS = {"-q", "-T", "-t", "-n", "-C", "-4"}


class RemoteError(RegbankError):
    """A host could not be reached over SSH, or a command there failed or timed out."""


@dataclass(frozen=True)
class RemoteResult:
    returncode: int
    stdout: str
    stderr: str


def ssh_options(arguments: list[str], where: str) -> dict[str, str]:
    """OpenSSH arguments (-o Key=Value, -J, -i, -p, -l) as lower-case option names."""
    options: dict[str, str] = {}
    flags = {"-o": None, "-J": "proxyjump", "-i": "identityfile", "-p": "port", "-l": "user"}
    words = iter(arguments)
    for word in words:
        flag, value = word[:2], word[2:]
        if flag not in flags:
            if word in _NEUTRAL_FLAGS:
                continue
            raise RemoteError(f"{where}: the kit's SSH runner does not support {word!r}")
        if not value:
            value = next(words, "")
        if flag != "-o":
            options[flags[flag]] = value
            continue
        key, _, rest = value.replace("=", " ", 1).partition(" ")
        key = key.strip().lower()
        if key not in _NEUTRAL_OPTIONS | _HANDLED_OPTIONS:
            raise RemoteError(f"{where}: the kit's SSH runner does not support -o {value}")
        options[key] = rest.strip()
    return options


class _AcceptNew(paramiko.MissingHostKeyPolicy):
    """StrictHostKeyChecking=accept-new: remember a host never seen; a changed key is
    still refused (paramiko raises BadHostKeyException before asking a policy)."""

    def __init__(self, known_hosts: Path | None) -> None:
        self.known_hosts = known_hosts

    def missing_host_key(self, client, hostname, key) -> None:
        client.get_host_keys().add(hostname, key.get_name(), key)
        if self.known_hosts is not None:
            self.known_hosts.parent.mkdir(parents=True, exist_ok=True)
            with self.known_hosts.open("a", encoding="utf-8") as stream:
                stream.write(f"{hostname} {key.get_name()} {key.get_base64()}\n")


class SshRunner:
    """Commands on one host over one SSH connection, opened on first use."""

    def __init__(self, target: Target, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT):
        self.target = target
        self.where = f"{target.name} ({self.destination})"
        options = ssh_options(target.ssh_args, f"{target.name}: ansible_ssh_common_args")
        timeout = int(float(options.get("connecttimeout") or connect_timeout))
        key = options.get("identityfile") or target.key_file
        connect_kwargs: dict = {"allow_agent": not key, "look_for_keys": not key}
        if key:
            connect_kwargs["key_filename"] = str(Path(key).expanduser())
        self.connection = fabric.Connection(
            host=target.address,
            user=options.get("user") or target.user or None,
            port=int(options.get("port") or target.port),
            connect_timeout=timeout,
            connect_kwargs=connect_kwargs,
            gateway=_gateway(options, timeout),
        )
        _host_key_policy(self.connection.client, options)
        interval = options.get("serveraliveinterval")
        self._keepalive = int(interval) if interval else 0

    @property
    def destination(self) -> str:
        user = f"{self.target.user}@" if self.target.user else ""
        return f"{user}{self.target.address}:{self.target.port}"

    def __enter__(self) -> SshRunner:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.connection.close()

    def _open(self) -> None:
        if self.connection.is_connected:
            return
        try:
            self.connection.open()
        except (OSError, paramiko.SSHException) as error:
            reason = str(error) or type(error).__name__
            raise RemoteError(f"{self.where}: SSH connection failed: {reason}") from error
        if self._keepalive:
            self.connection.transport.set_keepalive(self._keepalive)

    def command_line(self, command: list[str] | str, become_user: str | None = None) -> str:
        """The remote shell's command line; with become_user, run as that user (sudo -n
        from an unprivileged login, runuser when the login is root)."""
        argv = ["sh", "-c", command] if isinstance(command, str) else list(command)
        if become_user is None:
            return command if isinstance(command, str) else shlex.join(argv)
        if self.target.user in ("", "root"):
            prefix = [] if become_user == "root" else ["runuser", "-u", become_user, "--"]
        else:
            prefix = ["sudo", "-n", *([] if become_user == "root" else ["-u", become_user]), "--"]
        return shlex.join([*prefix, *argv])

    def run(
        self,
        command: list[str] | str,
        *,
        stdin: str | None = None,
        timeout: float | None = None,
        become_user: str | None = None,
        check: bool = True,
        echo: bool = False,
    ) -> RemoteResult:
        """Run a command (an argv, or a shell line) there; its exit code and output.

        ``check`` raises a RemoteError naming the command when it exits non-zero;
        ``echo`` passes its output through to ours as it comes (and keeps it too).
        """
        self._open()
        line = self.command_line(command, become_user)
        started = time.monotonic()
        try:
            result = self.connection.run(
                line,
                hide=not echo,
                warn=True,
                in_stream=io.StringIO(stdin) if stdin is not None else False,
                timeout=timeout,
            )
        except invoke.CommandTimedOut as error:
            raise self._no_answer(line, timeout) from error
        except (OSError, paramiko.SSHException) as error:
            raise RemoteError(f"{self.where}: SSH failed during {line[:200]}: {error}") from error
        # invoke decides "timed out" by whether its timer thread has finished; when the
        # main thread sees the killed channel first, the run comes back with no exit
        # status (-1) instead. The clock settles it.
        if result.exited == -1 and timeout and time.monotonic() - started >= timeout:
            raise self._no_answer(line, timeout)
        done = RemoteResult(result.exited, result.stdout, result.stderr)
        if check and done.returncode != 0:
            raise RemoteError(
                f"{self.where}: {line[:300]} failed ({done.returncode}):\n{done.stderr[-2000:]}"
            )
        return done

    def _no_answer(self, line: str, timeout: float) -> RemoteError:
        return RemoteError(f"{self.where}: {line[:200]}: no answer in {timeout:.0f} s")

    def answers(self) -> bool:
        """True when the host takes an SSH connection and runs `true`."""
        try:
            return self.run(["true"], timeout=30, check=False).returncode == 0
        except RemoteError:
            return False
        finally:
            self.close()

    def shell(self) -> int:
        """An interactive login shell on the host, on this terminal; its exit code."""
        self._open()
        return self.connection.shell().exited


def _gateway(options: dict[str, str], timeout: int) -> fabric.Connection | str | None:
    """ProxyCommand as is; ProxyJump [user@]host[:port] (the first hop when several)."""
    if options.get("proxycommand", "none").lower() != "none":
        return options["proxycommand"]
    jump = options.get("proxyjump", "none")
    if jump.lower() == "none":
        return None
    return fabric.Connection(jump.split(",")[0], connect_timeout=timeout)


def _host_key_policy(client: paramiko.SSHClient, options: dict[str, str]) -> None:
    """Known hosts and StrictHostKeyChecking as OpenSSH reads them: UserKnownHostsFile
    instead of ~/.ssh/known_hosts (a lab recreated at the same addresses must not meet
    its old keys there); with neither option, only hosts already known are accepted
    (OpenSSH would ask; nobody is here to answer)."""
    files = [Path(name).expanduser() for name in shlex.split(options.get("userknownhostsfile", ""))]
    if not files:
        client.load_system_host_keys()
    for file in files:
        if file.is_file():
            client.get_host_keys().load(str(file))
    checking = options.get("stricthostkeychecking", "ask").lower()
    if checking in ("no", "off", "accept-new"):
        # "no" accepts a new host without remembering it; accept-new remembers it.
        remember = files[0] if files and checking == "accept-new" else None
        client.set_missing_host_key_policy(_AcceptNew(remember))
    else:
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
