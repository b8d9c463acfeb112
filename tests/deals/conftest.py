"""The dashboard tests' fixtures: the hand-built organization of dashboard_data.py, seen on its
day (15 June 2026)."""

import pytest
import time_machine

from mapapp.models import Membership
from tests.deals import dashboard_data as data


@pytest.fixture
def frozen():
    with time_machine.travel(data.NOW, tick=False):
        yield


@pytest.fixture
def cast(org, manager, outsider, frozen):
    """The hand-built organization (and the outsider's deals that must never count)."""
    return data.build(org, manager=manager, outsider_org=Membership.objects.get(user=outsider).organization)
