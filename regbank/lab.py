"""The lab: one systemd container per inventory host on a lab network.

The lab is the embedded default region: the same SSH path as a real site, so a
change that would lock an operator out fails here first. Everything it makes
carries the label ``org.regbank.lab=<network name>``; `down` removes exactly
what has that label, plus the key it generated.
"""

import ipaddress
import os
import shlex
import shutil
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import docker
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from regbank import lab_egress
from regbank.app_bundle import build_bundle as build_app_bundle
from regbank.inventory import Inventory, load_valid_inventory
from regbank.lab_image import IMAGE, build_image, current_image, remove_images
from regbank.offline import bundle as offline_bundle
from regbank.secrets import ensure_lab_secrets, read_password
from regbank_foundation.errors import RegbankError
from regbank_foundation.inventory_hosts import Target
from regbank_foundation.paths import KIT_ROOT
from regbank_foundation.ssh import SshRunner

LABEL = "org.regbank.lab"
STATE_DIR = KIT_ROOT / ".lab"


def ssh_dir(network: str) -> Path:
    """Each lab (one per network name) keeps its own key and known hosts."""
    return STATE_DIR / network / "ssh"


def key_file(network: str) -> Path:
    return ssh_dir(network) / "id_ed25519"


def known_hosts_file(network: str) -> Path:
    return ssh_dir(network) / "known_hosts"


BOOT_TIMEOUT = 120


@dataclass(frozen=True)
class LabHost:
    name: str
    address: str
    admin: str
    network: str

    @property
    def container(self) -> str:
        # Named after the lab's network, so two labs (two inventories) can coexist.
        return f"{self.network}-{self.name}"


@dataclass(frozen=True)
class Lab:
    network: str
    subnet: str
    hosts: list[LabHost]
    # An offline region's lab is a closed segment (regbank.lab_egress): no default
    # bridge, and whatever tries to leave the lab network is dropped and counted.
    egress_cut: bool = False


def lab_from_inventory(inventory: Inventory) -> Lab:
    settings = inventory.region_vars.get("regbank_lab")
    where = f"{inventory.path}/group_vars/all/main.yml: regbank_lab"
    if not isinstance(settings, dict) or not {"network", "subnet"} <= settings.keys():
        raise RegbankError(f"{where}: expected a mapping with 'network' and 'subnet'")
    try:
        subnet = ipaddress.ip_network(settings["subnet"])
    except ValueError as error:
        raise RegbankError(
            f"{where}.subnet: expected a network such as 10.89.0.0/24 ({error})"
        ) from error
    hosts = []
    for host in inventory.hosts.values():
        address = str(host.vars.get("ansible_host", ""))
        try:
            inside = ipaddress.ip_address(address) in subnet
        except ValueError:
            inside = False
        if not inside:
            raise RegbankError(
                f"{inventory.path}/host_vars/{host.name}.yml: ansible_host: "
                f"a lab host needs an IP address inside {subnet}, found {address!r}"
            )
        admin = str(host.vars.get("ansible_user", "root"))
        hosts.append(LabHost(host.name, address, admin, settings["network"]))
    offline = inventory.region_vars.get("regbank_package_source") == "offline"
    return Lab(settings["network"], str(subnet), hosts, egress_cut=offline)


def load_lab(inventory_path: Path) -> Lab:
    # `make lab` builds an offline lab's bundle once the lab is up (it needs the vault).
    return lab_from_inventory(load_valid_inventory(inventory_path, bundle_built=False))


# The machine's package proxy (make host), which the offline bundle downloads through.
HOST_APT_PROXY = "http://127.0.0.1:3142"


def bundle_folder(inventory_path: Path) -> Path | None:
    """An offline lab's bundle folder: its regbank_offline_bundle, read from the
    inventory's folder as the playbooks read it; None for an online lab."""
    return _bundle_folder(load_valid_inventory(inventory_path, bundle_built=False))


def _bundle_folder(inventory: Inventory) -> Path | None:
    if not lab_from_inventory(inventory).egress_cut:  # an online region
        return None
    return (inventory.path / inventory.region_vars["regbank_offline_bundle"]).resolve()


