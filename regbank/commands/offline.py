"""`regbank offline build|verify`: the signed bundle a region installs from without a network."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from regbank import secrets
from regbank.app_bundle import DEFAULT_KEY
from regbank_foundation import signing
from regbank_foundation.paths import KIT_ROOT

DEFAULT_INVENTORY = KIT_ROOT / "inventory" / "lab"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "offline", help="build and verify the offline bundle (no network at the region)"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        help="the Debian repository, application bundle and wheelhouse, signed",
        description=(
            "Builds DIR and DIR.tar: a Debian repository of every package the roles install "
            "with its dependencies (signed with the region's OpenPGP key from the vault), "
            "the application bundle, the controller's wheelhouse, and SHA256SUMS signed "
            "with the kit's Ed25519 key. See docs/offline.md."
        ),
    )
    build.add_argument("--out", type=Path, required=True, metavar="DIR")
    build.add_argument(
        "-i",
        "--inventory",
        type=Path,
        default=DEFAULT_INVENTORY,
        metavar="PATH",
        help="the region whose repository key signs the bundle (default: the lab)",
    )
    build.add_argument(
        "--vault-password-file",
        type=Path,
        metavar="FILE",
        help=f"the vault password (default: ${secrets.PASSWORD_ENV})",
    )
    build.add_argument(
        "--key",
        type=Path,
        default=DEFAULT_KEY,
        metavar="PATH",
        help="the kit's Ed25519 private key (PEM); created with its .pub when missing",
    )
    build.add_argument(
        "--apt-proxy", metavar="URL", help="HTTP proxy apt downloads through (make host's)"
    )
    build.add_argument("--replace", action="store_true", help="replace an existing DIR")
    build.set_defaults(func=run_build)

    verify = actions.add_parser(
        "verify",
        help="check a bundle (folder or .tar): every file, the manifest's and the "
        "repository's signatures",
    )
    verify.add_argument("bundle", type=Path, metavar="DIR|DIR.tar")
    verify.add_argument(
        "--public-key",
        type=Path,
        default=signing.public_key_path(DEFAULT_KEY),
        metavar="PATH",
        help="the kit's Ed25519 public key (PEM) (default: the lab key's .pub)",
    )
    verify.add_argument(
        "--region-key",
        type=Path,
        metavar="FILE",
        help="the region's OpenPGP public key (regbank offline key): the repository must be "
        "signed with it (default: trust the key the signed bundle brings)",
    )
    verify.set_defaults(func=run_verify)

    key = actions.add_parser(
        "key",
        help="print the public part of the region's repository key (from the vault)",
        description="The OpenPGP public key apt on the region's hosts trusts, armored.",
    )
    key.add_argument(
        "-i",
        "--inventory",
        type=Path,
        default=DEFAULT_INVENTORY,
        metavar="PATH",
        help="the region (default: the lab)",
    )
    key.add_argument(
        "--vault-password-file",
        type=Path,
        metavar="FILE",
        help=f"the vault password (default: ${secrets.PASSWORD_ENV})",
    )
    key.add_argument("--out", type=Path, metavar="FILE", help="write it here (default: print)")
    key.set_defaults(func=run_key)


def run_build(args: argparse.Namespace) -> int:
    from regbank.offline.bundle import build

    password = secrets.read_password(secrets.password_file(args.vault_password_file))
    built = build(
        args.out,
        args.inventory,
        password,
        key_path=args.key,
        proxy=args.apt_proxy,
        replace=args.replace,
    )
    info = built.info
    print(f"Офлайн-комплект: {built.path} и {built.tarball} ({info['seconds']} с)")
    print(f"  пакетов Debian: {info['debs']} (ролям нужно {len(info['packages'])})")
    if "app" in info:
        print(f"  приложение {info['app']['version']}; колёс контроллера: {info.get('wheels')}")
    print(f"  подписан ключом {args.key}; проверка: regbank offline verify {built.path}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from regbank.offline.bundle import verify

    problems = verify(args.bundle, args.public_key, args.region_key)
    if not problems:
        print(f"{args.bundle}: подписи верны, все файлы совпадают с SHA256SUMS")
        return 0
    print(f"{args.bundle}: комплект НЕ прошёл проверку:", file=sys.stderr)
    for line in problems:
        print(f"  {line}", file=sys.stderr)
    return 1


def run_key(args: argparse.Namespace) -> int:
    from regbank.offline.bundle import repository_key

    password = secrets.read_password(secrets.password_file(args.vault_password_file))
    public = secrets.repository_public_key(repository_key(args.inventory, password), armor=True)
    if args.out is None:
        sys.stdout.write(public.decode())
    else:
        args.out.write_bytes(public)
        print(f"{args.out}: открытый ключ репозитория региона")
    return 0
