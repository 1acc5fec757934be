from django.core.management.base import BaseCommand

from cocreate.audit.services import purge_expired


class Command(BaseCommand):
    help = "Delete audit events older than COCREATE_AUDIT_RETENTION_DAYS (never under 180 days)."

    def handle(self, *args, **options):
        self.stdout.write(f"purged {purge_expired()} audit events")
