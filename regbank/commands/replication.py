"""`regbank replication status`: is logical replication healthy between the regional
server and every municipal server."""

import argparse
from pathlib import Path

from regbank_foundation.errors import RegbankError
from regbank_foundation.paths import KIT_ROOT

DEFAULT_INVENTORY = KIT_ROOT / "inventory" / "lab"


def register(subparsers: argparse._SubParsersAction) -> None:
    from security_profiles.checks.replication import (
        DEFAULT_MAX_LAG_BYTES,
        DEFAULT_MAX_LAG_SECONDS,
    )

    parser = subparsers.add_parser("replication", help="logical replication between servers")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    status = actions.add_parser(
        "status",
        help="one row per municipal server: subscriptions, slots, lag, errors",
        description="Reads each server's subscriptions and slots with read-only SQL through "
        "Ansible (as postgres). Exits 1 and prints one line per problem when replication "
        "is unhealthy.",
    )
    status.add_argument("-i", "--inventory", type=Path, default=DEFAULT_INVENTORY,
                        help="region inventory (default: inventory/lab)")  # fmt: skip
    status.add_argument("--max-lag-seconds", type=float, default=DEFAULT_MAX_LAG_SECONDS,
                        help="lag that counts as a problem (default: %(default)s)")  # fmt: skip
    status.add_argument("--max-lag-mb", type=int, default=DEFAULT_MAX_LAG_BYTES // 2**20,
                        help="WAL not yet confirmed by a subscriber that counts as a problem "
                        "(default: %(default)s)")  # fmt: skip
    status.set_defaults(func=run_status)


def run_status(args: argparse.Namespace) -> int:
    from regbank.replication_status import build_rows, problems, read_states, table
    from regbank_foundation.inventory_hosts import render_hosts

    if not args.inventory.exists():
        raise RegbankError(f"{args.inventory}: inventory not found")
    targets = render_hosts(args.inventory, "all", ("mo",))
    regional = [t.name for t in targets if "regional" in t.groups]
    municipal = {t.name: str(t.variables.get("mo", "")) for t in targets if "municipal" in t.groups}
    if not municipal:
        print(f"{args.inventory}: муниципальных серверов нет, реплицировать нечего")
        return 0
    if len(regional) != 1:
        raise RegbankError(f"{args.inventory}: the regional group must hold one server, "
                           f"it holds {len(regional)}")  # fmt: skip
    if missing := sorted(host for host, mo in municipal.items() if not mo):
        raise RegbankError(
            f"{args.inventory}: municipal servers without `mo`: {', '.join(missing)}"
        )
    states, errors = read_states(args.inventory, [*regional, *sorted(municipal)])
    rows = build_rows(regional[0], municipal, states)
    for line in table(rows) if rows else []:
        print(line)
    found = [f"{host}: нет ответа: {error}" for host, error in sorted(errors.items())]
    found += problems(rows, args.max_lag_mb * 2**20, args.max_lag_seconds)
    for problem in found:
        print(problem)
    if found:
        print(f"репликация неисправна: проблем {len(found)}")
        return 1
    print(f"репликация в порядке: муниципальных серверов {len(rows)}")
    return 0
