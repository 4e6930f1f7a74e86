"""Build a small real offline bundle for the scenario: the firewall's and this role's
packages with their dependencies, signed by a fresh region key and a fresh kit key.

    python build_bundle.py DIR    # DIR/bundle, DIR/kit.key.pub
"""

import shutil
import sys
from pathlib import Path

from regbank import secrets
from regbank.offline import bundle
from regbank_foundation.paths import KIT_ROOT


def main(work: Path) -> None:
    if (work / "bundle" / "SHA256SUMS.sig").is_file():
        return
    # Not DIR/inventory: that is molecule's own inventory of the scenario's containers.
    inventory = work / "region"
    shutil.rmtree(inventory, ignore_errors=True)
    shutil.copytree(KIT_ROOT / "inventory" / "example", inventory)
    password = work / "vault-password"
    secrets.create_password_file(password)
    secrets.ensure_secrets(inventory, secrets.read_password(password), log=lambda _: None)
    bundle.build(
        work / "bundle",
        inventory,
        secrets.read_password(password),
        key_path=work / "kit.key",
        proxy="http://127.0.0.1:3142",  # make host's apt-cacher-ng (make molecule needs it)
        replace=True,
        parts=bundle.Parts(roles=["firewall", "package_source"], app=False, wheelhouse=False),
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
