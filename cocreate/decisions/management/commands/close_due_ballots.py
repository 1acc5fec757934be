"""`manage.py close_due_ballots`: close every open ballot past its closing time (run it every
few minutes from cron or a systemd timer). Votes are refused after the closing time anyway;
closing stores the turnout and the hash of the ballot list and freezes the votes."""

from django.core.management.base import BaseCommand

from cocreate.decisions.services import close_due_ballots


class Command(BaseCommand):
    help = "Close the ballots whose closing time has passed (store the turnout, hash and freeze the votes)."

    def handle(self, *args, **options):
        closed = close_due_ballots()
        self.stdout.write(f"{closed} ballot(s) closed.")
