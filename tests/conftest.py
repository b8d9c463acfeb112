"""The fixed cast: a seller, a manager and an admin of one organization, and an outsider
from another. Every view test asks what the outsider gets (404)."""

import pytest

from mapapp.models import Role
from plans.activity import Actor
from tests import factories


@pytest.fixture
def org(db):
    return factories.OrganizationFactory(name="Acme Software")


@pytest.fixture
def admin(org):
    return factories.MembershipFactory(organization=org, role=Role.ADMIN, user__name="Ada Admin").user


@pytest.fixture
def manager(org):
    return factories.MembershipFactory(organization=org, role=Role.MANAGER, user__name="Max Manager").user


@pytest.fixture
def seller(org):
    return factories.MembershipFactory(organization=org, role=Role.SELLER, user__name="Sam Seller").user


@pytest.fixture
def other_seller(org):
    return factories.MembershipFactory(organization=org, role=Role.SELLER, user__name="Olga Other").user


@pytest.fixture
def outsider(db):
    """An admin of another organization: sees everything of theirs, nothing of ours."""
    other = factories.OrganizationFactory(name="Rival Inc")
    return factories.MembershipFactory(organization=other, role=Role.ADMIN, user__name="Rita Rival").user


@pytest.fixture
def deal(org, seller):
    return factories.DealFactory(organization=org, owner=seller, name="Northwind rollout", buyer_company="Northwind")


@pytest.fixture
def plan(deal):
    return factories.PlanFactory(deal=deal, organization=deal.organization)


@pytest.fixture
def buyer(deal):
    """A buyer-side stakeholder of the deal (the champion)."""
    return factories.StakeholderFactory(deal=deal, name="Sarah Chen", title="VP Operations")


@pytest.fixture
def seller_actor(seller):
    return Actor(user=seller)


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def seller_client(client, seller):
    return login(client, seller)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the real Redis (db 15 in tests): start each test at zero.
    Only this run's keys (test_settings gives them a prefix of its own), not the whole db."""
    from django.conf import settings
    from django.core.cache import cache

    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    if prefix and hasattr(cache, "_cache"):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()
    yield
