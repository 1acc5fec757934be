from django.core.management.base import BaseCommand

from cocreate.notify.services import send_digests


class Command(BaseCommand):
    help = "Send each resident one SMS with their unread messages (run once a day)."

    def handle(self, *args, **options):
        sent = send_digests()
        self.stdout.write(f"{sent} digest SMS sent.")
