"""Scheduled jobs for cron or Celery beat (daily): OTP rows past their TTL and expired
sessions (R-1), staff idle for 90 days (A-10), audit events past retention (L-3), API
idempotency keys past 24 hours and dead API tokens."""

from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.utils import timezone

from cocreate.accounts.services import disable_inactive_staff, purge_expired_codes
from cocreate.audit.services import purge_expired


class Command(BaseCommand):
    help = "Run the daily housekeeping jobs."

    def handle(self, *args, **options):
        self.stdout.write(f"expired codes deleted: {purge_expired_codes()}")
        # A session that timed out unseen is refused but its row stays until removed here.
        expired, _by_model = Session.objects.filter(expire_date__lt=timezone.now()).delete()
        self.stdout.write(f"expired sessions deleted: {expired}")
        self.stdout.write(f"inactive staff disabled: {disable_inactive_staff()}")
        self.stdout.write(f"audit events purged: {purge_expired()}")
        from cocreate.api.services import purge_expired as purge_api  # the API sits above accounts

        self.stdout.write(f"API tokens and idempotency keys purged: {purge_api()}")
