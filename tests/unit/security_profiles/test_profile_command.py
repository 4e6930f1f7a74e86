"""`regbank profile level` and `regbank profile show` as the operator runs them."""

import argparse
import io
import json

import pytest

from regbank.commands import profile
from regbank_foundation.errors import RegbankError


def run(argv):
    parser = argparse.ArgumentParser(prog="regbank")
    profile.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_show_table_prints_matrix_and_coverage(capsys):
    assert run(["profile", "show"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Профиль uz1: ")
    assert "ИАФ.1 " in out and "РСБ.6+" in out
    assert "docs/templates/incident-response.md" in out
    assert "Покрытие: базовый набор УЗ-1 — 69 мер, добавлено регионом — 3" in out
    for bucket in ("implemented+checked", "external", "organisational", "planned", "unmapped"):
        assert f"\n  {bucket} " in out
    assert "лаборатория: WireGuard" in out and "лаборатория: ClamAV" in out
    assert "Не учтено в покрытии:" in out
    assert "с автоматическими проверками `regbank attest` (checked_by): " in out


def test_show_json(capsys):
    assert run(["profile", "show", "uz1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["profile"] == "uz1"
    assert sum(data["counts"].values()) == data["required"] == len(data["rows"])
    assert data["counts"]["unmapped"] == 0
    row = next(row for row in data["rows"] if row["code"] == "ИАФ.1")
    assert row["tag"] == "fstec21_iaf_1" and row["bucket"] == "implemented+checked"


def test_level_from_file(tmp_path, capsys):
    path = tmp_path / "level.yaml"
    path.write_text(
        "categories: [public, other]\nsubjects: 40000\nthreat_type: 1\n"
        "significance: high\nscale: regional\n",
        encoding="utf-8",
    )
    assert run(["profile", "level", "--from", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Уровень защищенности ПДн: УЗ-1\n")
    assert "решает: категория other, п. 9 а)" in out
    assert "public     УЗ-2  п. 10 а)" in out
    assert "Класс защищенности ГИС: К1" in out
    assert "01.03.2026" in out


def test_level_from_bad_file_names_file_and_key(tmp_path):
    path = tmp_path / "level.yaml"
    path.write_text("categories: [special]\nsubjects: 5\nthreat_type: 4\n", encoding="utf-8")
    with pytest.raises(RegbankError, match=r"level.yaml: invalid data:\n  threat_type: "):
        run(["profile", "level", "--from", str(path)])


def test_level_without_terminal_needs_a_file(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(RegbankError, match="--from FILE"):
        run(["profile", "level"])


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_level_asks_on_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", _Terminal("д\nн\nн\nн\n0\n3\nн\n"))
    assert run(["profile", "level"]) == 0
    assert "Уровень защищенности ПДн: УЗ-3" in capsys.readouterr().out


def test_level_input_ending_early(monkeypatch):
    monkeypatch.setattr("sys.stdin", _Terminal("д\n"))
    with pytest.raises(RegbankError, match="input ended"):
        run(["profile", "level"])


def test_level_from_a_file_that_is_not_utf8_is_refused_naming_it(tmp_path):
    path = tmp_path / "level.yaml"
    path.write_bytes(b"categories: [special]\nsubjects: \xff\xfe\n")
    with pytest.raises(RegbankError, match=r"level.yaml: expected UTF-8 text"):
        run(["profile", "level", "--from", str(path)])
