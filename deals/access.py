"""The one way in to deals and stakeholders for a signed-in member.

Every helper raises the same Http404 for "does not exist" and "not yours" (another
tenant's, or a deal a seller has not been given), so ids cannot be probed.
"""

from uuid import UUID

from django.http import Http404, HttpRequest

from mapapp.tenancy import membership_or_404

from .models import Deal, Stakeholder


def visible_deals(request: HttpRequest):
    """The deals the current member may see, as a queryset to build on."""
    return Deal.objects.visible_to(membership_or_404(request))


def get_deal_for_member(request: HttpRequest, deal_id: UUID) -> Deal:
    """The deal with this public id if the member may see it, else Http404."""
    deal = visible_deals(request).select_related("owner").filter(public_id=deal_id).first()
    if deal is None:
        raise Http404
    return deal


def get_stakeholder_for_member(request: HttpRequest, stakeholder_id: UUID) -> Stakeholder:
    """A stakeholder of a deal the member may see, else Http404."""
    membership = membership_or_404(request)
    stakeholder = (
        Stakeholder.objects.for_org(membership.organization_id)
        .filter(public_id=stakeholder_id, deal__in=Deal.objects.visible_to(membership))
        .select_related("deal")
        .first()
    )
    if stakeholder is None:
        raise Http404
    return stakeholder
