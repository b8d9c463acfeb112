"""What every API view shares: who may call it.

The API is scoped exactly like the pages: a member of the current organization (the
tenancy middleware puts `request.membership` on the request), objects through the same
access helpers, and the same 404 for "does not exist" and "belongs to someone else".
A buyer's room session is not an API credential: BuyerSessionMiddleware answers 404 to it
before any API view runs.
"""

from rest_framework.permissions import BasePermission


class IsMember(BasePermission):
    """A signed-in member of the current organization."""

    def has_permission(self, request, view) -> bool:
        return request.user.is_authenticated and getattr(request._request, "membership", None) is not None
