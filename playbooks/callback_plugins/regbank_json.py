"""ansible.posix.json without the results of meta tasks (`make bench-deploy` reads it).

A strategy runs a meta task (`meta: end_host`, `end_role`) itself: no task start reaches the
callback, so ansible.posix.json filed its result under the task before it, in place of
that host's real result, and under the kit's mitogen_linear also warned "Callback dispatch
'v2_runner_on_skipped' failed" (16 times a run). Its JSON lists no meta task either way.
"""

from ansible import constants as C
from ansible_collections.ansible.posix.plugins.callback import json as posix_json

DOCUMENTATION = posix_json.DOCUMENTATION.replace("name: json", "name: regbank_json", 1)


class CallbackModule(posix_json.CallbackModule):
    CALLBACK_NAME = "regbank_json"

    def _record_task_result(self, on_info, result, **kwargs):
        if result._task.action in C._ACTION_META:
            return
        super()._record_task_result(on_info, result, **kwargs)
