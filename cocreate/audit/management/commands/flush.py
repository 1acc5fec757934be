"""`flush` that may empty the append-only audit table (tests and demo resets only)."""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections, transaction

from cocreate.audit.services import purge_permit


class Command(FlushCommand):
    def handle(self, **options):
        database = options["database"]
        with transaction.atomic(using=database):
            connection = connections[database]
            if connection.vendor == "postgresql":
                # PostgreSQL flushes with TRUNCATE, which the row trigger does not see.
                return super().handle(**options)
            with purge_permit("flush"):
                return super().handle(**options)
