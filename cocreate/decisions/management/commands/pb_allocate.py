"""``manage.py pb_allocate FILE.pb --rule greedy|mes|mes-complete``: allocate a Pabulib instance.

Prints the selected project ids one per line, sorted as strings (a stable order that is easy to diff
against other tools; the rules themselves are order-free sets of projects).
"""

from django.core.management.base import BaseCommand, CommandError

from cocreate.decisions.rules.pabulib import read_pb
from cocreate.decisions.rules.pb import equal_shares, equal_shares_completed, greedy_approval

RULES = {"greedy": greedy_approval, "mes": equal_shares, "mes-complete": equal_shares_completed}


class Command(BaseCommand):
    help = "Run a participatory-budgeting rule on a Pabulib .pb file and print the selected project ids."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to a Pabulib .pb file (approval or choose-1 ballots)")
        parser.add_argument(
            "--rule",
            choices=sorted(RULES),
            default="mes-complete",
            help="greedy by approvals, Method of Equal Shares, or MES completed (default)",
        )

    def handle(self, *args, **options):
        path = options["file"]
        try:
            instance = read_pb(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        except ValueError as exc:
            raise CommandError(f"{path} is not a usable Pabulib file: {exc}") from exc
        selected = RULES[options["rule"]](instance.budget, instance.projects, instance.ballots)
        for project_id in sorted(selected):
            self.stdout.write(project_id)
