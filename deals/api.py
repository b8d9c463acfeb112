"""The deals app's part of the public API (/api/v1/). More resources come with the API issue."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from mapapp.api import LookupFirst
from plans import room_access

from .access import get_stakeholder_for_member


class StakeholderInviteView(LookupFirst, APIView):
    """Create a magic link to the deal room for a buyer-side stakeholder and e-mail it."""

    def lookup(self, request, *, stakeholder_id):
        return get_stakeholder_for_member(request._request, stakeholder_id)

    @extend_schema(
        request=None,
        responses={201: inline_serializer("RoomInvite", {"url": serializers.URLField(), "expires_at": serializers.DateTimeField()})},
    )
    def post(self, request, stakeholder_id):
        stakeholder = self.lookup(request, stakeholder_id=stakeholder_id)
        try:
            link, url = room_access.buyer_invite(stakeholder=stakeholder, invited_by=request.user)
        except ValidationError as error:
            raise ApiValidationError({"detail": error.messages, "code": error.code}) from None
        return Response({"url": url, "expires_at": link.expires_at}, status=201)
