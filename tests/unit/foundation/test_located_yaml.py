"""The one YAML reader: lines of key paths, keys given twice, unreadable files."""

import pytest

from regbank_foundation.located_yaml import (
    YamlFileError,
    format_key_path,
    parse_yaml,
    read_yaml,
)


def test_key_paths_are_formatted_with_dots_and_indexes():
    assert format_key_path(("municipalities", 3, "link", "bandwidth_mbps")) == (
        "municipalities[3].link.bandwidth_mbps"
    )
    assert format_key_path(()) == ""


def test_a_problem_names_the_line_of_the_deepest_key_present(tmp_path):
    path = tmp_path / "region.yaml"
    document = parse_yaml("region: X\nmunicipalities:\n  - code: MO-1\n    link: {}\n", path)
    assert document.line_of(("municipalities", 0, "link", "bandwidth_mbps")) == 4
    assert document.problem(("municipalities", 0, "code"), "bad") == (
        f"{path}:3: municipalities[0].code: bad"
    )


def test_keys_given_twice_are_noted_in_line_order_and_refused_unless_allowed(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text("a: {b: 1, b: 2}\nc: 1\nc: 2\n", encoding="utf-8")
    document = read_yaml(path, allow_duplicates=True)
    assert [(d.key, d.first_line, d.line) for d in document.duplicates] == [
        ("b", 1, 1),
        ("c", 2, 3),
    ]
    with pytest.raises(YamlFileError) as raised:
        read_yaml(path)
    assert (
        str(raised.value)
        == f"{path}:1: YAML syntax error: duplicate key 'b' (first given on line 1)"
    )


def test_syntax_errors_and_unreadable_files_name_the_file(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [1\n", encoding="utf-8")
    with pytest.raises(YamlFileError, match=rf"{broken}:2: YAML syntax error: "):
        read_yaml(broken)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"a: \xff\n")
    with pytest.raises(YamlFileError, match="expected UTF-8 text"):
        read_yaml(binary)
    with pytest.raises(YamlFileError, match="cannot read the file"):
        read_yaml(tmp_path / "absent.yaml")


def test_a_character_yaml_never_allows_is_refused_with_its_line(tmp_path):
    path = tmp_path / "nul.yaml"
    path.write_text("a: 1\nb: \x00\n", encoding="utf-8")
    with pytest.raises(YamlFileError, match=rf"{path}:2: YAML syntax error: character 0x0000"):
        read_yaml(path)
