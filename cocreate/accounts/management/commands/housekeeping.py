"""Scheduled jobs for cron or Celery beat (daily): OTP rows past their TTL (R-1), staff idle
for 90 days (A-10), audit events past retention (L-3)."""

from django.core.management.base import BaseCommand

from cocreate.accounts.services import disable_inactive_staff, purge_expired_codes
from cocreate.audit.services import purge_expired


class Command(BaseCommand):
    help = "Run the daily housekeeping jobs."

    def handle(self, *args, **options):
        self.stdout.write(f"expired codes deleted: {purge_expired_codes()}")
        self.stdout.write(f"inactive staff disabled: {disable_inactive_staff()}")
        self.stdout.write(f"audit events purged: {purge_expired()}")
