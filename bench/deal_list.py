#!/usr/bin/env python
"""Server time and queries of the deal list, for a seller and a manager.

Builds, in a throwaway PostgreSQL database, an organization with 500 deals (half with a
plan of 4–12 tasks, some shared with the seller) and one with 10 deals of the same mix;
times GET deals:list for the seller (own and shared deals) and the manager (all deals)
through the test client, in process: 5 warm-up requests, then the median and p90 of 50.
Also prints the queries for 10 against 500 deals, which should be equal.

    DJANGO_SETTINGS_MODULE=mapapp.test_settings .venv/bin/python bench/deal_list.py
"""

import time
from datetime import date, timedelta
from decimal import Decimal

import harness

harness.setup("deal_list")

from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deals.models import Deal, DealShare, Outcome, Stage, Stakeholder
from mapapp.models import Membership, Organization, Role, User
from plans.models import Plan, PlanStatus, Task, TaskStatus

COMPANIES = ["Brandt Maschinenbau", "Kurokawa Precision", "Nusantara Retail", "Meridian Freight",
             "Halden & Price", "Cascade Health", "Northgate", "Aurelia Biotech", "Vogel Logistik", "Pemberton Foods"]
CURRENCIES = ["EUR", "USD", "JPY", "IDR"]
STAGES = list(Stage.values)
PLAN_STATUSES = list(PlanStatus.values)
TASK_STATUSES = list(TaskStatus.values)


def build_org(name: str, n_deals: int) -> dict[str, User]:
    """An organization with a manager, the measured seller, a colleague and `n_deals` deals.

    Rows are bulk-created: the list reads deals, owners, shares, plans and task counts,
    not the activity history, so nothing here needs to go through the services.
    """
    slug = name.lower().replace(" ", "-")
    organization = Organization.objects.create(name=name)
    users = {}
    for role, key in ((Role.MANAGER, "manager"), (Role.SELLER, "seller"), (Role.SELLER, "colleague")):
        users[key] = User.objects.create_user(f"{key}@{slug}.example", "x", name=f"{key.title()} of {name}")
        Membership.objects.create(organization=organization, user=users[key], role=role)
    today = date.today()
    deals = Deal.objects.bulk_create([
        Deal(
            organization=organization,
            name=f"{COMPANIES[i % len(COMPANIES)]}: platform rollout {i + 1}",
            buyer_company=f"{COMPANIES[i % len(COMPANIES)]} {i + 1}",
            amount=Decimal(15_000 + (i * 7919) % 885_000), currency=CURRENCIES[i % 4],
            stage=STAGES[i % len(STAGES)],
            outcome=Outcome.OPEN if i % 5 else (Outcome.WON if i % 10 else Outcome.LOST),
            closed_at=None if i % 5 else timezone.now() - timedelta(days=i % 90),
            owner=users["seller"] if i % 2 else users["colleague"],
            target_close_date=today + timedelta(days=(i % 120) - 30),
            external_id=f"CRM-{100000 + i}",
        )
        for i in range(n_deals)
    ])
    # Some of the colleague's deals are shared with the seller, who then sees them too.
    DealShare.objects.bulk_create([
        DealShare(organization=organization, deal=deal, user=users["seller"])
        for i, deal in enumerate(deals) if i % 2 == 0 and i % 8 == 0
    ])
    Stakeholder.objects.bulk_create([
        Stakeholder(organization=organization, deal=deal, name=f"Champion {i}", title="VP Operations")
        for i, deal in enumerate(deals)
    ])
    plans = Plan.objects.bulk_create([
        Plan(organization=organization, deal=deal, title=f"MAP {deal.buyer_company}",
             status=PLAN_STATUSES[i % len(PLAN_STATUSES)], target_close_date=deal.target_close_date)
        for i, deal in enumerate(deals) if i % 2 == 0
    ])
    Task.objects.bulk_create([
        Task(organization=organization, plan=plan, title=f"Task {t + 1}", order=t + 1,
             status=TASK_STATUSES[(i + t) % len(TASK_STATUSES)], due_date=today + timedelta(days=t * 5 - 20))
        for i, plan in enumerate(plans) for t in range(4 + i % 9)
    ])
    return users


def visible(user: User) -> int:
    membership = Membership.objects.get(user=user)
    return Deal.objects.visible_to(membership).count()


def run() -> None:
    started = time.perf_counter()
    big = build_org("Big Vendor", 500)
    small = build_org("Small Vendor", 10)
    built = time.perf_counter() - started
    harness.analyze()
    url = reverse("deals:list")

    print(f"deal list bench on {connection.vendor} ({connection.settings_dict['NAME']}); data built in {built:.1f} s")
    print(f"{harness.WARMUP} warm-up + {harness.RUNS} timed requests each; first page of the list, default order")
    for role in ("seller", "manager"):
        client = Client()
        client.force_login(big[role])
        figures = harness.measure(client, {"list": url})["list"]
        client.force_login(small[role])
        few = harness.count_queries(client, url)
        print(f"deal list as {role:<7} (sees {visible(big[role])} of 500 deals): median {figures['median']:.1f} ms "
              f"p90 {figures['p90']:.1f} ms, {figures['queries']} queries ({figures['sql_ms']:.1f} ms SQL) | org with 10 deals "
              f"(sees {visible(small[role])}): {few} queries"
              + ("" if few == figures["queries"] else "  <-- NOT EQUAL: something queries per row"))


if __name__ == "__main__":
    harness.run_in_throwaway_db(run)
