"""Reading the tags an Ansible role's tasks carry."""

import pytest

from security_profiles.datafile import DataFileError
from security_profiles.role_tags import role_tags

TASKS = """
- name: A task with a list of tags
  ansible.builtin.debug: {msg: one}
  tags: [fstec21_iaf_1, ssh]
- name: A block
  tags: fstec21_upd_6
  block:
    - name: Inner task with comma-separated tags
      ansible.builtin.debug: {msg: two}
      tags: "fstec21_upd_10, fstec21_upd_11"
- name: A secret Ansible reads with its own YAML tag
  ansible.builtin.set_fact:
    secret: !vault |
      $ANSIBLE_VAULT;1.1;AES256
      3132
"""


def test_tags_from_tasks_blocks_and_nested_files(tmp_path):
    tasks = tmp_path / "os_hardening" / "tasks"
    (tasks / "ssh").mkdir(parents=True)
    (tasks / "main.yml").write_text(TASKS, encoding="utf-8")
    (tasks / "ssh" / "banner.yaml").write_text(
        "- name: Banner\n  ansible.builtin.debug: {msg: x}\n  tags: [fstec21_upd_7]\n",
        encoding="utf-8",
    )
    assert role_tags(tmp_path, "os_hardening") == {
        "fstec21_iaf_1", "ssh", "fstec21_upd_6", "fstec21_upd_10", "fstec21_upd_11",
        "fstec21_upd_7",
    }  # fmt: skip


def test_missing_role_and_role_without_tasks(tmp_path):
    (tmp_path / "empty").mkdir()
    assert role_tags(tmp_path, "absent") is None
    assert role_tags(tmp_path, "empty") == frozenset()


def test_broken_task_file_is_named(tmp_path):
    tasks = tmp_path / "broken" / "tasks"
    tasks.mkdir(parents=True)
    (tasks / "main.yml").write_text("- name: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="main.yml: not valid YAML"):
        role_tags(tmp_path, "broken")
