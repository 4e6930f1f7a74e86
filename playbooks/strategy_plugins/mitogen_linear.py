"""Mitogen's linear strategy, found from the kit's ansible.cfg wherever the venv is.

mitogen (a pinned dependency, docs/deploy-speed.md) keeps one Python interpreter per
host and runs modules in it: a module call costs one message instead of an SSH
session, a file copy and a Python start.
"""

from ansible.errors import AnsibleError

try:
    from ansible_mitogen.plugins.strategy.mitogen_linear import StrategyModule
except ImportError as error:
    raise AnsibleError(
        "ansible.cfg: strategy mitogen_linear needs the mitogen package beside Ansible "
        f"({error}); install the kit's requirements.lock (`make venv`), or run once "
        "with ANSIBLE_STRATEGY=linear"
    ) from None

__all__ = ["StrategyModule"]