def build_bundle(inventory_path: Path, log=print) -> Path | None:
    """What `make lab` does between `lab up` and site.yml: the offline lab's bundle (with
    the application inside) built afresh, signed with the lab vault's region key; an
    online lab gets the application bundle alone (build/)."""
    inventory = load_valid_inventory(inventory_path, bundle_built=False)
    folder = _bundle_folder(inventory)
    if folder is None:
        build_app_bundle()
        return None
    password = read_password(STATE_DIR / lab_from_inventory(inventory).network / "vault-password")
    offline_bundle.build(
        folder, Path(inventory_path), password, proxy=HOST_APT_PROXY, replace=True, log=log
    )
    return folder


# `regbank lab up --workstations N`: the lab with N more workstations (a region has
# hundreds). They are listed in an inventory of their own beside the lab's,
# <inventory>-wsN/ (not in git): a copy of the lab's inventory (same network, key and
# secrets, so the same lab) with the extra hosts, which the region validator checks
# like any inventory and site.yml deploys with `-i`.
EXTRA_FIRST_OFFSET = 100  # the extra workstations' addresses: <subnet>.100 and up
MAX_EXTRA_WORKSTATIONS = 100


def extra_workstations(inventory: Inventory, lab: Lab, count: int) -> dict[str, dict]:
    """N workstations named ws-extra-NN, spread over the region's МО, at free addresses
    of the lab's subnet from .100; refused with the reason when they do not fit."""
    where = f"--workstations {count}"
    if not 1 <= count <= MAX_EXTRA_WORKSTATIONS:
        raise RegbankError(f"{where}: expected a number from 1 to {MAX_EXTRA_WORKSTATIONS}")
    subnet = ipaddress.ip_network(lab.subnet)
    taken = {host.address for host in lab.hosts} | {str(next(subnet.hosts()))}  # the gateway
    free = [str(address) for address in subnet.hosts()
            if int(address) - int(subnet.network_address) >= EXTRA_FIRST_OFFSET
            and str(address) not in taken]  # fmt: skip
    if len(free) < count:
        raise RegbankError(
            f"{where}: {inventory.path} has only {len(free)} free addresses in {subnet} "
            f"from .{EXTRA_FIRST_OFFSET} up"
        )
    codes = [mo["code"] for mo in inventory.region_vars.get("regbank_mo") or []]
    if not codes:
        raise RegbankError(f"{inventory.path}/group_vars/all/main.yml: regbank_mo lists no МО")
    names = [f"ws-extra-{number:02d}" for number in range(1, count + 1)]
    clash = sorted(set(names) & set(inventory.hosts))
    if clash:
        raise RegbankError(f"{where}: {inventory.path} already has hosts named {clash}")
    hosts = {name: {"mo": codes[index % len(codes)], "ansible_host": free[index]}
             for index, name in enumerate(names)}  # fmt: skip
    tunnel = inventory.region_vars.get("regbank_vpn_network")
    if tunnel:  # each in the tunnel at its host address's offset: 10.89.0.105 → 10.77.0.105
        tunnel = ipaddress.ip_network(tunnel)
        for host_vars in hosts.values():
            address = ipaddress.ip_address(host_vars["ansible_host"])
            offset = int(address) - int(subnet.network_address)
            if offset >= tunnel.num_addresses - 1:
                raise RegbankError(
                    f"{where}: regbank_vpn_network {tunnel} of {inventory.path} has no address "
                    f"at offset {offset} for {host_vars['ansible_host']}"
                )
            host_vars["vpn_address"] = str(tunnel.network_address + offset)
    return hosts


def with_workstations(inventory_path: Path, count: int) -> Path:
    """Write <inventory>-wsN/: the lab's inventory plus N workstations; its path."""
    source = Path(inventory_path)
    inventory = load_valid_inventory(source, bundle_built=False)
    hosts = extra_workstations(inventory, lab_from_inventory(inventory), count)
    listed = yaml.safe_load((source / "hosts.yml").read_text(encoding="utf-8"))
    group = listed["all"]["children"].setdefault("workstations", {})
    group["hosts"] = {**(group.get("hosts") or {}), **dict.fromkeys(hosts)}
    files = {"hosts.yml": (f"{source.name}/hosts.yml with {count} extra workstations "
                           f"(`regbank lab up --workstations {count}`; a copy, not in git).",
                           listed)}  # fmt: skip
    files |= {f"host_vars/{name}.yml": ("", host_vars) for name, host_vars in hosts.items()}
    return _inventory_copy(source, f"ws{count}", files)


