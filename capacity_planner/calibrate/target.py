"""The server `regbank calibrate` measures: a site reached over SSH, or a local app.

Both kinds answer the same questions: run the probe (probe.py) there, run SQL on
PostgreSQL's statistics and catalogs as its superuser, run the application's
management commands (what its own tables hold is the application's to say:
calibration_facts, calibration_accounts), and say which processes are the
application and the database and which files are their logs.

* ``SshTarget``: a host of an inventory, reached through the kit's SSH runner
  (regbank_foundation.ssh) with the settings Ansible renders for it (address, port,
  user, key, common args), commands run as root (sudo from the admin account). The
  app is the registry_app role's deployment (regbank-app.service, regbank-manage),
  the database Debian's cluster 15/main.
* ``LocalApp``: gunicorn and a throwaway PostgreSQL 15 cluster started here, the way
  the app's own tests and bench start them (regbank_devtools.pgcluster), with the
  sample region's directories and a share of its activity loaded.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from regbank_devtools.pgcluster import ClusterError, TempCluster, free_port_hint
from regbank_foundation.inventory_hosts import render_host
from regbank_foundation.paths import APP_DIR
from regbank_foundation.ssh import RemoteError, SshRunner

PROBE = Path(__file__).resolve().parent / "probe.py"
DATABASE = "regbank"
# Settings of the local cluster that make WAL and durability behave as on a server
# (the test defaults switch them off for speed).
LOCAL_SERVER_SETTINGS = {
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "shared_buffers": "256MB",
    "shared_preload_libraries": "pg_stat_statements",
    "checkpoint_timeout": "15min",
    "max_wal_size": "2GB",
}


class TargetError(RuntimeError):
    """The measured server could not be reached or did not answer as expected."""


@dataclass
class Target:
    """What every target provides; see the module doc."""

    name: str = ""
    base_url: str = ""
    host_header: str | None = None
    verify: bool | str = True
    groups: dict = field(default_factory=dict)  # probe process groups: name -> unit/pid
    app_journal_unit: str | None = None  # app log in the journal (else a file in logs)
    logs: dict = field(default_factory=dict)  # role ("db", "web", "app") -> path

    # --- to be provided ---------------------------------------------------------------
    def run(self, argv: list[str], stdin: str | None = None, timeout: float = 600) -> str:
        raise NotImplementedError

    def psql_argv(self, sql: str) -> list[str]:
        raise NotImplementedError

    def manage_argv(self, *arguments: str) -> list[str]:
        """The application's management command line (manage.py or regbank-manage)."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop what was started for the measurement."""

    # --- shared -----------------------------------------------------------------------
    def probe(self, mode: str, **args) -> dict:
        out = self.run(
            ["python3", "-", json.dumps({"mode": mode, **args})],
            stdin=PROBE.read_text(encoding="utf-8"),
        )
        return json.loads(out)

    def sql_json(self, sql: str):
        """One JSON value from a query that selects it (e.g. ``json_build_object``)."""
        out = self.run(self.psql_argv(sql)).strip()
        if not out:
            raise TargetError(f"no answer to: {sql[:80]}")
        return json.loads(out.splitlines()[-1])

    def sql(self, sql: str) -> None:
        self.run(self.psql_argv(sql))

    def manage_json(self, *arguments: str):
        """The JSON line a management command of the application prints (its contract
        with the calibration: calibration_facts, calibration_accounts)."""
        out = self.run(self.manage_argv(*arguments)).strip()
        if not out:
            raise TargetError(f"no answer from manage.py {' '.join(arguments)}")
        return json.loads(out.splitlines()[-1])


