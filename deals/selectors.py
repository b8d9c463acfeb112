"""Read-side queries for deal pages: the list with its filters, and stakeholders by side."""

from django.conf import settings
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.fields import DateTimeField
from django.db.models.functions import Coalesce, Lower

from plans.models import Plan, RoomLink, Task, TaskStatus

from .models import Deal, DecisionRole, Side, Stakeholder

ORDERINGS = {
    "-created": ("-created_at", "-id"),
    "created": ("created_at", "id"),
    "close": (F("target_close_date").asc(nulls_last=True), "id"),
    "-close": (F("target_close_date").desc(nulls_last=True), "-id"),
    "-amount": (F("amount").desc(nulls_last=True), "-id"),
    "amount": (F("amount").asc(nulls_last=True), "id"),
    "name": (Lower("name"), "id"),
    "-name": (Lower("name").desc(), "-id"),
}
DEFAULT_ORDERING = "-created"


def _task_count(**filters):
    tasks = (
        Task.objects.filter(organization_id=OuterRef("organization_id"), plan__deal_id=OuterRef("pk"), **filters)
        .order_by()
        .values("plan_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(tasks, output_field=IntegerField()), Value(0))


def deal_search(
    deals: QuerySet[Deal], *, q: str = "", stage: str = "", outcome: str = "", owner=None, sort: str = ""
) -> QuerySet[Deal]:
    """Narrow and order a queryset of visible deals; one query however many rows.

    Each row carries its owner, its plan (or None) and the plan's task counts
    (`task_total`, `task_done`) as correlated subqueries, so no join multiplies rows.
    """
    if q:
        deals = deals.filter(
            Q(name__icontains=q) | Q(buyer_company__icontains=q) | Q(external_id__icontains=q)
        )
    if stage:
        deals = deals.filter(stage=stage)
    if outcome:
        deals = deals.filter(outcome=outcome)
    if owner is not None:
        deals = deals.filter(owner=owner)
    return (
        deals.select_related("owner", "plan")
        .annotate(task_total=_task_count(), task_done=_task_count(status=TaskStatus.DONE))
        .order_by(*ORDERINGS.get(sort, ORDERINGS[DEFAULT_ORDERING]))
    )


# When each person's last usable deal room link expires, as a correlated subquery for the
# stakeholders query (whose table is not aliased). Raw like plans.selectors.COMMENT_COUNT:
# the same Subquery() built by the ORM costs the plan page more to compile than to run.
ROOM_UNTIL = RawSQL(
    'SELECT MAX("{link}"."expires_at") FROM "{link}" WHERE "{link}"."{fk}" = "{person}"."{pk}"'
    ' AND "{link}"."revoked_at" IS NULL AND "{link}"."expires_at" > CURRENT_TIMESTAMP'.format(
        link=RoomLink._meta.db_table, fk=RoomLink._meta.get_field("stakeholder").column,
        person=Stakeholder._meta.db_table, pk=Stakeholder._meta.pk.column,
    ),
    (),
    output_field=DateTimeField(),
)


def with_room_access(stakeholders: QuerySet[Stakeholder]) -> QuerySet[Stakeholder]:
    """Each person with `room_until`: when their last usable deal room link expires (None without
    one). In the same query, so the section costs no query per person."""
    return stakeholders.annotate(room_until=ROOM_UNTIL)


def stakeholders_by_side(deal: Deal) -> tuple[list[Stakeholder], list[Stakeholder]]:
    """The deal's people as (buyer side, seller side), each in its own order."""
    return split_by_side(with_room_access(Stakeholder.objects.filter(organization_id=deal.organization_id, deal=deal)))


def split_by_side(stakeholders) -> tuple[list[Stakeholder], list[Stakeholder]]:
    """(buyer side, seller side), each person carrying `role_label` and `language_label`.

    The labels are translated once per call: get_FOO_display() hashes every (lazy) choice
    on each call, which costs more than the rest of a stakeholder's row.
    """
    roles = {value: str(label) for value, label in DecisionRole.choices}
    languages = {code: str(name) for code, name in settings.LANGUAGES}
    buyer, seller = [], []
    for stakeholder in stakeholders:
        stakeholder.role_label = roles.get(stakeholder.decision_role, "")
        stakeholder.language_label = languages.get(stakeholder.language, "")
        (seller if stakeholder.side == Side.SELLER else buyer).append(stakeholder)
    return buyer, seller


def plan_of(deal: Deal) -> Plan | None:
    """The deal's plan, or None before one is started."""
    return Plan.objects.filter(organization_id=deal.organization_id, deal=deal).first()
