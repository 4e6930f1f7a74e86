"""A throwaway PostgreSQL 15 cluster: the application's tests, its bench, the local
calibration (`regbank calibrate --local`) and a development server start it here.

The cluster lives in a temporary directory, listens only on a Unix socket in that
directory and is removed when stopped. PostgreSQL refuses to run as root, so when the
current user is root the server runs as the ``postgres`` system user (created by
Debian's postgresql-15 package) through ``runuser``.

Run ``python -m regbank_devtools.pgcluster`` to start one for ``runserver``; it
prints the DSN and stops the cluster on Ctrl-C.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BIN = "/usr/lib/postgresql/15/bin"
SUPERUSER = "postgres"
MISSING_MESSAGE = (
    "PostgreSQL 15 server binaries not found in {bin}. The application's tests run on a "
    "real PostgreSQL: run `make test` (it installs the Debian package postgresql-15), or "
    "set REGBANK_TEST_PG_BIN to the folder holding initdb and pg_ctl."
)


class ClusterError(RuntimeError):
    """The throwaway cluster could not be created or started."""


@dataclass
class TempCluster:
    bin_dir: str = field(default_factory=lambda: os.environ.get("REGBANK_TEST_PG_BIN", DEFAULT_BIN))
    port: int = 55432
    base_dir: Path | None = None
    # extra server settings (benchmarks: memory as on a real server), `-c name=value`
    server_settings: dict[str, str] = field(default_factory=dict)
    _run_as: str | None = None

    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> str:
        assert self.base_dir is not None
        return str(self.base_dir)

    def _binary(self, name: str) -> str:
        path = Path(self.bin_dir) / name
        if not path.is_file():
            raise ClusterError(MISSING_MESSAGE.format(bin=self.bin_dir))
        return str(path)

    def _cmd(self, *args: str) -> list[str]:
        if self._run_as:
            return ["runuser", "-u", self._run_as, "--", *args]
        return list(args)

    def _run(self, *args: str) -> None:
        proc = subprocess.run(self._cmd(*args), capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise ClusterError(
                f"{' '.join(args[:2])} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )

    def start(self) -> TempCluster:
        initdb = self._binary("initdb")
        pg_ctl = self._binary("pg_ctl")
        # as root, the server runs as `postgres`, which must reach the folder: /tmp, not a
        # TMPDIR under root's home
        parent = os.environ.get("REGBANK_TEST_PG_TMP") or ("/tmp" if os.geteuid() == 0 else None)  # noqa: S108
        self.base_dir = Path(tempfile.mkdtemp(prefix="regbank-pg-", dir=parent))
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam(SUPERUSER)
            except KeyError as exc:
                raise ClusterError(
                    "running as root, but there is no `postgres` system user to run the "
                    "server as: run `make test` (it installs postgresql-15, which creates it)"
                ) from exc
            os.chown(self.base_dir, pw.pw_uid, pw.pw_gid)
            self._run_as = SUPERUSER
        self._run(
            initdb,
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = " ".join(
            [
                "-c listen_addresses=''",
                f"-c unix_socket_directories={self.socket_dir}",
                f"-p {self.port}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=50",
                "-c shared_buffers=64MB",
                "-c wal_level=logical",
                "-c timezone=UTC",
                *(f"-c {name}={value}" for name, value in self.server_settings.items()),
            ]
        )
        self._run(
            pg_ctl,
            "-D",
            str(self.data_dir),
            "-o",
            options,
            "-l",
            str(self.base_dir / "server.log"),
            "-w",
            "-t",
            "30",
            "start",
        )
        return self

    def psql(self, sql: str, dbname: str = "postgres") -> None:
        """Run SQL as the cluster's superuser."""
        self._run(
            self._binary("psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            self.socket_dir,
            "-p",
            str(self.port),
            "-U",
            SUPERUSER,
            "-d",
            dbname,
            "-c",
            sql,
        )

    def stop(self) -> None:
        if self.base_dir is None:
            return
        if (self.data_dir / "postmaster.pid").exists():
            subprocess.run(
                self._cmd(
                    self._binary("pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "stop"
                ),
                capture_output=True,
                check=False,
            )
        shutil.rmtree(self.base_dir, ignore_errors=True)
        self.base_dir = None

    def settings_for(self, user: str, name: str = "postgres") -> dict:
        return {"HOST": self.socket_dir, "PORT": str(self.port), "USER": user, "NAME": name}


def free_port_hint() -> int:
    """A port number for the socket file name; unique per process so xdist workers differ."""
    return 55000 + os.getpid() % 5000


def _stop_on(signum, frame):  # pragma: no cover
    raise KeyboardInterrupt


def main() -> None:  # pragma: no cover - developer helper
    # started in the background, SIGINT may be ignored: stop on SIGTERM and SIGINT alike
    signal.signal(signal.SIGTERM, _stop_on)
    signal.signal(signal.SIGINT, _stop_on)
    cluster = TempCluster(port=free_port_hint()).start()
    cluster.psql("CREATE ROLE regbank LOGIN CREATEDB")
    cluster.psql("CREATE DATABASE regbank OWNER regbank")
    print(
        f"REGBANK_DATABASE_URL=postgresql://regbank@/regbank?host={cluster.socket_dir}&port={cluster.port}"
    )
    print("Ctrl-C (or SIGTERM) stops and removes the cluster.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
