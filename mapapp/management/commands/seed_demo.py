"""`manage.py seed_demo`: load the demo organization (see mapapp/demo.py) and say how to sign in."""

from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from mapapp import demo


class Command(BaseCommand):
    help = (
        f"Create the demo organization “{demo.ORG_NAME}” with four accounts, ~20 deals and their plans. "
        "Does nothing if it already exists; --reset deletes it and builds it again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true",
            help="Delete the demo organization and its four accounts first, then build it again.",
        )

    def handle(self, *args, reset: bool = False, **options):
        if not reset and demo.find_demo_organization() is not None:
            self.stdout.write(
                f"The demo organization “{demo.ORG_NAME}” already exists; nothing to do "
                "(use --reset to delete and rebuild it)."
            )
        else:
            if not reset and demo.demo_users_exist():
                raise CommandError(
                    f"An account {', '.join(demo.DEMO_EMAILS)} exists without the demo organization. "
                    "Run `manage.py seed_demo --reset` to replace those accounts."
                )
            # Printed only after the commit: output trouble (a closed pipe) must not undo the data.
            deleted, summary = self._rebuild(reset)
            if deleted:
                self.stdout.write(f"Deleted the demo organization “{demo.ORG_NAME}” and its accounts.")
            self._report(summary)
        # The embedded default has no beat: start every visit of the demo with today's health.
        call_command("refresh_health", stdout=StringIO())
        self._sign_in()

    @transaction.atomic  # --reset deletes and rebuilds in one go: a failed build keeps the old demo
    def _rebuild(self, reset: bool) -> tuple[bool, demo.DemoSummary]:
        deleted = demo.delete_demo() if reset else False
        return deleted, demo.build_demo()

    def _report(self, s: demo.DemoSummary) -> None:
        outcomes = ", ".join(f"{s.outcomes.get(k, 0)} {k}" for k in ("open", "won", "lost"))
        plans = ", ".join(f"{s.plans.get(k, 0)} {k}" for k in ("draft", "shared", "agreed", "closed"))
        flagship = s.flagship
        tasks = list(flagship.tasks.values_list("status", flat=True))
        done = tasks.count("done")
        self.stdout.write(self.style.SUCCESS(f"Created the demo organization “{s.organization.name}”."))
        self.stdout.write(
            f"  {len(s.users)} members, {s.deals} deals ({outcomes}), "
            f"{sum(s.plans.values())} plans ({plans}), {s.deals_without_plan} deals without a plan\n"
            f"  {s.tasks} tasks, {s.risks} risks, {s.comments} comments, {s.activities} activity entries\n"
            f"  Flagship plan: “{flagship.title}” ({flagship.deal.owner.name}): "
            f"{flagship.milestones.count()} milestones, {len(tasks)} tasks, "
            f"{done} of {len(tasks)} done, next check-in {flagship.next_checkin_date:%a %d %b %Y}"
        )

    def _sign_in(self) -> None:
        url = f"{settings.SITE_URL}{reverse('login')}"
        self.stdout.write(f"\nSign in at {url} with the password {demo.PASSWORD}")
        width = max(len(email) for email in demo.DEMO_EMAILS)
        for _key, email, name, role, _tz in demo.USERS:
            self.stdout.write(f"  {email:<{width}}  {name:<12} {role.label}")
        with transaction.atomic():
            room = demo.champion_room_link()
        if room is not None:
            champion, url = room
            self.stdout.write(
                f"\nOpen the flagship's deal room as the buyer's champion, {champion.name} "
                f"({champion.deal.buyer_company}), in another browser or a private window:\n  {url}"
            )