# The Debian mirror the controller uses, through the machine's package proxy (make host)
# at the Docker bridge's gateway: how an online lab installs, each package downloaded once.
ONLINE_PACKAGES = {
    "regbank_package_source": "online",
    "baseline_apt_repositories": "{{ lookup('regbank_debian_mirror', wantlist=True) }}",
    "baseline_apt_proxy": "http://{{ ansible_facts.default_ipv4.gateway }}:3142",
}


def online_copy(inventory_path: Path) -> Path:
    """Write <inventory>-online/: the offline lab's inventory with its packages from the
    Debian mirror instead of the bundle (the bench's online deploy beside the offline one)."""
    source = Path(inventory_path)
    main = yaml.safe_load((source / "group_vars/all/main.yml").read_text(encoding="utf-8"))
    for offline_only in ("regbank_offline_bundle", "baseline_apt_trusted_keys"):
        main.pop(offline_only, None)
    files = {"group_vars/all/main.yml": (
        f"{source.name}/group_vars/all/main.yml with packages from the Debian mirror, not the "
        "offline bundle (`make bench-deploy BENCH_ARGS=--online`; a copy, not in git).",
        main | ONLINE_PACKAGES)}  # fmt: skip
    return _inventory_copy(source, "online", files)


def _inventory_copy(source: Path, suffix: str, files: dict[str, tuple[str, dict]]) -> Path:
    """<source>-<suffix>/: a copy of the lab's inventory (same network, key and secrets,
    so the same lab) with the given files written over it (a header comment and the YAML),
    which the region validator checks like any inventory; its path."""
    target = source.with_name(f"{source.name}-{suffix}")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".*"))
    for name, (header, document) in files.items():
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        (target / name).write_text(f"# {header}\n{text}" if header else text, encoding="utf-8")
    load_valid_inventory(target, bundle_built=False)  # the copy passes, or says why
    return target


def docker_client() -> docker.DockerClient:
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as error:
        raise RegbankError(
            f"Docker engine not reachable ({error}); `make lab` installs and starts it"
        ) from error
    return client


# --- the SSH key --------------------------------------------------------------


def ensure_key(network: str) -> str:
    """Generate the lab's admin key once; return the public key line."""
    key_path = key_file(network)
    key_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not key_path.exists():
        key = Ed25519PrivateKey.generate()
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        # Written to a temporary name first: a half-written key is never used.
        partial = key_path.with_suffix(".partial")
        partial.write_bytes(private)
        partial.chmod(stat.S_IRUSR | stat.S_IWUSR)
        key_path.with_suffix(".pub").write_bytes(public + f" {network}\n".encode())
        partial.rename(key_path)
    return key_path.with_suffix(".pub").read_text().strip()


# --- network and containers ----------------------------------------------------


def _labels(lab: Lab, **extra: str) -> dict[str, str]:
    return {LABEL: lab.network, **extra}


def ensure_network(client: docker.DockerClient, lab: Lab):
    # Docker matches names by prefix: regbank-lab would find regbank-lab-b too.
    found = [net for net in client.networks.list(names=[lab.network]) if net.name == lab.network]
    if found:
        network = found[0]
        if network.attrs.get("Labels", {}).get(LABEL) != lab.network:
            raise RegbankError(
                f"a Docker network named {lab.network!r} exists but the lab did not make it; "
                "rename regbank_lab.network in the inventory"
            )
        return network
    ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=lab.subnet)])
    # Internal: host-to-host traffic of the region has no route off the machine.
    return client.networks.create(
        lab.network, driver="bridge", internal=True, ipam=ipam, labels=_labels(lab)
    )


