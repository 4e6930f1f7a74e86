"""regbank: deployment, hardening and attestation kit for a regional data bank."""

from pathlib import Path

__version__ = "0.1.0"

# The kit's own tree (roles, playbooks, inventories) sits beside the package.
KIT_ROOT = Path(__file__).resolve().parent.parent
