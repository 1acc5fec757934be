"""Need paths compare byte by byte on PostgreSQL, like the orgs paths (orgs 0002)."""

from django.db import migrations


def to_c_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE needs_need ALTER COLUMN path TYPE varchar(255) COLLATE "C"')


def back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE needs_need ALTER COLUMN path TYPE varchar(255) COLLATE "default"')


class Migration(migrations.Migration):
    dependencies = [("needs", "0002_default_categories")]

    operations = [migrations.RunPython(to_c_collation, back)]