def _container_spec(lab: Lab, host: LabHost) -> dict:
    spec = {
        "image": IMAGE,
        "name": host.container,
        "hostname": host.name,
        "command": "/lib/systemd/systemd",
        "stop_signal": "SIGRTMIN+3",
        "detach": True,
        "labels": _labels(lab, **{f"{LABEL}.host": host.name}),
        # systemd as PID 1 without --privileged (see docs/lab.md).
        "cap_add": ["SYS_ADMIN", "NET_ADMIN"],
        "security_opt": ["seccomp=unconfined", "apparmor=unconfined"],
        "tmpfs": {"/run": "", "/run/lock": ""},
        # PostgreSQL's parallel workers share memory through /dev/shm: Docker's 64 MiB
        # fails a parallel VACUUM of a large table, where a VM has half its RAM there.
        "shm_size": "1g",
        "volumes": {
            "/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "rw"},
        },
        # For the VPN: wireguard-go needs a tun device when the kernel lacks the module.
        "devices": ["/dev/net/tun:/dev/net/tun:rwm"],
        "network": lab.network,
        "networking_config": {
            lab.network: docker.types.EndpointConfig("1.41", ipv4_address=host.address)
        },
    }
    if Path("/sys/fs/cgroup/cgroup.controllers").exists():  # cgroup v2 host
        spec["cgroupns"] = "host"
    return spec


def _exec(container, command: list[str], what: str, environment=None) -> str:
    result = container.exec_run(command, user="root", environment=environment)
    if result.exit_code != 0:
        output = result.output.decode(errors="replace").strip()
        raise RegbankError(f"{container.name}: {what} failed: {output}")
    return result.output.decode(errors="replace")


def _wait_booted(container) -> None:
    deadline = time.monotonic() + BOOT_TIMEOUT
    while time.monotonic() < deadline:
        # A container's systemd is "degraded" when a unit it cannot run fails;
        # the lab needs it up, not perfect.
        # --wait alone never returns from a boot whose jobs are stuck (seen 04.12.2026 on
        # the 23rd container of a lab: every job "waiting"); bounded, the deadline holds.
        state = container.exec_run(
            ["timeout", "30", "systemctl", "is-system-running", "--wait"]
        ).output
        if state.decode().strip() in {"running", "degraded"}:
            return
        time.sleep(1)
    raise RegbankError(f"{container.name}: systemd did not finish booting in {BOOT_TIMEOUT} s")


# Only what is missing: on a reused, deployed host the files are baseline's, and
# rewriting them would make the next site.yml run report changes.
ADMIN_SCRIPT = """\
set -eu
id "$ADMIN" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$ADMIN"
KEYS="/home/$ADMIN/.ssh/authorized_keys"
if ! grep -qxF "$KEY" "$KEYS" 2>/dev/null; then
  install -d -m 700 -o "$ADMIN" -g "$ADMIN" "/home/$ADMIN/.ssh"
  printf '%s\\n' "$KEY" >> "$KEYS"
  chown "$ADMIN:$ADMIN" "$KEYS"
  chmod 600 "$KEYS"
fi
SUDOERS="/etc/sudoers.d/90-$ADMIN"
if [ ! -e "$SUDOERS" ]; then
  printf '%s ALL=(ALL:ALL) NOPASSWD: ALL\\n' "$ADMIN" > "$SUDOERS"
  chmod 440 "$SUDOERS"
fi
visudo -cq
systemctl start ssh
"""


def _provision_admin(container, host: LabHost, public_key: str) -> None:
    """What a site's installer does: an admin account reachable with the key."""
    environment = {"ADMIN": host.admin, "KEY": public_key}
    _exec(container, ["sh", "-c", ADMIN_SCRIPT], "admin account setup", environment)


def _host_key_line(container, host: LabHost) -> str:
    # Read over docker exec, a channel we trust, so SSH can verify strictly.
    key = _exec(container, ["cat", "/etc/ssh/ssh_host_ed25519_key.pub"], "read host key")
    key_type, key_data = key.split()[:2]
    return f"{host.address} {key_type} {key_data}"


def _wait_ssh(host: LabHost) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if ssh_runner(host).answers():
            return
        time.sleep(1)
    raise RegbankError(f"{host.name}: SSH to {host.admin}@{host.address} does not answer")


