"""ansible.cfg's mitogen strategy: found in the venv, a clear error without it, and the
JSON callback's per-host entries it causes merged back into tasks (the kit's
regbank_json: no meta task's result filed under another task)."""

import os
import subprocess
import sys

from regbank_foundation import inventory_hosts
from regbank_foundation.paths import KIT_ROOT

PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: A module on each host
      ansible.builtin.command: "true"
    - name: End here for no host
      ansible.builtin.meta: end_host
      when: false
    - name: Then a message
      ansible.builtin.debug: {msg: one}
"""

# ansible-playbook in this interpreter, with mitogen hidden when asked.
RUN = """
import sys
if {hide}:
    sys.modules["ansible_mitogen"] = None
sys.argv = ["ansible-playbook", "-i", {inventory!r}, {playbook!r}]
from ansible.cli.playbook import main
main()
"""


def _play(tmp_path, hide: bool, **env: str) -> subprocess.CompletedProcess:
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(
        "".join(f"h{n} ansible_connection=local ansible_python_interpreter={sys.executable}\n"
                for n in range(3)),
        encoding="utf-8",
    )  # fmt: skip
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAY, encoding="utf-8")
    code = RUN.format(hide=hide, inventory=str(inventory), playbook=str(playbook))
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False,
        env={**os.environ, "ANSIBLE_CONFIG": str(KIT_ROOT / "ansible.cfg"), **env},
    )  # fmt: skip


def test_plays_run_through_mitogen(tmp_path):
    done = _play(tmp_path, hide=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("changed=1") == 3
    # ansible-core 2.19 (pinned) names a strategy that is not its own: mitogen's was loaded.
    assert "strategy plugins not included in ansible.builtin" in done.stderr


def test_without_mitogen_the_error_says_what_to_do(tmp_path):
    done = _play(tmp_path, hide=True)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "strategy mitogen_linear needs the mitogen package" in output
    assert "ANSIBLE_STRATEGY=linear" in output
    assert "Traceback" not in output


def test_a_playbooks_tasks_are_merged_across_hosts(tmp_path):
    # mitogen_linear is not lock-step to the JSON callback: one entry per host and task.
    # The kit's regbank_json (what make bench-deploy reads) leaves the skipped meta task
    # out instead of filing it under the task before it.
    done = _play(tmp_path, hide=False, ANSIBLE_STDOUT_CALLBACK="regbank_json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Callback dispatch" not in done.stderr, done.stderr
    [play] = inventory_hosts.json_document(done.stdout)["plays"]
    tasks = inventory_hosts.play_tasks(play)
    assert [task["task"]["name"] for task in tasks] == ["A module on each host", "Then a message"]
    for task in tasks:
        assert sorted(task["hosts"]) == ["h0", "h1", "h2"]
        assert task["task"]["duration"]["start"] <= task["task"]["duration"]["end"]
    for result in tasks[0]["hosts"].values():
        assert result["action"] == "ansible.builtin.command"
        assert not result.get("skipped")
