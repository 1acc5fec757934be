"""The Django half of the benchmark, run by bench/run.py in a subprocess for each data set:
migrate, build or reuse each capability's share of the county, VACUUM ANALYZE, pick the
rows the scenarios read and mint their sessions. Writes JSON to --out.

    DJANGO_SETTINGS_MODULE=config.settings.bench DATABASE_URL=postgres://… \\
        python -m bench.prepare --households 300000 --communities 300 --grids-per-community 10 --out t.json
"""

import argparse
import json
import sys
import time

import django


class SessionMinter:
    """Sessions as after a full login (password and second factor), written straight to the
    session store: the load generator then only sends the cookie, and no login, SMS or TOTP
    step runs under load. Fresh on every run, so the absolute 12-hour limit never bites."""

    def __init__(self):
        from django.conf import settings

        self.cookie_name = settings.SESSION_COOKIE_NAME
        self.staff: dict[str, object] = {}

    def staff_user(self, username: str, *, display_name: str):
        """Made once a run: a new unusable password would change the session hash and sign
        out the sessions already minted for this user by an earlier capability."""
        if username not in self.staff:
            self.staff[username] = self._make_staff_user(username, display_name)
        return self.staff[username]

    @staticmethod
    def _make_staff_user(username: str, display_name: str):
        from django.utils import timezone

        from cocreate.accounts.models import User

        user, _ = User.objects.get_or_create(username=username, defaults={
            "display_name": display_name, "is_staff_member": True})
        user.set_unusable_password()  # no one can log in as the bench's official
        user.is_active, user.disabled_at = True, None
        user.password_changed_at = timezone.now()  # never hits the 90-day password expiry
        user.save()
        return user

    def resident_for(self, person, *, label: str):
        from cocreate.accounts.models import User

        if person.user_id:
            return person.user
        user = User(display_name=label, is_staff_member=False)
        user.set_unusable_password()
        user.save()
        person.user = user
        person.save(update_fields=["user"])
        return user

    def mint(self, user, csrf: str = "") -> str:
        """The cookies of a browser after a full sign-in: the session, and the CSRF cookie that
        the sign-in page set (`csrf`, or a new one)."""
        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore
        from django.utils.crypto import get_random_string

        from cocreate.accounts.middleware import SESSION_AUTH_AT, SESSION_LAST_SEEN
        from cocreate.core.auth import SESSION_2FA

        now = int(time.time())
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "cocreate.accounts.backends.StaffPasswordBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[SESSION_AUTH_AT] = now
        session[SESSION_LAST_SEEN] = now
        if user.is_staff_member:
            session[SESSION_2FA] = "totp"
        session.set_expiry(6 * 60 * 60)
        session.save()
        return f"{self.cookie_name}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf or get_random_string(32)}"


def vacuum_analyze() -> float:
    """After a bulk load, what autovacuum would do before long: planner statistics, the
    visibility map (index-only scans) and hint bits, so the first scenario does not pay for
    them. Quick on a data set already vacuumed: all-visible pages are skipped."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return round(time.perf_counter() - started, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, required=True)
    parser.add_argument("--communities", type=int, required=True)
    parser.add_argument("--grids-per-community", type=int, required=True)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    parser.add_argument("--modules", default="", help="comma-separated capability modules (default: all)")
    args = parser.parse_args(argv)

    django.setup()
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench import capabilities

    if connection.vendor != "postgresql":
        print("bench.prepare: DATABASE_URL must point at PostgreSQL", file=sys.stderr)
        return 2
    scale = capabilities.Scale(args.households, args.communities, args.grids_per_community, args.users)
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_seconds = round(time.perf_counter() - started, 1)
    Session.objects.filter(expire_date__lt=timezone.now()).delete()

    modules = capabilities.load([m for m in args.modules.split(",") if m] or None)
    generated, targets, unavailable = {}, {}, []
    for module in modules:
        if not module.available():
            unavailable.append(module.NAME)
            continue
        generated[module.NAME] = module.generate(scale)
        print(f"bench.prepare: {module.NAME}: {generated[module.NAME]}", file=sys.stderr)
    vacuum_seconds = vacuum_analyze()
    minter = SessionMinter()
    for module in modules:
        if module.NAME not in unavailable:
            targets[module.NAME] = module.fixtures(scale, minter)
    from django.apps import apps

    present = [name for name in capabilities.PLANNED if apps.is_installed(f"cocreate.{name}")]
    result = {"planned_apps_present": present, "scale": scale.as_dict(), "database": connection.settings_dict["NAME"],
               "migrate_seconds": migrate_seconds, "vacuum_analyze_seconds": vacuum_seconds,
               "generated": generated, "unavailable": unavailable, "targets": targets,
               "postgres": _postgres_facts()}
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False)
    return 0


def _postgres_facts() -> dict:
    from django.db import connection

    facts = {}
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        facts["version"] = cursor.fetchone()[0]
        for setting in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "jit"):
            cursor.execute(f"SHOW {setting}")
            facts[setting] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        facts["database_size"] = cursor.fetchone()[0]
    return facts


if __name__ == "__main__":
    sys.exit(main())
