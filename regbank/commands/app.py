"""`regbank app build|verify`: the registry application's signed bundle."""

import argparse
from pathlib import Path

from regbank.app_bundle import DEFAULT_KEY, DEFAULT_OUT
from regbank_foundation import signing


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "app", help="build and verify the registry application's signed bundle"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    build = actions.add_parser(
        "build",
        help="build the wheel, collect the dependencies' wheels, sign the bundle",
        description=(
            "Builds app_bundle/ into build/app-bundle-<version>/: the application's wheel, "
            "the wheels of its run-time dependencies pinned from requirements.lock (the host "
            "installs offline), gunicorn.conf.py, and SHA256SUMS signed with Ed25519."
        ),
    )
    build.add_argument(
        "--key",
        type=Path,
        default=DEFAULT_KEY,
        metavar="PATH",
        help="Ed25519 private key (PEM); created with its .pub when missing "
        f"(default: {DEFAULT_KEY.relative_to(DEFAULT_KEY.parents[2])})",
    )
    build.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="default: build/"
    )
    build.set_defaults(func=run_build)

    verify = actions.add_parser(
        "verify",
        help="check a bundle's signature and the sum of every file",
        description="Exits non-zero and lists every changed, missing or extra file, "
        "or a bad signature.",
    )
    verify.add_argument("bundle", type=Path, metavar="BUNDLE", help="the bundle folder")
    verify.add_argument(
        "--public-key",
        type=Path,
        default=signing.public_key_path(DEFAULT_KEY),
        metavar="PATH",
        help="Ed25519 public key (PEM) (default: the lab key's .pub)",
    )
    verify.set_defaults(func=run_verify)


def run_build(args: argparse.Namespace) -> int:
    from regbank.app_bundle import build_bundle

    bundle = build_bundle(key_path=args.key, out_dir=args.out)
    print(f"Пакет приложения {bundle.version}: {bundle.path}")
    print(f"  колесо {bundle.wheel}; зависимостей: {bundle.requirements}")
    print(f"  подписан ключом {args.key}; открытый ключ {signing.public_key_path(args.key)}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from regbank.app_bundle import verify_bundle

    result = verify_bundle(args.bundle, args.public_key)
    return signing.print_verification(args.bundle, result, "пакет НЕ прошёл проверку")
