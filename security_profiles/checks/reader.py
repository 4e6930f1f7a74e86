"""The only way a check touches a host: a runner of known read-only commands.

Each program a check may call is listed with the arguments that keep it read-only
(``systemctl show`` yes, ``systemctl restart`` no). Anything else is refused before
it reaches the host, so an audit run cannot change what it audits. A program the
host lacks (exit 127) raises :class:`NotInstalled`: the check fails with
"не установлено" instead of installing anything.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# PostgreSQL sessions of a check are read-only transactions.
READ_ONLY_PG = "-c default_transaction_read_only=on"


class NotInstalled(Exception):  # noqa: N818 - read as "not installed: <program>"
    """The program a check needs is not on the host."""


class RefusedCommand(Exception):  # noqa: N818
    """A check asked for a command that is not known to be read-only (a kit bug)."""


@dataclass(frozen=True)
class Output:
    rc: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.rc == 0


# Output text of a command run through a shell: 127 = the program is not there.
_NOT_FOUND = 127
_WRITING_OPTIONS = {"-out", "-keyout", "-sess_out", "-writerand", "-w", "--write"}


def _subcommand(allowed: set[str]) -> Callable[[list[str]], bool]:
    def accepts(args: list[str]) -> bool:
        words = [a for a in args if not a.startswith("-")]
        return bool(words) and words[0] in allowed

    return accepts


def _always(args: list[str]) -> bool:
    return True


def _ip(args: list[str]) -> bool:
    words = [a for a in args if not a.startswith("-")]
    return (
        bool(words)
        and words[0] in {"addr", "address", "route", "link"}
        and (len(words) == 1 or words[1] == "show")
    )


def _sysctl(args: list[str]) -> bool:
    return not any("=" in a for a in args) and "-p" not in args


def _psql(args: list[str]) -> bool:
    # Only statements that read: SHOW and SELECT, in a read-only session (env below).
    if "-c" not in args:
        return False
    sql = args[args.index("-c") + 1].lstrip().upper()
    return sql.startswith(("SHOW ", "SELECT "))


def _runuser(args: list[str]) -> bool:
    return len(args) > 3 and args[0] == "-u" and args[2] == "--" and is_read_only(args[3:])


def _env(args: list[str]) -> bool:
    position = 0
    while position < len(args) and "=" in args[position]:
        position += 1
    return position < len(args) and is_read_only(args[position:])


def _pgbackrest(args: list[str]) -> bool:
    return "info" in args and "--log-level-file=off" in args


def _modprobe(args: list[str]) -> bool:
    return args in (["--showconfig"], ["-c"]) or (args[:1] == ["-n"] and "-v" in args)


def _wg(args: list[str]) -> bool:
    # `wg show IFACE <field>` for public fields only: bare `show` and `dump` print
    # the private key.
    public = {"latest-handshakes", "peers", "endpoints", "allowed-ips", "listen-port", "transfer"}
    return len(args) == 3 and args[0] == "show" and args[2] in public


def _chronyc(args: list[str]) -> bool:
    return _subcommand({"sources", "sourcestats", "tracking", "sources -v"})(args)


READ_ONLY: dict[str, Callable[[list[str]], bool]] = {
    "cat": _always,
    "stat": _always,
    "test": _always,
    "ls": _always,
    "readlink": _always,
    "id": _always,
    "uname": _always,
    "hostname": _always,
    "getent": _always,
    "dpkg-query": _always,
    "ss": _always,
    "systemd-detect-virt": _always,
    "pg_lsclusters": _always,
    "sshd": lambda args: "-T" in args,
    "/usr/sbin/sshd": lambda args: "-T" in args,
    "nft": _subcommand({"list"}),
    "systemctl": _subcommand(
        {"show", "is-active", "is-enabled", "cat", "list-timers", "list-units"}
    ),
    "systemd-analyze": _subcommand({"cat-config"}),
    "chronyc": _chronyc,
    "wg": _wg,
    "dconf": _subcommand({"read", "list-locks", "dump"}),
    # Only the version line: it names the daily database loaded and its date.
    "clamscan": lambda args: args == ["--version"],
    "date": lambda args: all(arg.startswith("+") for arg in args),
    "openssl": _subcommand({"s_client", "verify", "x509"}),
    "modprobe": _modprobe,
    "ip": _ip,
    "sysctl": _sysctl,
    "auditctl": lambda args: args in (["-l"], ["-s"]),
    "psql": _psql,
    "runuser": _runuser,
    "env": _env,
    "pgbackrest": _pgbackrest,
}


def is_read_only(argv: Sequence[str]) -> bool:
    if not argv or argv[0] not in READ_ONLY:
        return False
    args = list(argv[1:])
    if any(a in _WRITING_OPTIONS for a in args):
        return False
    return READ_ONLY[argv[0]](args)


@dataclass
class Reader:
    """Runs read-only commands through ``execute`` (the testinfra host) and keeps a log."""

    execute: Callable[[str], Output]
    commands: list[str] = field(default_factory=list)
    _seen: dict[str, Output] = field(default_factory=dict, repr=False)

    def run(self, *argv: str, stdin: str | None = None) -> Output:
        if not is_read_only(argv):
            raise RefusedCommand(f"not a known read-only command: {shlex.join(argv)}")
        command = shlex.join(argv)
        if stdin is not None:
            # Input is fed by the shell's here-string; the command itself stays the same.
            command = f"{command} <<'REGBANK_EOF'\n{stdin}\nREGBANK_EOF"
        if command in self._seen:  # several checks read the same thing: ask once
            output = self._seen[command]
        else:
            self.commands.append(shlex.join(argv))
            output = self._seen[command] = self.execute(command)
        if output.rc == _NOT_FOUND:
            raise NotInstalled(argv[0] if argv[0] not in ("runuser", "env") else command)
        return output

    def file(self, path: str) -> str | None:
        """A file's text, or None when it does not exist."""
        output = self.run("cat", path)
        return output.stdout if output.ok else None

    def exists(self, path: str) -> bool:
        return self.run("test", "-e", path).ok

    def package_installed(self, package: str) -> bool:
        output = self.run("dpkg-query", "-W", "-f", "${db:Status-Status}", package)
        return output.ok and output.stdout.strip() == "installed"

    def require_package(self, package: str) -> None:
        if not self.package_installed(package):
            raise NotInstalled(f"пакет {package}")

    def in_container(self) -> bool:
        return self.run("systemd-detect-virt", "--container").ok
