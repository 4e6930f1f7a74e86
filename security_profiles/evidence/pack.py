"""The evidence pack: results.json, documents in Russian, a signed SHA-256 manifest.

Layout of a pack folder::

    results.json             every host, check and measure: expected, observed, time, result
    packages/<host>.txt      installed packages (name, version) per host
    protocol.html|pdf        протокол испытаний
    passport.html|pdf        технический паспорт
    protection-tools.html|pdf  перечень средств защиты информации
    measure-matrix.html|pdf  матрица мер
    signing-key.pub          the public key the pack was signed with (for information:
                             verify against the key you hold, not this copy)
    SHA256SUMS, SHA256SUMS.sig
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from regbank_foundation import __version__
from regbank_foundation.errors import RegbankError
from regbank_foundation.paths import KIT_ROOT
from regbank_foundation.signing import (
    MANIFEST,
    SIGNATURE,
    Verification,
    load_or_create_key,
    load_public_key,
    public_key_path,
    sign_folder,
    verify_folder,
)
from security_profiles.coverage import Coverage, coverage
from security_profiles.evidence.run import ERROR, FAIL, PASS, HostRun
from security_profiles.profile import load_profile, profile_path

RESULTS = "results.json"
DEFAULT_KEY = KIT_ROOT / ".lab" / "signing" / "attest-signing.key"
FORMAT = 1


class PackError(RegbankError):
    pass


def measure_results(cov: Coverage, runs: list[HostRun]) -> list[dict[str, Any]]:
    """One row per required measure: how it is met and what its checks showed."""
    by_measure: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        for result in run.checks:
            for code in result["measures"]:
                by_measure.setdefault(code, []).append(result | {"host": run.name})
    rows = []
    for row in cov.rows:
        if row.bucket is None:
            continue
        results = by_measure.get(row.code, [])
        outcomes = {r["result"] for r in results}
        if not results:
            # Nothing to run: say how the measure is evidenced instead.
            verdict = {"organisational": "document", "external": "external"}.get(
                row.kind or "", "planned" if row.kind == "planned" else "not_checked"
            )
        elif outcomes == {PASS}:
            verdict = PASS
        elif ERROR in outcomes and FAIL not in outcomes:
            verdict = ERROR
        else:
            verdict = FAIL
        rows.append(
            {
                "framework": row.framework,
                "code": row.code,
                "title": row.title,
                "origin": row.origin,
                "kind": row.kind,
                "bucket": row.bucket,
                "detail": row.detail,
                "note": row.note,
                "checks": sorted({r["id"] for r in results}),
                "passed": sum(1 for r in results if r["result"] == PASS),
                "total": len(results),
                "result": verdict,
            }
        )
    return rows


def build_results(
    runs: list[HostRun],
    *,
    inventory: Path,
    profile: str,
    started: str,
    finished: str,
) -> dict[str, Any]:
    cov = coverage(load_profile(profile_path(profile)))
    checks = [c for run in runs for c in run.checks]
    summary = {k: sum(1 for c in checks if c["result"] == k) for k in (PASS, FAIL, ERROR)}
    return {
        "format": FORMAT,
        "kit_version": __version__,
        "inventory": str(inventory),
        "profile": {
            "name": cov.profile,
            "title": cov.title,
            "level": cov.level,
            "state_class": cov.state_class,
        },  # fmt: skip
        "started": started,
        "finished": finished,
        "summary": summary,
        "hosts": [
            {
                "name": run.name,
                "groups": list(run.groups),
                "address": run.address,
                "reachable": run.reachable,
                "error": run.error,
                "facts": run.facts,
                "checks": run.checks,
            }
            for run in runs
        ],
        "measures": measure_results(cov, runs),
        "coverage": {
            "base_set": cov.base_set,
            "required": cov.required,
            "counts": cov.counts,
            "checked": cov.checked,
            "external_slots": {k: v.model_dump() for k, v in cov.external_slots.items()},
            "gaps": list(cov.gaps),
        },
    }


def key_fingerprint(public_pem: bytes) -> str:
    digest = hashlib.sha256(public_pem).hexdigest()
    return ":".join(digest[i : i + 4] for i in range(0, 32, 4))


def write_pack(
    out: Path,
    runs: list[HostRun],
    results: dict[str, Any],
    tools: list[dict[str, Any]] | None,
    *,
    key_path: Path = DEFAULT_KEY,
    pdf: bool = True,
) -> Path:
    """Write the pack into a new folder ``out`` and sign it."""
    from security_profiles.evidence.render import render_documents

    if out.exists() and any(out.iterdir()):
        raise PackError(f"{out}: folder exists and is not empty; give a new --out")
    out.mkdir(parents=True, exist_ok=True)
    key = load_or_create_key(key_path)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    results = results | {"signing_key_sha256": key_fingerprint(public_pem)}
    (out / RESULTS).write_text(
        json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    packages = out / "packages"
    packages.mkdir()
    for run in runs:
        text = "".join(f"{name}\t{version}\n" for name, version in run.packages)
        (packages / f"{run.name}.txt").write_text(text, encoding="utf-8")
    render_documents(out, results, tools, pdf=pdf)
    (out / "signing-key.pub").write_bytes(public_pem)
    sign_folder(out, key)
    return out


def verify_pack(pack: Path, public_key: Path | None = None) -> Verification:
    """Check the signature and every sum; the key defaults to the kit's signing key."""
    key_file = public_key or public_key_path(DEFAULT_KEY)
    if not key_file.is_file():
        raise PackError(f"{key_file}: public key not found; give --public-key")
    return verify_folder(pack, load_public_key(key_file))


def load_results(pack: Path) -> dict[str, Any]:
    path = pack / RESULTS
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PackError(f"{path}: not a readable results file ({error})") from None


def diff_results(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, str]]:
    """Checks whose result or observed value differ between two packs, and those that
    appear in one pack only (a host or a check added or gone)."""

    def index(results: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
        return {(h["name"], c["id"]): c for h in results["hosts"] for c in h["checks"]}

    before, after = index(old), index(new)
    changes = []
    for key in sorted(before.keys() | after.keys()):
        host, check_id = key
        a, b = before.get(key), after.get(key)
        if a and b and (a["result"], a["observed"]) == (b["result"], b["observed"]):
            continue
        changes.append(
            {
                "host": host,
                "check": check_id,
                "old_result": a["result"] if a else "—",
                "new_result": b["result"] if b else "—",
                "old_observed": a["observed"] if a else "",
                "new_observed": b["observed"] if b else "",
            }
        )
    return changes


__all__ = ["MANIFEST", "SIGNATURE", "write_pack", "verify_pack", "diff_results", "build_results"]
