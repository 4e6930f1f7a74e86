"""Indexes for search and duplicate checks at 100 000 cards (see the benchmark in
app_bundle/README.md).

* Trigram indexes (pg_trgm: shipped in Debian's postgresql-15 and trusted, so the
  database owner installs it) serve Django's `icontains`, which PostgreSQL receives as
  UPPER(col::text) LIKE UPPER('%…%'): the search by name (families, their members,
  minors) and by address.
* Btree indexes serve the duplicate checks (`iexact`: UPPER(col::text) = UPPER(…)): a
  family by name and address, a family member by date of birth.

Written as SQL, not in the models' Meta: an operator class on an expression needs
django.contrib.postgres installed as an app, which the project does not otherwise use.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


def _trgm(*columns):
    return ", ".join(f"upper(({c})::text) gin_trgm_ops" for c in columns)


INDEXES = {
    "family_name_trgm": f"registry_family USING gin ({_trgm('family_name')})",
    "family_address_trgm": (
        f"registry_family USING gin ({_trgm('address_actual', 'address_registration')})"
    ),
    "family_duplicate": (
        "registry_family (upper((family_name)::text), upper((address_actual)::text))"
    ),
    "member_name_trgm": (
        f"registry_familymember USING gin ({_trgm('last_name', 'first_name', 'middle_name')})"
    ),
    "member_birth_date": "registry_familymember (birth_date)",
    "minor_name_trgm": (
        f"registry_minor USING gin ({_trgm('last_name', 'first_name', 'middle_name')})"
    ),
    "minor_address_trgm": (
        f"registry_minor USING gin ({_trgm('address_actual', 'address_registration')})"
    ),
}


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        TrigramExtension(),
        *(
            migrations.RunSQL(f"CREATE INDEX {name} ON {target}", f"DROP INDEX {name}")
            for name, target in INDEXES.items()
        ),
    ]
