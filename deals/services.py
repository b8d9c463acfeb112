"""Creating and changing deals and their stakeholders."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mapapp.concurrency import bump_version, save_versioned
from mapapp.models import Membership, Organization
from mapapp.services import member_remove
from plans.activity import Actor, record
from plans.agreement import note_committed_change
from plans.models import Activity, Plan

from .models import Deal, DealShare, Outcome, Stakeholder

DEAL_FIELDS = ("name", "buyer_company", "amount", "currency", "stage", "owner", "target_close_date", "outcome",
               "external_id", "buyer_email_domains")
STAKEHOLDER_FIELDS = ("side", "name", "title", "email", "phone", "decision_role", "availability", "timezone",
                      "language")


def _check_members(organization: Organization, users) -> None:
    ids = {u.pk for u in users}
    found = set(Membership.objects.filter(organization=organization, user_id__in=ids).values_list("user_id", flat=True))
    if ids - found:
        raise ValidationError(_("Deals can only be owned by or shared with members of your organization."))


def _closed_at(outcome: str, deal: Deal | None):
    if outcome == Outcome.OPEN:
        return None
    if deal is not None and deal.outcome != Outcome.OPEN and deal.closed_at:
        return deal.closed_at
    return timezone.now()


def _set_shares(deal: Deal, shared_with) -> tuple[list[str], list[str]] | None:
    wanted = {u.pk for u in shared_with if u.pk != deal.owner_id}
    before = {share.user_id: str(share.user) for share in deal.shares.select_related("user")}
    if wanted == set(before):
        return None
    deal.shares.exclude(user_id__in=wanted).delete()
    DealShare.objects.bulk_create(
        [DealShare(organization_id=deal.organization_id, deal=deal, user_id=pk) for pk in wanted - set(before)]
    )
    names = {u.pk: str(u) for u in shared_with}
    return sorted(before.values()), sorted(names[pk] for pk in wanted)


@transaction.atomic
def deal_create(*, organization: Organization, actor: Actor, data: dict, shared_with=()) -> Deal:
    """Create a deal owned by a member of the organization."""
    fields = {k: v for k, v in data.items() if k in DEAL_FIELDS}
    fields.setdefault("owner", actor.user)
    _check_members(organization, [fields["owner"], *shared_with])
    fields["closed_at"] = _closed_at(fields.get("outcome", Outcome.OPEN), None)
    deal = Deal.objects.create(organization=organization, **fields)
    _set_shares(deal, shared_with)
    return deal


#: The deal's fields the buyer's room shows.
ROOM_DEAL_FIELDS = frozenset({"name", "buyer_company"})


@transaction.atomic
def deal_update(*, deal: Deal, actor: Actor, version: int, data: dict, shared_with=None) -> dict:
    """Edit a deal against the version the editor saw. Closing it stamps closed_at."""
    fields = {k: v for k, v in data.items() if k in DEAL_FIELDS}
    if "owner" in fields or shared_with:
        _check_members(deal.organization, [*([fields["owner"]] if "owner" in fields else []), *(shared_with or [])])
    if "outcome" in fields:
        fields["closed_at"] = _closed_at(fields["outcome"], deal)
    changed = save_versioned(deal, version=version, fields=fields)
    changed.pop("closed_at", None)
    if shared_with is not None:
        shares = _set_shares(deal, shared_with)
        if shares:
            if not changed:
                bump_version(deal, version=version)
            changed["shared_with"] = shares
    plan = Plan.objects.filter(deal=deal).first()
    if changed and plan is not None:
        # The deal's name and the buyer's company are on the room's page: a change to them is a
        # change of the room (its live refresh and "what changed" see it). Amount, stage, outcome,
        # owner and shares are the seller's business: never shown in the buyer's room.
        shown = {k: v for k, v in changed.items() if k in ROOM_DEAL_FIELDS}
        if shown:
            record(plan=plan, actor=actor, verb="updated", target=deal, changes=shown)
        internal = {k: v for k, v in changed.items() if k not in ROOM_DEAL_FIELDS}
        if internal:
            record(plan=plan, actor=actor, verb="updated", target=deal, changes=internal, internal=True)
    return changed


def _next_order(deal: Deal, side: str) -> int:
    return (Stakeholder.objects.filter(deal=deal, side=side).aggregate(m=Max("order"))["m"] or 0) + 1


@transaction.atomic
def stakeholder_create(*, deal: Deal, actor: Actor, data: dict) -> Stakeholder:
    """Add a person to a deal, on the buyer or the seller side."""
    fields = {k: v for k, v in data.items() if k in STAKEHOLDER_FIELDS}
    fields["email"] = (fields.get("email") or "").lower()
    side = fields.get("side") or "buyer"
    stakeholder = Stakeholder.objects.create(
        organization_id=deal.organization_id, deal=deal, order=_next_order(deal, side), **fields
    )
    plan = Plan.objects.filter(deal=deal).first()
    if plan is not None:
        record(plan=plan, actor=actor, verb="created", target=stakeholder)
    return stakeholder


@transaction.atomic
def stakeholder_update(*, stakeholder: Stakeholder, actor: Actor, version: int, data: dict) -> dict:
    fields = {k: v for k, v in data.items() if k in STAKEHOLDER_FIELDS}
    if "email" in fields:
        fields["email"] = (fields["email"] or "").lower()
    changed = save_versioned(stakeholder, version=version, fields=fields)
    plan = Plan.objects.filter(deal_id=stakeholder.deal_id).first()
    if changed and plan is not None:
        record(plan=plan, actor=actor, verb="updated", target=stakeholder, changes=changed)
    return changed


@transaction.atomic
def stakeholder_delete(*, stakeholder: Stakeholder, actor: Actor) -> None:
    """Remove a person; tasks and risks they owned keep their place, without an owner."""
    plan = Plan.objects.filter(deal_id=stakeholder.deal_id).first()
    if plan is not None:
        owned = stakeholder.tasks.count()
        record(
            plan=plan, actor=actor, verb="deleted", target=stakeholder,
            changes={"owned_tasks": (owned, 0)} if owned else None,
        )
    stakeholder.delete()
    if plan is not None and owned:
        # Their tasks lost their owner: a difference from the agreed version, if there is one.
        note_committed_change(plan, actor)


# Members leaving ------------------------------------------------------------------------------

def deals_owned(organization: Organization) -> dict[int, int]:
    """How many deals each member owns, by user pk (one query)."""
    return dict(
        Deal.objects.filter(organization=organization).order_by().values("owner_id")
        .annotate(n=Count("pk")).values_list("owner_id", "n")
    )


@transaction.atomic
def member_leave(*, membership: Membership, actor: Actor, hand_over_to: Membership | None = None) -> int:
    """Take a member out of the organization, handing the deals they own over to another member
    first: a deal is never left to someone who can no longer open it. Their shares end with them.

    Refused (ValidationError, nothing changed) when they own deals and nobody is named, or the
    one named is not another member of the same organization; and, as for any removal, for the
    last admin. Answers how many deals changed hands (each plan's history says so).
    """
    organization = membership.organization
    owned = list(Deal.objects.select_for_update().filter(organization=organization, owner_id=membership.user_id))
    if owned:
        if hand_over_to is None:
            raise ValidationError(ngettext(
                "%(name)s owns %(count)d deal: choose who takes it over.",
                "%(name)s owns %(count)d deals: choose who takes them over.", len(owned),
            ) % {"name": membership.user, "count": len(owned)}, code="hand_over_needed")
        if hand_over_to.organization_id != organization.pk or hand_over_to.pk == membership.pk:
            raise ValidationError(_("Choose another member of the organization to take the deals over."),
                                  code="hand_over_invalid")
    member_remove(membership=membership)
    DealShare.objects.filter(organization=organization, user_id=membership.user_id).delete()
    if not owned:
        return 0
    new_owner = hand_over_to.user
    # One version more: an editor open on one of these deals meets a stale edit, not a silent undo.
    Deal.objects.filter(pk__in=[d.pk for d in owned]).update(owner=new_owner, version=F("version") + 1)
    # The new owner no longer needs a share of what they own.
    DealShare.objects.filter(organization=organization, user=new_owner, deal__in=owned).delete()
    titles = {d.pk: d for d in owned}
    Activity.objects.bulk_create([
        Activity(organization=organization, plan=plan, actor_user=actor.user, actor_name=actor.name[:150],
                 verb="updated", target_type="deal", target_id=titles[plan.deal_id].public_id,
                 target_label=str(titles[plan.deal_id])[:300], internal=True,
                 changes={"owner": [str(membership.user), str(new_owner)]})
        for plan in Plan.objects.filter(organization=organization, deal__in=owned)
    ])
    return len(owned)
