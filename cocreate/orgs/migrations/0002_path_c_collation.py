"""Materialized paths compare byte by byte ("C" collation) on PostgreSQL.

Under a linguistic collation a btree index can serve neither `path LIKE 'prefix%'` nor
`ORDER BY path, id` for a keyset page, so the first page of a county-wide list sorted the whole
subtree (~200 ms at 300,000 households, bench/). Paths are ASCII base-36, so byte order is the
natural order. SQLite already compares bytes (BINARY), so nothing changes there.
"""

from django.db import migrations

TABLES = ("orgs_orgunit", "orgs_household", "orgs_person")


def to_c_collation(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f'ALTER TABLE {table} ALTER COLUMN path TYPE varchar(255) COLLATE "C"')
    schema_editor.execute("CREATE INDEX IF NOT EXISTS household_path_id_c ON orgs_household (path, id)")
    schema_editor.execute("CREATE INDEX IF NOT EXISTS person_path_id_c ON orgs_person (path, id)")


def back(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS household_path_id_c")
    schema_editor.execute("DROP INDEX IF EXISTS person_path_id_c")
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN path TYPE varchar(255) COLLATE \"default\"")


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]

    operations = [migrations.RunPython(to_c_collation, back)]