def ssh_runner(host: LabHost) -> SshRunner:
    """The kit's SSH runner to a lab host: its admin, the lab's key and the known hosts
    `up` wrote from each container (so a key never seen is refused, not accepted)."""
    known = shlex.quote(str(known_hosts_file(host.network)))
    settings = {
        "ansible_host": host.address,
        "ansible_user": host.admin,
        "ansible_ssh_private_key_file": str(key_file(host.network)),
        "ansible_ssh_common_args": f"-o UserKnownHostsFile={known} "
        "-o StrictHostKeyChecking=yes -o ConnectTimeout=5",
    }
    return SshRunner(Target(host.name, (), settings))


def up(inventory_path: Path, log=print, recreate: tuple[str, ...] = ()) -> Lab:
    """Start every host; the hosts named in `recreate` get a new, empty container."""
    lab = load_lab(inventory_path)
    unknown = sorted(set(recreate) - {host.name for host in lab.hosts})
    if unknown:
        known = ", ".join(h.name for h in lab.hosts)
        raise RegbankError(
            f"--recreate: no host {', '.join(unknown)} in {inventory_path} ({known})"
        )
    client = docker_client()
    if current_image(client) is None:
        log(f"building the base image {IMAGE} (debootstrap, about 2 minutes)")
    build_image(client, STATE_DIR / "image-build.log")
    public_key = ensure_key(lab.network)
    ensure_network(client, lab)
    if lab.egress_cut:  # before any host boots: its first packet is counted too
        lab_egress.cut(lab.network, lab.subnet)
    bridge = client.networks.get("bridge")
    known_hosts = []
    for host in lab.hosts:
        if host.name in recreate:
            _remove_container(client, lab, host, log)
        try:
            container = client.containers.get(host.container)
            if container.labels.get(LABEL) != lab.network:
                raise RegbankError(
                    f"a container named {host.container!r} exists but the lab did not make it"
                )
            if container.status != "running":
                container.start()
            log(f"{host.name}: reusing {host.container}")
        except docker.errors.NotFound:
            container = client.containers.run(**_container_spec(lab, host))
            log(f"{host.name}: created {host.container} at {host.address}")
        _default_bridge(bridge, container, wanted=not lab.egress_cut)
        _wait_booted(container)
        _provision_admin(container, host, public_key)
        known_hosts.append(_host_key_line(container, host))
    known_hosts_file(lab.network).write_text("\n".join(known_hosts) + "\n")
    for host in lab.hosts:
        _wait_ssh(host)
    ensure_lab_secrets(inventory_path, STATE_DIR / lab.network / "vault-password", log=log)
    return lab


def _default_bridge(bridge, container, wanted: bool) -> None:
    """An online lab downloads packages through Docker's default bridge (the lab network
    is internal); an offline lab's containers must not have it, even one made online."""
    container.reload()
    attached = "bridge" in container.attrs["NetworkSettings"]["Networks"]
    if wanted and not attached:
        bridge.connect(container)
    elif attached and not wanted:
        bridge.disconnect(container)


def _remove_container(client: docker.DockerClient, lab: Lab, host: LabHost, log) -> None:
    """Remove a host's container (and its data), so that it comes back as never used."""
    try:
        container = client.containers.get(host.container)
    except docker.errors.NotFound:
        return
    if container.labels.get(LABEL) != lab.network:
        raise RegbankError(
            f"a container named {host.container!r} exists but the lab did not make it"
        )
    container.remove(force=True, v=True)
    log(f"{host.name}: removed {host.container} to recreate it")


def down(inventory_path: Path, purge: bool = False, log=print) -> None:
    lab = load_lab(inventory_path)
    client = docker_client()
    for container in client.containers.list(all=True, filters={"label": f"{LABEL}={lab.network}"}):
        container.remove(force=True, v=True)
        log(f"removed container {container.name}")
    for network in client.networks.list(filters={"label": f"{LABEL}={lab.network}"}):
        network.remove()
        log(f"removed network {network.name}")
    if lab_egress.dropped(lab.network) is not None:
        lab_egress.restore(lab.network, lab.subnet)
        log(f"removed the egress rule of {lab.network}")
    if (STATE_DIR / lab.network).exists():
        shutil.rmtree(STATE_DIR / lab.network)
        log(f"removed key {key_file(lab.network)}")
    if purge:
        for image_id in remove_images(client):
            log(f"removed image {image_id}")


