from django.core.management.base import BaseCommand, CommandError

from cocreate.audit.models import AuditEvent
from cocreate.audit.services import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit hash chain and name every tampered row (security.md D-2)."

    def handle(self, *args, **options):
        bad = verify_chain()
        total = AuditEvent.objects.count()
        head = AuditEvent.objects.order_by("-id").values_list("row_hash", flat=True).first()
        if bad:
            for pk in bad:
                self.stderr.write(f"tampered audit row id={pk}")
            raise CommandError(f"{len(bad)} of {total} audit rows fail verification")
        self.stdout.write(f"audit chain OK: {total} rows, head {head or '-'}")
