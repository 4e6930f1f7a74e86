"""What `regbank calibrate` reads on the measured server: one JSON document on stdout.

Runs on the server itself (as root, sent over SSH as `python3 - ARGS_JSON`) or on
this machine for a locally started application. Standard library only: the server
has Debian's python3 and nothing else of ours.

Modes (the JSON argument's "mode"):

* ``snapshot``: wall time; CPU seconds of each process group (a tree rooted at a
  systemd unit's main process or at a given PID: user + system time of the live
  processes plus the time of their reaped children); the server's own CPU seconds
  (the cgroup of PID 1, so a container counts itself, not its host; else /proc/stat);
  memory of the group's processes; sizes of log files.
* ``machine``: CPU model, cores, RAM, kernel.
* ``compress``: bytes and gzip-compressed bytes of files (from an offset, up to a cap).
* ``journal``: bytes of a unit's journal messages between two times.
"""

import json
import os
import subprocess
import sys
import time
import zlib

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _read(path):
    with open(path) as handle:
        return handle.read()


def _stat(pid):
    """(ppid, cpu seconds of the process and its reaped children)."""
    raw = _read(f"/proc/{pid}/stat")
    fields = raw[raw.rindex(")") + 2 :].split()
    # fields[0] is state (field 3); utime, stime, cutime, cstime are fields 14-17
    ppid = int(fields[1])
    ticks = sum(int(value) for value in fields[11:15])
    return ppid, ticks / CLOCK_TICKS


def _status(pid):
    out = {}
    for line in _read(f"/proc/{pid}/status").splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon"):
            out[key] = int(value.split()[0])
    return out


def _processes():
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            ppid, cpu = _stat(name)
            cmdline = _read(f"/proc/{name}/cmdline").replace("\0", " ").strip()
            memory = _status(name)
        except (OSError, ValueError):
            continue  # gone meanwhile
        table[int(name)] = {"ppid": ppid, "cpu_s": cpu, "cmdline": cmdline, **memory}
    return table


def _main_pid(unit):
    proc = subprocess.run(
        ["systemctl", "show", "--property=MainPID", "--value", unit],
        capture_output=True,
        text=True,
        check=False,
    )
    value = proc.stdout.strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def _tree(table, root):
    members = [root]
    children = {}
    for pid, info in table.items():
        children.setdefault(info["ppid"], []).append(pid)
    index = 0
    while index < len(members):
        members.extend(children.get(members[index], []))
        index += 1
    return members


def _cgroup_cpu_seconds():
    """CPU seconds of PID 1's cgroup (the whole container or machine) and where from."""
    try:
        lines = _read("/proc/1/cgroup").splitlines()
    except OSError:
        lines = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        path = path.rstrip("/")
        if path.endswith("/init.scope"):
            path = path[: -len("/init.scope")]
        if "cpuacct" in controllers.split(","):
            for mount in ("/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpuacct"):
                usage = f"{mount}{path}/cpuacct.usage"
                if os.path.exists(usage):
                    return int(_read(usage)) / 1e9, usage
        if controllers == "":
            stat = f"/sys/fs/cgroup{path}/cpu.stat"
            if os.path.exists(stat):
                for item in _read(stat).splitlines():
                    key, value = item.split()
                    if key == "usage_usec":
                        return int(value) / 1e6, stat
    first = _read("/proc/stat").splitlines()[0].split()[1:]
    values = [int(v) for v in first]
    busy = sum(values) - values[3] - (values[4] if len(values) > 4 else 0)  # minus idle, iowait
    return busy / CLOCK_TICKS, "/proc/stat"


def snapshot(args):
    table = _processes()
    groups = {}
    for name, spec in args.get("groups", {}).items():
        root = spec.get("pid") or (_main_pid(spec["unit"]) if spec.get("unit") else None)
        if not root or root not in table:
            groups[name] = None
            continue
        members = _tree(table, root)
        groups[name] = {
            "root": root,
            "cpu_s": sum(table[pid]["cpu_s"] for pid in members if pid in table),
            "processes": [
                {
                    "pid": pid,
                    "ppid": table[pid]["ppid"],
                    "cmdline": table[pid]["cmdline"][:200],
                    "rss_kib": table[pid].get("VmRSS", 0),
                    "rss_anon_kib": table[pid].get("RssAnon", 0),
                }
                for pid in members
                if pid in table
            ],
        }
    server_cpu, server_source = _cgroup_cpu_seconds()
    logs = {}
    for path in args.get("logs", []):
        try:
            logs[path] = os.stat(path).st_size
        except OSError:
            logs[path] = None
    return {
        "time": time.time(),
        "groups": groups,
        "server_cpu_s": server_cpu,
        "server_cpu_source": server_source,
        "logs": logs,
    }


def _cores():
    cores = os.cpu_count() or 1
    try:  # a CPU quota (cgroup v1) caps what a container may use
        quota = int(_read("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us"))
        period = int(_read("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us"))
        if quota > 0:
            cores = min(cores, quota / period)
    except (OSError, ValueError):
        pass
    return cores


def machine(args):
    model = ""
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = int(_read("/proc/meminfo").split()[1])
    return {
        "hostname": os.uname().nodename,
        "cpu_model": model or os.uname().machine,
        "cores": _cores(),
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": os.uname().release,
        "virtualization": _virtualization(),
    }


def _virtualization():
    proc = (
        subprocess.run(["systemd-detect-virt"], capture_output=True, text=True, check=False)
        if os.path.exists("/usr/bin/systemd-detect-virt")
        else None
    )
    return proc.stdout.strip() if proc and proc.stdout.strip() else "unknown"


def compress(args):
    """Raw and gzip (level 6, as logrotate and pgBackRest's default) bytes of files."""
    cap = int(args.get("cap_bytes", 256 * 1024 * 1024))
    raw = packed = 0
    for item in args["files"]:
        path, offset = item["path"], int(item.get("offset", 0))
        length = item.get("length")
        limit = cap if length is None else min(cap, raw + int(length))
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError:
            continue
        with handle:
            handle.seek(offset)
            compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # gzip container
            while raw < limit:
                chunk = handle.read(min(1 << 20, limit - raw))
                if not chunk:
                    break
                raw += len(chunk)
                packed += len(compressor.compress(chunk))
            packed += len(compressor.flush())
    return {"raw_bytes": raw, "gzip_bytes": packed}


def files_under(args):
    """Regular files under folders (a database's folder, pg_wal) with their sizes."""
    found = []
    for folder in args["folders"]:
        for dirpath, _, names in os.walk(folder):
            for name in names:
                path = os.path.join(dirpath, name)
                try:
                    found.append({"path": path, "size": os.stat(path).st_size})
                except OSError:
                    continue
    return {"files": found}


def journal(args):
    proc = subprocess.run(
        [
            "journalctl",
            "--unit",
            args["unit"],
            "--output",
            "cat",
            "--since",
            f"@{args['since']:.3f}",
            "--until",
            f"@{args['until']:.3f}",
        ],
        capture_output=True,
        check=False,
    )
    return {"bytes": len(proc.stdout), "lines": proc.stdout.count(b"\n")}


MODES = {
    "snapshot": snapshot,
    "machine": machine,
    "compress": compress,
    "files_under": files_under,
    "journal": journal,
}


def main():
    args = json.loads(sys.argv[1])
    json.dump(MODES[args["mode"]](args), sys.stdout)


if __name__ == "__main__":
    main()
