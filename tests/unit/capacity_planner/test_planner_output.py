"""`regbank plan` writes its folder whole or not at all, and never over another site's file."""

import pytest
from planner_helpers import SAMPLE_REGION

import capacity_planner.run
from regbank.cli import main


def _plan(region, out, *extra) -> int:
    return main(["plan", str(region), "--out", str(out), *extra])


def _tree(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_a_non_empty_folder_is_refused_and_left_as_it_was(tmp_path, capsys):
    out = tmp_path / "plan"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert _plan(SAMPLE_REGION, out) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"regbank: {out}: the output folder is not empty; expected a new")
    assert "--replace" in error
    assert _tree(out) == ["notes.txt"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["plan"]  # no stage left


def test_planning_again_with_replace_leaves_no_stale_site(sample_data, write_region, tmp_path):
    out = tmp_path / "plan"
    assert _plan(SAMPLE_REGION, out) == 0
    assert (out / "host_vars" / "mo3-srv.yml").is_file()
    sample_data["municipalities"][2]["municipal_server"] = "never"
    region_file = write_region(sample_data)
    assert _plan(region_file, out) == 2  # refused without --replace
    assert (out / "host_vars" / "mo3-srv.yml").is_file()
    assert _plan(region_file, out, "--replace") == 0
    assert sorted(path.name for path in (out / "host_vars").iterdir()) == ["region-srv.yml"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["plan", "region.yaml"]


def test_replace_refuses_a_folder_that_is_not_a_plan(tmp_path, capsys):
    out = tmp_path / "home"
    out.mkdir()
    (out / "report.md").write_text("old")
    (out / "thesis.odt").write_text("precious")
    assert _plan(SAMPLE_REGION, out, "--replace") == 2
    assert "--replace replaces only a previous plan's folder" in capsys.readouterr().err
    assert _tree(out) == ["report.md", "thesis.odt"]


def test_an_empty_folder_takes_the_plan(tmp_path):
    out = tmp_path / "plan"
    out.mkdir()
    assert _plan(SAMPLE_REGION, out) == 0
    assert (out / "report.md").is_file()


def test_out_naming_a_file_is_refused_before_planning(tmp_path, capsys):
    out = tmp_path / "plan.txt"
    out.write_text("keep me")
    assert _plan(SAMPLE_REGION, out) == 2
    error = capsys.readouterr().err
    assert error == (
        f"regbank: {out}: --out names an existing file; expected a folder to create "
        "(or an empty one); nothing was written\n"
    )
    assert out.read_text() == "keep me"


def test_a_failure_while_writing_leaves_nothing(tmp_path, capsys, monkeypatch):
    """Disk full after the charts and host_vars: neither they nor the folders made for
    them stay behind."""

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device", "report.md")

    monkeypatch.setattr(capacity_planner.run, "write_reports", disk_full)
    out = tmp_path / "deep" / "er" / "plan"
    assert _plan(SAMPLE_REGION, out) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"regbank: {out}: cannot write the plan: No space left on device")
    assert error.rstrip().endswith("nothing was written")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("code", ["region", "REGION", "re-gion", "Re_Gion"])
def test_an_mo_named_like_the_regional_server_is_refused(
    sample_data, write_region, tmp_path, capsys, code
):
    """The regional server's host_vars would be overwritten by the МО's."""
    sample_data["municipalities"][2]["code"] = code  # MO-3, which gets a server
    out = tmp_path / "plan"
    assert _plan(write_region(sample_data), out) == 2
    error = capsys.readouterr().err
    assert "municipalities[2].code: expected a code whose host name is not 'region-srv'" in error
    assert not out.exists()
