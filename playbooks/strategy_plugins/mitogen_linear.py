"""Mitogen's linear strategy, found from the kit's ansible.cfg wherever the venv is.

mitogen (a pinned dependency, docs/deploy-speed.md) keeps one Python interpreter per
host and runs modules in it: a module call costs one message instead of an SSH
session, a file copy and a Python start.
"""

from ansible_mitogen.plugins.strategy.mitogen_linear import StrategyModule

__all__ = ["StrategyModule"]
