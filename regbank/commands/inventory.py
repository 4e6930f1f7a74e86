"""`regbank inventory validate`: check a region inventory against the schema."""

from __future__ import annotations

import argparse
from pathlib import Path

from regbank.inventory import load_inventory, validate_inventory
from regbank_foundation.paths import KIT_ROOT

DEFAULT_INVENTORY = KIT_ROOT / "inventory" / "lab"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("inventory", help="work with a region inventory")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    validate = actions.add_parser(
        "validate",
        help="check an inventory against the region schema",
        description="Check a region inventory; print one line per problem (exit 2) or a summary.",
    )
    validate.add_argument(
        "-i",
        "--inventory",
        type=Path,
        default=DEFAULT_INVENTORY,
        metavar="PATH",
        help="inventory directory or its hosts.yml (default: the lab, %(default)s)",
    )
    validate.set_defaults(func=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    problems = validate_inventory(args.inventory)
    if problems:
        for problem in problems:
            print(problem)
        print(f"{args.inventory}: invalid — {len(problems)} problem(s)")
        return 2
    hosts = load_inventory(args.inventory).hosts
    print(f"{args.inventory}: valid — {len(hosts)} hosts ({', '.join(hosts)})")
    return 0
