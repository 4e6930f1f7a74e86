"""`regbank attest`: run the checks over an inventory and write a signed evidence pack.

regbank attest [-i INVENTORY] [--out DIR]   run the checks, write and sign the pack
regbank attest verify PACK                  report changed, missing or added files
regbank attest diff OLD NEW                 checks whose result or value changed
"""

import argparse
from datetime import datetime
from pathlib import Path

from regbank_foundation.errors import RegbankError
from regbank_foundation.paths import KIT_ROOT

DEFAULT_INVENTORY = KIT_ROOT / "inventory" / "lab"
DEFAULT_PROFILE = "uz1"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "attest",
        help="run the security checks over an inventory; write, verify, compare evidence packs",
        description="Without an action: run every applicable check on every host (read-only) "
        "and write a signed evidence pack. Exits 1 when a check did not pass.",
    )
    parser.add_argument("-i", "--inventory", type=Path, default=DEFAULT_INVENTORY,
                        help="region inventory (default: inventory/lab)")  # fmt: skip
    parser.add_argument("--out", type=Path, help="new folder for the pack "
                        "(default: ./attest-<date>-<time>)")  # fmt: skip
    parser.add_argument("--profile", help="security profile (default: regbank_profile of the "
                        f"inventory, else {DEFAULT_PROFILE})")  # fmt: skip
    parser.add_argument("--key", type=Path, help="Ed25519 private key (PEM) signing the pack "
                        "(default: .lab/signing/attest-signing.key, made if missing)")  # fmt: skip
    parser.add_argument("--limit", default="all", help="Ansible host pattern (default: all)")
    parser.add_argument("--no-pdf", action="store_true", help="HTML documents only")
    parser.set_defaults(func=run_attest)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    verify = actions.add_parser("verify", help="check a pack's signature and every file's sum")
    verify.add_argument("pack", type=Path, metavar="PACK")
    verify.add_argument("--public-key", type=Path, help="public key (PEM) to verify with "
                        "(default: the kit's signing key's .pub)")  # fmt: skip
    verify.set_defaults(func=run_verify)

    diff = actions.add_parser("diff", help="what changed between two packs (periodic control)")
    diff.add_argument("old", type=Path, metavar="OLD")
    diff.add_argument("new", type=Path, metavar="NEW")
    diff.set_defaults(func=run_diff)


def run_attest(args: argparse.Namespace) -> int:
    from security_profiles.evidence import pack
    from security_profiles.evidence.run import run_checks
    from security_profiles.evidence.tools import parse_tools

    if not args.inventory.exists():
        raise RegbankError(f"{args.inventory}: inventory not found")
    out = args.out or Path(f"attest-{datetime.now():%Y%m%d-%H%M%S}")
    if out.exists() and any(out.iterdir()):
        raise RegbankError(f"{out}: folder exists and is not empty; give a new --out")
    runs, targets, started, finished = run_checks(args.inventory, args.limit)
    variables = targets[0].variables if targets else {}
    profile = args.profile or variables.get("regbank_profile") or DEFAULT_PROFILE
    tools = parse_tools(variables.get("regbank_protection_tools"))
    results = pack.build_results(
        runs, inventory=args.inventory, profile=profile, started=started, finished=finished
    )
    if variables.get("regbank_region_name"):
        results["region"] = variables["regbank_region_name"]
    pack.write_pack(out, runs, results, tools, key_path=args.key or pack.DEFAULT_KEY,
                    pdf=not args.no_pdf)  # fmt: skip
    summary = results["summary"]
    for host in results["hosts"]:
        passed = sum(1 for c in host["checks"] if c["result"] == "pass")
        state = "" if host["reachable"] else f"  (unreachable: {host['error']})"
        print(f"{host['name']:<14} {passed:>3}/{len(host['checks']):<3} checks passed{state}")
        for check in host["checks"]:
            if check["result"] != "pass":
                print(f"    {check['result']:<5} {check['id']}: {check['observed'][:110]}")
    print(
        f"pass {summary['pass']}, fail {summary['fail']}, error {summary['error']}; "
        f"evidence pack: {out}"
    )
    return 0 if summary["fail"] == summary["error"] == 0 else 1


def run_verify(args: argparse.Namespace) -> int:
    from security_profiles.evidence.pack import verify_pack

    result = verify_pack(args.pack, args.public_key)
    if result.ok:
        print(f"{args.pack}: подпись и контрольные суммы верны")
        return 0
    for line in result.report():
        print(f"{args.pack}: {line}")
    return 1


def run_diff(args: argparse.Namespace) -> int:
    from security_profiles.evidence.pack import diff_results, load_results

    old, new = load_results(args.old), load_results(args.new)
    changes = diff_results(old, new)
    print(f"{args.old} ({old['finished']}) → {args.new} ({new['finished']})")
    if not changes:
        print("изменений нет")
        return 0
    for change in changes:
        print(f"{change['host']:<14} {change['check']:<28} "
              f"{change['old_result']} → {change['new_result']}")  # fmt: skip
        if change["old_observed"] != change["new_observed"]:
            print(f"    было:  {change['old_observed']}")
            print(f"    стало: {change['new_observed']}")
    print(f"изменилось проверок: {len(changes)}")
    return 0
