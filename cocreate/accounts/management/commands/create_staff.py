"""The only way to create the first administrators (security.md A-9): from the command line,
with a password that meets the staff policy. There are no default accounts."""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cocreate.accounts.services import staff_user_create
from cocreate.orgs.models import OrgUnit, Role
from cocreate.orgs.services import role_grant


class Command(BaseCommand):
    help = "Create a staff account and grant it a role on a node (default: the root)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument("--role", choices=Role.values, default=Role.PLATFORM_ADMIN)
        parser.add_argument("--node", type=int, help="node id (default: the first root)")
        parser.add_argument("--phone", default="", help="mobile number for SMS second factor")

    def handle(self, *args, username, name, role, node, phone, **options):
        password = os.environ.get("COCREATE_NEW_PASSWORD") or self._ask_password()
        target = OrgUnit.objects.filter(pk=node).first() if node else OrgUnit.objects.filter(parent=None).first()
        if target is None:
            raise CommandError("No such node; load the tree first (seed_demo or an import).")
        try:
            with transaction.atomic():
                user = staff_user_create(actor=None, username=username, password=password,
                                         display_name=name or username, phone=phone)
                role_grant(actor=None, user=user, node=target, role=role)
        except ValidationError as invalid:
            raise CommandError("; ".join(invalid.messages)) from invalid
        self.stdout.write(f"created {username} as {role} on {target.name}")

    @staticmethod
    def _ask_password() -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords differ.")
        return first
