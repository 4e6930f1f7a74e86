"""Action: refuse to go on unless every inventory source passes regbank's region schema."""

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
options: {}
"""


class ActionModule(ActionBase):
    _requires_connection = False  # it reads the controller's inventory files, no host
    _VALID_ARGS = frozenset()

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        sources = (task_vars or {}).get("ansible_inventory_sources") or []
        problems = [str(problem) for source in sources for problem in validate_inventory(source)]
        result["changed"] = False
        if problems:
            result["failed"] = True
            result["msg"] = "the region inventory is not valid:\n" + "\n".join(problems)
        else:
            result["msg"] = "the region inventory is valid: " + ", ".join(sources)
        return result
