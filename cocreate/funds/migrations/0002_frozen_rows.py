from django.db import migrations

from cocreate.funds import triggers


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial"), ("audit", "0002_append_only_triggers")]

    operations = [migrations.RunPython(triggers.install, triggers.remove)]
