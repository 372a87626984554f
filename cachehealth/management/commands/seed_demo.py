"""``seed_demo``: create demo accounts and data on a fresh install (idempotent, deterministic).

DEMO ONLY: the accounts it creates have well-known passwords (see ``cachehealth.demo``),
so with DEBUG off it refuses unless ``--force`` is given (``make run`` has DEBUG on).
It works with any cache backend: its writes fire the usual cache events.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cachehealth.demo import DemoRefused, check_allowed, seed_demo


class Command(BaseCommand):
    help = (
        "Create an admin (admin / admin-pass-123) and demo users (alice, bob, carol / demo-pass-123) "
        "with ARI snapshots, goals and tasks, where missing. DEMO ONLY: well-known passwords; "
        "refused with DEBUG off unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any user exists.")
        parser.add_argument("--seed", type=int, default=42, help="Seed of the generated values (default 42).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off. Never on a deployment anyone else can reach.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            # First, --if-empty or not: whether it refuses must not depend on the data.
            check_allowed(force=options["force"])
        except DemoRefused as exc:
            raise CommandError(f"seed_demo: {exc} Run it with DEBUG on (make run) or pass --force.") from exc
        if options["if_empty"] and get_user_model().objects.exists():
            self.stdout.write("Users exist already; nothing seeded (--if-empty).")
            return
        accounts = seed_demo(seed=options["seed"], force=options["force"])
        self.stdout.write(self.style.WARNING("Demo accounts with well-known passwords: never use them in production."))
        for account in accounts:
            state = "created" if account.created else "exists"
            role = "staff" if account.is_staff else "user"
            self.stdout.write(
                f"{account.username:<8} id={account.user_id:<5} {role:<5} password={account.password} "
                f"token={account.token or '(log in: POST /api/auth/token)'} ({state})"
            )
        created = sum(account.created for account in accounts)
        self.stdout.write(self.style.SUCCESS(f"Seeded {created} new accounts; {len(accounts) - created} existed."))
