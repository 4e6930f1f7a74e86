"""Writing the sample region's directories (МО, agencies, categories, grounds).

Idempotent: rows are keyed by deterministic UUIDs and updated in place. Used by
`manage.py load_sample_region`, the tests and the analytics' sample-data generator.
"""

from __future__ import annotations

from directory import sample_region as sample
from directory.models import Agency, Category, Ground, Municipality


def load(own_server: set[str] | frozenset = frozenset()) -> dict:
    """Load the directories; `own_server`: МО codes with their own municipal server."""
    codes = {mo["code"] for mo in sample.MUNICIPALITIES}
    unknown = set(own_server) - codes
    if unknown:
        raise ValueError(f"--own-server: unknown МО code(s) {sorted(unknown)}; known: MO-1…MO-10")
    counts = {"mo": 0, "agencies": 0, "categories": 0, "grounds": 0}
    for order, mo in enumerate(sample.MUNICIPALITIES, 1):
        municipality, _ = Municipality.objects.update_or_create(
            id=sample.row_id("mo", mo["code"]),
            defaults={
                "code": mo["code"],
                "name": mo["name"],
                "full_name": f"Муниципальное образование {mo['name']}",
                "own_server": mo["code"] in own_server,
                "sort_order": order,
            },
        )
        counts["mo"] += 1
        for agency in sample.municipal_agencies(mo):
            save_agency(sample.row_id("agency", mo["code"], agency["key"]), municipality, agency)
            counts["agencies"] += 1
    for key, type_, name, short in sample.REGIONAL_AGENCIES:
        agency = {"type": type_, "name": name, "short_name": short}
        save_agency(sample.row_id("agency", "region", key), None, agency)
        counts["agencies"] += 1
    for order, (code, applies_to, name) in enumerate(sample.CATEGORIES, 1):
        Category.objects.update_or_create(
            id=sample.row_id("category", code),
            defaults={"code": code, "applies_to": applies_to, "name": name, "sort_order": order},
        )
        counts["categories"] += 1
    for order, (code, kind, applies_to, name) in enumerate(sample.GROUNDS, 1):
        Ground.objects.update_or_create(
            id=sample.row_id("ground", code),
            defaults={
                "code": code,
                "kind": kind,
                "applies_to": applies_to,
                "name": name,
                "sort_order": order,
            },
        )
        counts["grounds"] += 1
    return counts


def save_agency(pk, municipality, agency) -> None:
    """One agency of the sample region, created or updated in place."""
    Agency.objects.update_or_create(
        id=pk,
        defaults={
            "mo": municipality,
            "type": agency["type"],
            "name": agency["name"],
            "short_name": agency["short_name"],
        },
    )
