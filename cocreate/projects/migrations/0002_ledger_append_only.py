from django.db import migrations

from cocreate.projects import triggers


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial"), ("audit", "0002_append_only_triggers")]

    operations = [migrations.RunPython(triggers.install, triggers.remove)]
