"""The evidence pack without hosts: results, documents, signature, verify and diff."""

import json
import shutil

import pytest

from regbank.commands import attest
from security_profiles.evidence.pack import build_results, diff_results, verify_pack, write_pack
from security_profiles.evidence.run import HostRun
from security_profiles.evidence.tools import ToolsError, parse_tools


def _run(result="pass", observed="permitrootlogin no"):
    run = HostRun("region-srv", ("regional",), "10.96.0.10")
    run.facts = {"os": "Debian GNU/Linux 12 (bookworm)", "debian_version": "12.8", "kernel": "6.1",
                 "hostname": "region-srv", "virtualisation": "docker",
                 "addresses": ["10.96.0.10/24 (eth0)"], "listening": ["tcp 0.0.0.0:22"],
                 "packages_count": 2}  # fmt: skip
    run.packages = [("openssh-server", "1:9.2p1-2"), ("chrony", "4.3-2")]
    run.checks = [
        {"id": "ssh_root_login_disabled", "title": "SSH: вход под root запрещён",
         "measures": ["ИАФ.1", "УПД.5"], "role": "os_hardening", "expected": "permitrootlogin no",
         "observed": observed, "result": result, "time": "2026-11-22T12:00:00+03:00",
         "duration_s": 0.1, "commands": ["sshd -T"]},
    ]  # fmt: skip
    return run


TOOLS = [{"name": "ClamAV", "purpose": "Антивирус", "slot": "antivirus", "lab_stand_in": True}]


@pytest.fixture
def pack(tmp_path):
    runs = [_run()]
    started, finished = "2026-11-22T12:00:00+03:00", "2026-11-22T12:01:00+03:00"
    results = build_results(
        runs, inventory=tmp_path, profile="uz1", started=started, finished=finished
    )
    out = tmp_path / "pack"
    write_pack(
        out, runs, results, parse_tools(TOOLS), key_path=tmp_path / "k" / "sign.key", pdf=False
    )
    return out


def test_pack_holds_results_documents_and_signature(pack):
    names = {p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file()}
    assert {"results.json", "packages/region-srv.txt", "protocol.html", "passport.html",
            "protection-tools.html", "measure-matrix.html", "signing-key.pub",
            "SHA256SUMS", "SHA256SUMS.sig"} <= names  # fmt: skip
    results = json.loads((pack / "results.json").read_text(encoding="utf-8"))
    assert results["summary"] == {"pass": 1, "fail": 0, "error": 0}
    measure = next(m for m in results["measures"] if m["code"] == "УПД.5")
    assert (measure["result"], measure["passed"], measure["total"]) == ("pass", 1, 1)
    document = next(m for m in results["measures"] if m["code"] == "ИНЦ.1")
    assert document["result"] == "document"
    protocol = (pack / "protocol.html").read_text(encoding="utf-8")
    assert "ПРОТОКОЛ" in protocol.upper() and "permitrootlogin no" in protocol
    tools = (pack / "protection-tools.html").read_text(encoding="utf-8")
    assert "ClamAV" in tools and "не сертифицировано" in tools and "trusted_boot" in tools


def test_verify_detects_a_one_byte_change_a_missing_and_an_added_file(pack, tmp_path):
    public = tmp_path / "k" / "sign.key.pub"
    assert verify_pack(pack, public).ok
    data = bytearray((pack / "results.json").read_bytes())
    data[10] ^= 1
    (pack / "results.json").write_bytes(bytes(data))
    (pack / "passport.html").unlink()
    (pack / "extra.txt").write_text("x")
    found = verify_pack(pack, public)
    assert not found.ok
    assert (found.changed, found.missing, found.extra) == (
        ["results.json"],
        ["passport.html"],
        ["extra.txt"],
    )


def test_verify_refuses_another_key(pack, tmp_path):
    from regbank_foundation.signing import create_key, public_key_path

    create_key(tmp_path / "other.key")
    assert not verify_pack(pack, public_key_path(tmp_path / "other.key")).signature_ok


def test_diff_shows_changed_checks(pack, tmp_path):
    old = json.loads((pack / "results.json").read_text(encoding="utf-8"))
    new = json.loads(json.dumps(old))
    new["hosts"][0]["checks"][0] |= {"result": "fail", "observed": "permitrootlogin yes"}
    changes = diff_results(old, new)
    assert changes == [
        {
            "host": "region-srv",
            "check": "ssh_root_login_disabled",
            "old_result": "pass",
            "new_result": "fail",
            "old_observed": "permitrootlogin no",
            "new_observed": "permitrootlogin yes",
        }
    ]
    assert diff_results(old, old) == []


def test_cli_verify_and_diff(pack, tmp_path, capsys, monkeypatch):
    import argparse

    parser = argparse.ArgumentParser()
    attest.register(parser.add_subparsers(dest="command"))
    public = str(tmp_path / "k" / "sign.key.pub")
    args = parser.parse_args(["attest", "verify", str(pack), "--public-key", public])
    assert args.func(args) == 0
    other = tmp_path / "again"
    shutil.copytree(pack, other)
    (other / "protocol.html").write_text("подмена", encoding="utf-8")
    args = parser.parse_args(["attest", "verify", str(other), "--public-key", public])
    assert args.func(args) == 1
    assert "изменён: protocol.html" in capsys.readouterr().out
    args = parser.parse_args(["attest", "diff", str(pack), str(other)])
    assert args.func(args) == 0
    assert "изменений нет" in capsys.readouterr().out


def test_protection_tools_errors_name_the_key():
    with pytest.raises(ToolsError) as caught:
        parse_tools([{"name": "X", "purpose": "Y", "certificate": {"number": "1"}}])
    assert "regbank_protection_tools[0].certificate.valid_until" in str(caught.value)
