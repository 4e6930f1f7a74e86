"""`regbank secrets init`: the region's vault of generated secrets and its CA certificate."""

from __future__ import annotations

import argparse
from pathlib import Path

from regbank import secrets
from regbank.inventory import load_inventory
from regbank_foundation.paths import KIT_ROOT

DEFAULT_INVENTORY = KIT_ROOT / "inventory" / "lab"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("secrets", help="the region's vault-encrypted secrets")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="create the vault or add the secrets it lacks (never replaces one)",
        description=(
            "Generate every vault_* secret the kit needs that INVENTORY/group_vars/all/"
            "vault.yml lacks, keeping the others, and write the CA certificate "
            "INVENTORY/pki/ca.crt if missing. See docs/secrets.md."
        ),
    )
    init.add_argument(
        "-i",
        "--inventory",
        type=Path,
        default=DEFAULT_INVENTORY,
        metavar="PATH",
        help="inventory directory (default: the lab, %(default)s)",
    )
    init.add_argument(
        "--vault-password-file",
        type=Path,
        metavar="FILE",
        help=f"the vault password (default: ${secrets.PASSWORD_ENV})",
    )
    init.set_defaults(func=run_init)
    names = actions.add_parser("list", help="the secrets the kit needs, with what each is for")
    names.set_defaults(func=run_list)


def run_init(args: argparse.Namespace) -> int:
    password = secrets.read_password(secrets.password_file(args.vault_password_file))
    organisation = "regbank"
    if (args.inventory / "hosts.yml").exists():
        name = load_inventory(args.inventory).region_vars.get("regbank_region_name")
        if isinstance(name, str) and name:
            organisation = name
    secrets.ensure_secrets(args.inventory, password, organisation)
    return 0


def run_list(args: argparse.Namespace) -> int:
    for secret in secrets.SECRETS:
        print(f"{secret.name:<40} {secret.description}")
    return 0
