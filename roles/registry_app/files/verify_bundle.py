#!/usr/bin/python3
"""Check a bundle folder with the kit's regbank/signing.py (copied beside this file).

Exit 0 only when the signature is good and every file matches SHA256SUMS; otherwise
exit 1 and print each finding in Russian. Reads only; nothing is installed here.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import signing  # noqa: E402  (the kit's module, copied by the role)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--public-key", type=Path, required=True)
    args = parser.parse_args()
    try:
        result = signing.verify_folder(args.bundle, signing.load_public_key(args.public_key))
    except signing.SigningError as error:
        print(f"{args.bundle}: {error}", file=sys.stderr)
        return 1
    if result.ok:
        print(f"{args.bundle}: подпись верна, все файлы совпадают с {signing.MANIFEST}")
        return 0
    print(f"{args.bundle}: пакет НЕ прошёл проверку и не будет установлен:", file=sys.stderr)
    for line in result.report():
        print(f"  {line}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
