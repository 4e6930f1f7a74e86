"""JIT compilation off for this database (PostgreSQL's `jit`, on by default since 12).

Measured on the benchmark data (100 000 cards, 5 million events): the planner's cost
estimates of a card search with several name conditions pass `jit_above_cost`, and
compiling the query takes 0.3–1 s, ten times what running it takes; the analytics
queries read the monthly rollup and gain nothing from JIT either. A database-level
setting (ALTER DATABASE … SET) applies to every session of every role on this database,
the application's included; the server's own configuration may also say `jit = off`.
"""

from django.db import migrations

SET = """
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET jit = off', current_database()); END $$;
SET jit = off;
"""
RESET = """
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET jit', current_database()); END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_rollup")]

    operations = [migrations.RunSQL(SET, RESET)]
