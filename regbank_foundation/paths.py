"""Where the kit's own tree is: roles, playbooks, inventories, ansible.cfg, app_bundle."""

from pathlib import Path

# The kit's packages sit at the top of its tree, beside roles/ and playbooks/.
KIT_ROOT = Path(__file__).resolve().parent.parent
APP_DIR = KIT_ROOT / "app_bundle"
