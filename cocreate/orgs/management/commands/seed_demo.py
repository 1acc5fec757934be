"""`manage.py seed_demo`: build the Hubei demo county (idempotent) and print the demo logins."""

import importlib
import importlib.util
import time

from django.apps import apps
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
        self.seed_apps()
        self.print_logins()

    def seed_apps(self) -> None:
        """Apps above orgs add their demo content (needs, topics, meetings, ballots …) through a
        `demo.seed()` of their own, idempotent, in INSTALLED_APPS order — orgs never imports them."""
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if config.label == "orgs" or importlib.util.find_spec(module_name) is None:
                continue
            counts = importlib.import_module(module_name).seed()
            if counts:
                summary = ", ".join(f"{value} {name}" for name, value in counts.items())
                self.stdout.write(f"  {config.verbose_name}: {summary}.")

    def print_logins(self) -> None:
        rows = [(str(r["role"]), r["login"], str(r["secret"]), str(r["note"])) for r in demo.DEMO_LOGINS]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("\nDemo logins:")
        for role, login, secret, note in rows:
            self.stdout.write(f"  {role:<{widths[0]}}  {login:<{widths[1]}}  {secret:<{widths[2]}}  {note}")
        self.stdout.write(f"\nTOTP for '{demo.DEMO_TOTP_USER}': hex key {demo.DEMO_TOTP_KEY}, "
                          f"base32 {demo.DEMO_TOTP_BASE32} (SHA1, 6 digits, 30 s).")