def _run(argv, stdin, timeout, env=None, cwd=None) -> str:
    try:
        proc = subprocess.run(
            argv,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=cwd,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise TargetError(f"{shlex.join(argv)[:200]}: no answer in {timeout:.0f} s") from exc
    if proc.returncode != 0:
        raise TargetError(
            f"{shlex.join(argv)[:300]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}"
        )
    return proc.stdout


# --- a host of an inventory -------------------------------------------------------------
@dataclass
class SshTarget(Target):
    runner: SshRunner | None = None  # the host's SSH connection, with the inventory's settings
    address: str = ""
    db_unit: str = "postgresql@15-main.service"
    app_unit: str = "regbank-app.service"
    web_unit: str = "nginx.service"

    @classmethod
    def from_inventory(cls, inventory: Path, host: str, **overrides) -> SshTarget:
        rendered = render_host(inventory, host, ("regbank_public_name",))
        target = cls(
            name=host,
            runner=SshRunner(rendered),
            address=rendered.address,
            host_header=rendered.variables.get("regbank_public_name") or None,
            **overrides,
        )
        if not target.base_url:
            target.base_url = f"https://{target.address}"
        target.groups = {
            "app": {"unit": target.app_unit},
            "db": {"unit": target.db_unit},
            "web": {"unit": target.web_unit},
        }
        target.app_journal_unit = target.app_unit
        return target

    def run(self, argv, stdin=None, timeout=600, user="root"):
        try:
            return self.runner.run(argv, stdin=stdin, timeout=timeout, become_user=user).stdout
        except RemoteError as exc:
            raise TargetError(str(exc)) from exc

    def psql_argv(self, sql):
        return ["runuser", "-u", "postgres", "--", "psql", "-XAtq", "-v", "ON_ERROR_STOP=1"] + [
            "-d",
            DATABASE,
            "-c",
            sql,
        ]

    def manage_argv(self, *arguments):
        return ["regbank-manage", *arguments]

    def fetch_ca(self, dest: Path, path: str = "/etc/regbank/pki/ca.crt") -> Path:
        dest.write_text(self.run(["cat", path]), encoding="utf-8")
        return dest

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()


# --- the app started on this machine -----------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalApp(Target):
    workers: int = 3
    activity_scale: float = 0.02
    work_dir: Path | None = None
    _cluster: object = None
    _gunicorn: subprocess.Popen | None = None
    _env: dict = field(default_factory=dict)

    def start(self, say=print) -> LocalApp:
        self.work_dir = Path(tempfile.mkdtemp(prefix="regbank-calibrate-app-"))
        say("local app: starting a throwaway PostgreSQL 15 cluster")
        self._cluster = TempCluster(port=free_port_hint(), server_settings=LOCAL_SERVER_SETTINGS)
        try:
            self._cluster.start()
            self._cluster.psql("CREATE ROLE regbank LOGIN CREATEDB")
            self._cluster.psql(f"CREATE DATABASE {DATABASE} OWNER regbank")
            self._cluster.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", DATABASE)
        except ClusterError as exc:
            raise TargetError(f"local PostgreSQL: {exc}") from exc
        port = _free_port()
        self._env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("REGBANK_")},
            "DJANGO_SETTINGS_MODULE": "regbank_app.settings",
            "REGBANK_SECRET_KEY": "calibrate-local-" + os.urandom(8).hex(),
            "REGBANK_DATABASE_URL": (
                f"postgresql://regbank@/{DATABASE}?host={self._cluster.socket_dir}"
                f"&port={self._cluster.port}"
            ),
            "REGBANK_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "REGBANK_SECURE_COOKIES": "false",
            "REGBANK_SITE_ROLE": "regional",
            "REGBANK_BIND": f"127.0.0.1:{port}",
            "REGBANK_WORKERS": str(self.workers),
            "REGBANK_STATIC_ROOT": str(self.work_dir / "static"),
            "MPLCONFIGDIR": str(self.work_dir / "mpl"),
        }
        say("local app: migrate, sample region, sample activity")
        manage = [sys.executable, "manage.py"]
        self.run([*manage, "migrate", "--noinput"])
        # One regional database, as a centralized region: every МО's rows are loaded here.
        self.run([*manage, "load_sample_region"])
        self.run([*manage, "load_sample_activity", "--scale", str(self.activity_scale)])
        self.logs = {
            "db": str(self._cluster.base_dir / "server.log"),
            "app": str(self.work_dir / "app.log"),
        }
        app_log = open(self.logs["app"], "ab")  # noqa: SIM115 - gunicorn's stderr, until stop
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self._gunicorn = subprocess.Popen(
            [gunicorn, "-c", "gunicorn.conf.py", "regbank_app.wsgi:application"],
            cwd=APP_DIR,
            env=self._env,
            stdout=app_log,
            stderr=app_log,
        )
        app_log.close()
        self.base_url = f"http://127.0.0.1:{port}"
        self._wait_healthy()
        postmaster = int((self._cluster.data_dir / "postmaster.pid").read_text().split()[0])
        self.groups = {"app": {"pid": self._gunicorn.pid}, "db": {"pid": postmaster}}
        self.name = "local"
        say(f"local app: gunicorn ({self.workers} workers) at {self.base_url}")
        return self

    def _wait_healthy(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._gunicorn.poll() is not None:
                raise TargetError(f"gunicorn exited; see {self.logs['app']}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/health/", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise TargetError(f"the app did not answer /health/ in {timeout:.0f} s")

    def run(self, argv, stdin=None, timeout=600, user="root"):
        if argv[:1] == ["python3"]:
            argv = [sys.executable, *argv[1:]]
        return _run(argv, stdin, timeout, env=self._env or None, cwd=APP_DIR)

    def psql_argv(self, sql):
        cluster = self._cluster
        return [
            str(Path(cluster.bin_dir) / "psql"),
            "-XAtq",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            cluster.socket_dir,
            "-p",
            str(cluster.port),
            "-U",
            "postgres",
            "-d",
            DATABASE,
            "-c",
            sql,
        ]

    def manage_argv(self, *arguments):
        return [sys.executable, "manage.py", *arguments]

    def close(self) -> None:
        if self._gunicorn and self._gunicorn.poll() is None:
            self._gunicorn.terminate()
            try:
                self._gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._gunicorn.kill()
        if self._cluster is not None:
            self._cluster.stop()
            self._cluster = None
        if self.work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)
            self.work_dir = None