@dataclass(frozen=True)
class HostStatus:
    host: LabHost
    container: str  # Docker state or "absent"
    system: str  # systemd state inside, or "-"
    ssh: bool


def status(inventory_path: Path) -> list[HostStatus]:
    lab = load_lab(inventory_path)
    client = docker_client()
    result = []
    for host in lab.hosts:
        try:
            container = client.containers.get(host.container)
        except docker.errors.NotFound:
            result.append(HostStatus(host, "absent", "-", False))
            continue
        system, reachable = "-", False
        if container.status == "running":
            system = container.exec_run(["systemctl", "is-system-running"]).output.decode()
            system = system.strip()
            reachable = key_file(host.network).exists() and ssh_runner(host).answers()
        result.append(HostStatus(host, container.status, system, reachable))
    return result


def _typed(path: Path) -> str:
    """A path as the operator would type it here: relative to the current folder."""
    return os.path.relpath(path, Path.cwd())


def welcome(inventory_path: Path) -> list[str]:
    """How to reach the lab's bank from this machine: its address, its public name (by
    IP the application answers 400), the region CA to trust, the first administrator."""
    inventory = load_valid_inventory(inventory_path, bundle_built=False)
    regional = next((h for h in inventory.hosts.values() if "regional" in h.groups), None)
    name = inventory.region_vars.get("regbank_public_name")
    if regional is None or not name:
        return []
    address = regional.vars["ansible_host"]
    network = lab_from_inventory(inventory).network
    ca_file = STATE_DIR / network / "ca.pem"
    ca_vars = Path(inventory_path) / "group_vars" / "all" / "pki_ca.yml"
    if ca_vars.exists():
        ca_file.write_text(
            yaml.safe_load(ca_vars.read_text(encoding="utf-8"))["pki_ca_certificate"]
        )
    admin = regional.vars.get("registry_app_admin_username", "admin")
    vault = Path(inventory_path) / "group_vars" / "all" / "vault.yml"
    return [
        f"Банк: https://{name}/ (сервер {regional.name}, {address}).",
        f"Приложение отвечает только по имени {name}: добавьте в /etc/hosts строку",
        f"  {address} {name}",
        f"и доверьте браузеру сертификат УЦ региона {_typed(ca_file)}, или без этого:",
        f"  curl --resolve {name}:443:{address} --cacert {_typed(ca_file)} https://{name}/",
        f"Первый администратор: {admin}; пароль показывает",
        f"  {_typed(Path(sys.executable).parent / 'ansible-vault')} view"
        f" --vault-password-file {_typed(STATE_DIR / network / 'vault-password')} {_typed(vault)}",
        "  (ключ vault_registry_app_admin_password)",
    ] + [
        _municipal_welcome(host, name)
        for host in inventory.hosts.values()
        if "municipal" in host.groups
    ]


def _municipal_welcome(host, public_name: str) -> str:
    site, address = municipal_site_name(public_name, host.vars["mo"]), host.vars["ansible_host"]
    return (
        f"Муниципальный сервер {host.vars['mo']}: https://{site}/ ({host.name}, {address};"
        f" в /etc/hosts — строка {address} {site})."
    )


def municipal_site_name(public_name: str, mo: str) -> str:
    """The web name of an МО's municipal server, as playbooks/group_vars/all/site.yml
    derives regbank_site_name: `<мо>.<public name>`."""
    return f"{mo.lower()}.{public_name}"


def running_host(inventory_path: Path, name: str) -> LabHost:
    """The named lab host, once its container is known to be running."""
    lab = load_lab(inventory_path)
    host = next((h for h in lab.hosts if h.name == name), None)
    if host is None:
        known = ", ".join(h.name for h in lab.hosts)
        raise RegbankError(f"no host {name!r} in {inventory_path} (hosts: {known})")
    try:
        running = docker_client().containers.get(host.container).status == "running"
    except docker.errors.NotFound:
        running = False
    # Only then connect: with the lab down its address would route off the machine.
    if not running:
        raise RegbankError(f"{name} is not running; start the lab with `regbank lab up`")
    return host
