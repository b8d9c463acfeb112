"""`manage.py refresh_health`: bring the stored plan health (plans.health_store) up to date now,
in this process: what the hourly beat task does, for a deployment without a worker yet, after a
restore, or with --all after changing a health threshold."""

from django.core.management.base import BaseCommand

from deals.models import Outcome
from plans import health_store
from plans.models import Plan


class Command(BaseCommand):
    help = "Recompute the stored health of open plans whose health is missing or from an earlier day."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Every open plan, not only the stale ones.")

    def handle(self, *args, all: bool = False, **options):
        if all:
            by_org: dict[int, list[int]] = {}
            for organization_id, pk in Plan.objects.filter(deal__outcome=Outcome.OPEN).values_list(
                    "organization_id", "pk"):
                by_org.setdefault(organization_id, []).append(pk)
        else:
            by_org = health_store.stale_plans()
        written = 0
        for organization_id, plan_ids in by_org.items():
            for start in range(0, len(plan_ids), health_store.BATCH):
                written += health_store.plans_refresh(
                    organization_id=organization_id, plan_ids=plan_ids[start:start + health_store.BATCH])
        self.stdout.write(f"Stored the health of {written} plan(s) in {len(by_org)} organization(s).")
