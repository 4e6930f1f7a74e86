"""The recap check the lab tests rely on: any count that hides a fault fails it."""

import pytest
from conftest import assert_clean, recap

LINE = (
    "{host:<26} : ok=40   changed={c}    unreachable=0    failed=0    "
    "skipped=7    rescued={r}    ignored={i}   "
)


def output(**hosts: tuple[int, int, int]) -> str:
    lines = [LINE.format(host=host, c=c, r=r, i=i) for host, (c, r, i) in hosts.items()]
    return "PLAY RECAP *****\n" + "\n".join(lines) + "\n"


def test_every_count_is_read():
    assert recap(output(a=(3, 1, 2)))["a"] == {
        "ok": 40, "changed": 3, "unreachable": 0, "failed": 0,
        "skipped": 7, "rescued": 1, "ignored": 2,
    }  # fmt: skip


def test_clean_run_passes():
    assert_clean(output(a=(0, 0, 0), b=(0, 0, 0)), ["a", "b"])
    assert_clean(output(a=(5, 0, 0)), ["a"], changed=True)


@pytest.mark.parametrize(
    ("counts", "hosts", "changed"),
    [
        ((0, 1, 0), ["a"], True),  # a rescued failure
        ((0, 0, 1), ["a"], True),  # an ignored failure
        ((1, 0, 0), ["a"], False),  # a change where none is allowed
        ((0, 0, 0), ["a", "b"], True),  # a host absent from the recap
    ],
)
def test_a_hidden_fault_fails(counts, hosts, changed):
    with pytest.raises(AssertionError):
        assert_clean(output(a=counts), hosts, changed=changed)


def test_a_recap_without_rescued_and_ignored_fails():
    with pytest.raises(AssertionError, match="rescued"):
        recap("a : ok=1 changed=0 unreachable=0 failed=0\n")
