"""`regbank lab`: the sample region in local systemd containers."""

import argparse
from pathlib import Path

from regbank import lab, lab_egress
from regbank.lab_image import IMAGE, build_image
from regbank_foundation.paths import KIT_ROOT

DEFAULT_INVENTORY = KIT_ROOT / "inventory" / "lab"


def register(subparsers) -> None:
    parser = subparsers.add_parser("lab", help="bring the local lab up, down, or look at it")
    parser.add_argument(
        "-i",
        "--inventory",
        type=Path,
        default=DEFAULT_INVENTORY,
        help="lab inventory (default: inventory/lab)",
    )
    # -i is also accepted after the action (`regbank lab up -i inventory/lab-b`).
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument("-i", "--inventory", type=Path, default=argparse.SUPPRESS)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    up = actions.add_parser(
        "up", parents=[after], help="build the image if needed and start every host"
    )
    up.add_argument(
        "--recreate",
        metavar="HOST",
        action="append",
        default=[],
        help="replace HOST's container with a fresh one (e.g. drill-srv); repeatable",
    )
    up.add_argument(
        "--workstations",
        metavar="N",
        type=int,
        help=f"N more workstations (1-{lab.MAX_EXTRA_WORKSTATIONS}): the lab's inventory with "
        "them is written to <inventory>-wsN/; deploy with -i that folder",
    )
    actions.add_parser(
        "bundle",
        parents=[after],
        help="build what the lab deploys: its offline bundle (regbank_offline_bundle, the "
        "application inside), or for an online lab the application bundle; needs `lab up`",
    )
    down = actions.add_parser(
        "down", parents=[after], help="remove every container, network and key made"
    )
    down.add_argument("--purge", action="store_true", help="also the built images")
    actions.add_parser("status", parents=[after], help="state of each host and how to reach it")
    ssh = actions.add_parser(
        "ssh", parents=[after], help="open a shell (or run COMMAND) on a lab host"
    )
    ssh.add_argument("host")
    ssh.add_argument("command", nargs="*")
    image = actions.add_parser(
        "image", parents=[after], help="build the base image only (role tests use it)"
    )
    image.add_argument("--force", action="store_true", help="rebuild even if current")
    parser.set_defaults(func=run)


def run(args) -> int:
    if args.action == "up":
        inventory = args.inventory
        if args.workstations is not None:
            inventory = lab.with_workstations(args.inventory, args.workstations)
        lab.up(inventory, recreate=tuple(args.recreate))
        print_status(inventory)
        if inventory != args.inventory:
            print(f"inventory with the extra workstations: {inventory}\n"
                  f"deploy: ansible-playbook -i {inventory} playbooks/site.yml")  # fmt: skip
    elif args.action == "bundle":
        folder = lab.build_bundle(args.inventory)
        print(f"the lab deploys from {folder}" if folder else "application bundle built in build/")
    elif args.action == "down":
        lab.down(args.inventory, purge=args.purge)
    elif args.action == "status":
        code = print_status(args.inventory)
        if code == 0:  # how to reach the bank, once it is there to reach
            print("\n" + "\n".join(lab.welcome(args.inventory)))
        return code
    elif args.action == "ssh":
        host = lab.running_host(args.inventory, args.host)
        with lab.ssh_runner(host) as runner:
            if not args.command:
                return runner.shell()
            # Words joined as ssh joins them: the remote shell splits them again.
            return runner.run(" ".join(args.command), check=False, echo=True).returncode
    elif args.action == "image":
        build_image(lab.docker_client(), lab.STATE_DIR / "image-build.log", force=args.force)
        print(f"image {IMAGE} is ready")
    return 0


def print_egress(inventory: Path) -> None:
    """An offline region's lab: how many packets its hosts tried to send out."""
    setup = lab.load_lab(inventory)
    if not setup.egress_cut:
        return
    dropped = lab_egress.dropped(setup.network)
    if dropped is None:
        print(f"\negress of {setup.network}: NOT cut (run `regbank lab up`)")
    else:
        print(
            f"\negress of {setup.network} cut (no default bridge, firewall drop): "
            f"{dropped.packets} packets ({dropped.bytes} bytes) dropped on the way out"
        )


def print_status(inventory: Path) -> int:
    states = lab.status(inventory)
    print(f"{'HOST':<12} {'ADDRESS':<15} {'CONTAINER':<10} {'SYSTEMD':<10} SSH")
    for state in states:
        reach = "ok" if state.ssh else "no"
        print(
            f"{state.host.name:<12} {state.host.address:<15} {state.container:<10} "
            f"{state.system:<10} {reach}"
        )
    print_egress(inventory)
    if all(s.ssh for s in states):
        network = states[0].host.network if states else ""
        key, known = lab.key_file(network), lab.known_hosts_file(network)
        print("\nReach a host with `regbank lab ssh HOST` (e.g. regbank lab ssh region-srv),")
        print(f"or: ssh -i {key} -o UserKnownHostsFile={known} USER@ADDRESS")
        return 0
    return 1
