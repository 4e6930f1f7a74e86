"""The `regbank` command line: discovers the command modules and runs one."""

import argparse
import importlib
import pkgutil
import sys

from regbank import commands
from regbank_foundation import __version__
from regbank_foundation.errors import RegbankError
from regbank_foundation.inventory_hosts import put_ansible_on_path


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser with the command named first in ``argv`` only, when there is one: each
    command module is named after its command, and importing them all (Docker's and
    SSH's libraries among them) costs seconds a `regbank plan` should not pay."""
    parser = argparse.ArgumentParser(
        prog="regbank",
        description="Deploy, harden, attest and size a regional data bank.",
    )
    parser.add_argument("--version", action="version", version=f"regbank {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    names = sorted(module.name for module in pkgutil.iter_modules(commands.__path__))
    first = argv[0] if argv else None
    if first in names:
        names = [first]
    elif first == "--version":
        names = []
    for name in names:
        importlib.import_module(f"{commands.__name__}.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    args = build_parser(argv).parse_args(argv)
    put_ansible_on_path()
    try:
        return args.func(args)
    except RegbankError as error:
        print(f"regbank: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as other tools do.
        sys.stdout = None
        return 0


if __name__ == "__main__":
    sys.exit(main())
