"""Action: refuse to go on unless every inventory source passes regbank's region schema."""

from pathlib import Path

from ansible.plugins.action import ActionBase

from regbank.inventory import validate_inventory

DOCUMENTATION = """
name: regbank_inventory_check
short_description: Fail unless the region inventory passes regbank's schema
description:
  - Runs the same validation as C(regbank inventory validate) on each inventory source
    of the run (the magic variable C(ansible_inventory_sources)) and fails with one line
    per problem, naming the file, the key and what was expected.
  - Reads files on the controller only; changes nothing, so it runs in check mode too.
  - Used by playbooks/preflight.yml, which every playbook imports first.
options:
  inventory_dir:
    description:
      - The region inventory folder to check instead of the run's sources, relative to
        the kit's folder (the parent of the playbooks). For AWX, whose jobs get an
        inventory AWX generates from the imported folder (docs/awx.md).
    type: str
"""


class ActionModule(ActionBase):
    _requires_connection = False  # it reads the controller's inventory files, no host
    _VALID_ARGS = frozenset({"inventory_dir"})

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        sources = task_vars.get("ansible_inventory_sources") or []
        if self._task.args.get("inventory_dir"):
            kit = Path(task_vars.get("playbook_dir", ".")).parent
            sources = [str(kit / self._task.args["inventory_dir"])]
        problems = [str(problem) for source in sources for problem in validate_inventory(source)]
        result["changed"] = False
        if problems:
            result["failed"] = True
            result["msg"] = "the region inventory is not valid:\n" + "\n".join(problems)
        else:
            result["msg"] = "the region inventory is valid: " + ", ".join(sources)
        return result
