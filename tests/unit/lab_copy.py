"""A private copy of the lab inventory for tests that judge inventories."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

from regbank.offline import packages as offline_packages
from regbank_foundation.paths import KIT_ROOT

LAB = KIT_ROOT / "inventory" / "lab"


@functools.cache
def _wanted() -> dict:
    return offline_packages.wanted_by(offline_packages.collect())


def lab_copy(folder: Path) -> Path:
    """folder/lab: the lab inventory without the secrets `regbank lab up` generates into
    it (absent in a fresh clone), and, as the lab is offline, with a stand-in for the
    bundle `make lab` builds: folder/offline-bundle/BUNDLE.json listing every package the
    kit installs, as `regbank offline build` writes it."""
    copy = folder / "lab"
    shutil.copytree(LAB, copy, ignore=shutil.ignore_patterns("vault.yml", "pki_ca.yml"))
    bundle = folder / "offline-bundle"
    bundle.mkdir()
    (bundle / "BUNDLE.json").write_text(json.dumps({"packages": _wanted()}), encoding="utf-8")
    main = copy / "group_vars" / "all" / "main.yml"
    text = main.read_text(encoding="utf-8")
    assert "regbank_offline_bundle: ../../build/offline-bundle\n" in text
    main.write_text(
        text.replace("regbank_offline_bundle: ../../build/offline-bundle\n",
                     "regbank_offline_bundle: ../offline-bundle\n"),
        encoding="utf-8",
    )  # fmt: skip
    return copy
