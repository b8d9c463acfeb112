import datetime

import factory
from factory.django import DjangoModelFactory

from deals.models import Deal, DecisionRole, Side, Stakeholder
from mapapp.models import Membership, Organization, Role, User
from plans.models import Milestone, Plan, Risk, Task, TaskSide

PASSWORD = "correct-horse-battery"


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Vendor {n} GmbH")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@vendor.example")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.SELLER


class DealFactory(DjangoModelFactory):
    class Meta:
        model = Deal

    organization = factory.SubFactory(OrganizationFactory)
    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Platform rollout {n}")
    buyer_company = factory.Faker("company")
    amount = "120000.00"
    currency = "EUR"
    target_close_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=60))


class StakeholderFactory(DjangoModelFactory):
    class Meta:
        model = Stakeholder

    deal = factory.SubFactory(DealFactory)
    organization = factory.SelfAttribute("deal.organization")
    side = Side.BUYER
    name = factory.Faker("name")
    title = "VP Operations"
    email = factory.Sequence(lambda n: f"person{n}@buyer.example")
    decision_role = DecisionRole.CHAMPION


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = Plan

    deal = factory.SubFactory(DealFactory)
    organization = factory.SelfAttribute("deal.organization")
    title = factory.LazyAttribute(lambda o: f"MAP: {o.deal.buyer_company}")


class MilestoneFactory(DjangoModelFactory):
    class Meta:
        model = Milestone

    plan = factory.SubFactory(PlanFactory)
    organization = factory.SelfAttribute("plan.organization")
    title = factory.Sequence(lambda n: f"Milestone {n}")
    order = factory.Sequence(lambda n: n + 1)


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    plan = factory.SubFactory(PlanFactory)
    organization = factory.SelfAttribute("plan.organization")
    title = factory.Sequence(lambda n: f"Task {n}")
    side = TaskSide.SELLER
    due_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=14))
    order = factory.Sequence(lambda n: n + 1)


class RiskFactory(DjangoModelFactory):
    class Meta:
        model = Risk

    plan = factory.SubFactory(PlanFactory)
    organization = factory.SelfAttribute("plan.organization")
    description = factory.Sequence(lambda n: f"Risk {n}")
