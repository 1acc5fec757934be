"""`manage.py seed_demo`: build the Hubei demo county (idempotent) and print the demo logins."""

import time

from django.core.management.base import BaseCommand

from cocreate.orgs import demo


class Command(BaseCommand):
    help = "Build the demo county 湖北省 → 宜昌市 → 枝江市 with residents, bodies and demo accounts."

    def handle(self, *args, **options):
        started = time.monotonic()
        counts = demo.seed_demo()
        if counts is None:
            self.stdout.write(f"The demo ({demo.DEMO_ROOT}) is already there; nothing to do.")
        else:
            summary = ", ".join(f"{value} {name}" for name, value in counts.items())
            self.stdout.write(self.style.SUCCESS(f"Demo built in {time.monotonic() - started:.1f} s: {summary}."))
        self.print_logins()

    def print_logins(self) -> None:
        rows = [(str(r["role"]), r["login"], str(r["secret"]), str(r["note"])) for r in demo.DEMO_LOGINS]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("\nDemo logins:")
        for role, login, secret, note in rows:
            self.stdout.write(f"  {role:<{widths[0]}}  {login:<{widths[1]}}  {secret:<{widths[2]}}  {note}")
        self.stdout.write(f"\nTOTP for '{demo.DEMO_TOTP_USER}': hex key {demo.DEMO_TOTP_KEY}, "
                          f"base32 {demo.DEMO_TOTP_BASE32} (SHA1, 6 digits, 30 s).")
