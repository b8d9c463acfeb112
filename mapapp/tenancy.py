"""The current organization on the request, and the access rules that follow from it."""

from django.http import Http404, HttpRequest

from .models import Membership

SESSION_KEY = "organization_id"


class OrganizationMiddleware:
    """Put `request.membership` and `request.organization` on every signed-in request.

    A user in several organizations works in the one chosen in the session (the first
    membership otherwise). Nothing is loaded for anonymous requests.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.membership = None
        request.organization = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = Membership.objects.filter(user=user).select_related("organization")
            chosen = request.session.get(SESSION_KEY)
            membership = None
            if chosen is not None:
                membership = memberships.filter(organization_id=chosen).first()
            if membership is None:
                membership = memberships.order_by("created_at").first()
            if membership is not None:
                request.membership = membership
                request.organization = membership.organization
        return self.get_response(request)


def membership_or_404(request: HttpRequest) -> Membership:
    """The signed-in member's current membership, or Http404 for anyone else."""
    membership = getattr(request, "membership", None)
    if membership is None:
        raise Http404
    return membership


def organization_context(request: HttpRequest) -> dict:
    return {
        "current_org": getattr(request, "organization", None),
        "current_membership": getattr(request, "membership", None),
    }
