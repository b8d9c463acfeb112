"""The one way in to exports: for a member, an export of a plan they may see; in the deal
room, a buyer's copy of that room's plan. The same Http404 for every other case."""

from uuid import UUID

from django.http import Http404, HttpRequest

from deals.access import visible_deals
from plans import room_access

from .models import Audience, Export


def get_export_for_member(request: HttpRequest, export_id: UUID) -> Export:
    """An export of a plan the member may see (either audience), else Http404."""
    export = (
        Export.objects.for_org(request.organization)
        .filter(public_id=export_id, plan__deal__in=visible_deals(request))
        .select_related("plan__deal")
        .first()
    )
    if export is None:
        raise Http404
    return export


def get_export_for_room(request: HttpRequest, export_id: UUID) -> Export:
    """A buyer's copy of the room's plan: for the buyer of the session's link, or for a member
    previewing a room they may see. Seller copies, other rooms' exports: Http404."""
    if getattr(request, "membership", None) is not None:
        export = get_export_for_member(request, export_id)
    else:
        link = room_access.link_for_session(request)
        if link is None:
            raise Http404
        plan = link.stakeholder.deal.plan
        export = (
            Export.objects.for_org(link.organization_id)
            .filter(public_id=export_id, plan=plan)
            .select_related("plan__deal")
            .first()
        )
    if export is None or export.audience != Audience.BUYER:
        raise Http404
    return export
