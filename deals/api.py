"""The deals app's part of the public API (/api/v1/): deals (list with filters and ordering,
create, read, edit against a version; never deleted: a deal is closed by its outcome) and the
invitation of a buyer-side stakeholder to the deal room.

Every view: access helper (404 for what the member may not see, before the body is read) →
serializer (shape) → the page's service → JSON. Owners are named by e-mail, the way a CRM
knows its users.
"""

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from mapapp.api import (
    FIELD_ERRORS,
    NOT_FOUND,
    NOT_SIGNED_IN,
    CalendarDateField,
    LookupFirst,
    api_error,
)
from mapapp.api_views import ChildrenView, VersionedView, stale_response
from mapapp.models import User
from mapapp.timezones import timezone_choices
from plans import room_access
from plans.activity import Actor

from . import services
from .access import get_deal_for_member, get_stakeholder_for_member, visible_deals
from .forms import ISO_4217, members_of
from .models import Deal, Outcome, Stage, Stakeholder

ORDERINGS = ("created_at", "-created_at", "updated_at", "-updated_at", "name", "-name", "target_close_date",
             "-target_close_date", "amount", "-amount")


@extend_schema_field(OpenApiTypes.EMAIL)
class OwnerField(serializers.Field):
    """A member of the organization, by e-mail."""

    def to_representation(self, user) -> str:
        return user.email

    def to_internal_value(self, data) -> User:
        if not isinstance(data, str) or len(data) > 254:
            raise serializers.ValidationError(_("Give the owner's e-mail address."))
        email = data.strip().lower()
        user = members_of(self.context["request"].organization).filter(email=email).first()
        if user is None:
            raise serializers.ValidationError(_("No member of the organization has that e-mail address."))
        return user


class DealSerializer(serializers.ModelSerializer):
    """A deal as the contract names it. `version` is the one to send back with an edit."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, coerce_to_string=True,
                                      allow_null=True, required=False)
    currency = serializers.CharField(max_length=3, required=False, help_text="ISO 4217, e.g. EUR.")
    owner = OwnerField(required=False, help_text="The owner's e-mail: a member of the organization "
                                                  "(yourself when left out on create).")
    owner_name = serializers.CharField(source="owner.get_full_name", read_only=True)
    target_close_date = CalendarDateField(required=False, allow_null=True)
    plan = serializers.SerializerMethodField(help_text="The deal's plan id, or null before one is started.")

    class Meta:
        model = Deal
        fields = ("id", "name", "buyer_company", "amount", "currency", "stage", "owner", "owner_name",
                  "target_close_date", "outcome", "closed_at", "external_id", "created_at", "updated_at", "plan",
                  "version")
        read_only_fields = ("closed_at", "created_at", "updated_at", "version")

    def get_plan(self, deal) -> str | None:
        try:
            return str(deal.plan.public_id)
        except Deal.plan.RelatedObjectDoesNotExist:
            return None

    def validate_currency(self, value: str) -> str:
        code = value.strip().upper()
        if code not in ISO_4217:
            raise serializers.ValidationError(_("“%(code)s” is not an ISO 4217 currency code.") % {"code": code})
        return code

    def validate_name(self, value: str) -> str:
        return value.strip()

    def validate_buyer_company(self, value: str) -> str:
        return value.strip()


class DealEditSerializer(DealSerializer):
    version = serializers.IntegerField(min_value=1, help_text="The version the edit was made against.")

    class Meta(DealSerializer.Meta):
        read_only_fields = ("closed_at", "created_at", "updated_at")


class DealFilterSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
    owner = serializers.EmailField(required=False, help_text="The owner's e-mail.")
    updated_since = serializers.DateTimeField(required=False, help_text="Only deals changed at or after this time.")
    ordering = serializers.ChoiceField(choices=ORDERINGS, required=False, help_text="Default: -created_at.")


STALE_DEAL = stale_response("Deal", DealSerializer)


class DealListView(generics.ListCreateAPIView):
    """The deals the member may see (all of the organization's for admins and managers; own and
    shared ones for sellers)."""

    serializer_class = DealSerializer

    def get_queryset(self):
        return visible_deals(self.request._request).select_related("owner", "plan")

    @extend_schema(
        operation_id="deals_list", parameters=[DealFilterSerializer],
        description="The deals the member may see, paginated; filter by `stage`, `outcome`, `owner` (e-mail) "
        "and `updated_since`, order by `ordering`.",
        responses={200: DealSerializer(many=True), 400: FIELD_ERRORS, 403: NOT_SIGNED_IN,
                   404: OpenApiResponse(description="A page past the end.")},
    )
    def get(self, request):
        filters = DealFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        deals = self.get_queryset()
        for key in ("stage", "outcome"):
            if key in given:
                deals = deals.filter(**{key: given[key]})
        if "owner" in given:
            deals = deals.filter(owner__email__iexact=given["owner"])
        if "updated_since" in given:
            deals = deals.filter(updated_at__gte=given["updated_since"])
        deals = deals.order_by(given.get("ordering", "-created_at"), "-pk")
        page = self.paginate_queryset(deals)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="deals_create", request=DealSerializer,
        responses={201: DealSerializer, 400: FIELD_ERRORS, 403: NOT_SIGNED_IN},
    )
    def post(self, request):
        data = DealSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        try:
            deal = services.deal_create(organization=request.organization, actor=Actor(user=request.user),
                                        data=data.validated_data)
        except ValidationError as error:
            raise api_error(error) from None
        location = reverse("api:deal-detail", kwargs={"deal_id": deal.public_id})
        return Response(DealSerializer(deal).data, status=201, headers={"Location": location})


@extend_schema_view(
    get=extend_schema(operation_id="deals_retrieve", responses={200: DealSerializer, 403: NOT_SIGNED_IN,
                                                                 404: NOT_FOUND}),
    patch=extend_schema(
        operation_id="deals_partial_update", request=DealEditSerializer,
        description="Change some of the deal's fields. `version` is required: the edit is saved only if the deal "
        "is still at that version, else 409 with the deal as stored now. Setting `outcome` to won or lost "
        "closes the deal (and stamps `closed_at`); deals are never deleted.",
        responses={200: DealSerializer, 400: FIELD_ERRORS, 403: NOT_SIGNED_IN, 404: NOT_FOUND, 409: STALE_DEAL},
    ),
)
class DealDetailView(VersionedView):
    kwarg, get_object_for = "deal_id", get_deal_for_member
    serializer_class, edit_serializer_class = DealSerializer, DealEditSerializer
    stale_message = gettext_lazy("Someone else changed this deal meanwhile; nothing was saved.")
    http_method_names = ("get", "patch", "head", "options")  # deals are closed, not deleted

    def update(self, deal, user, version, data):
        services.deal_update(deal=deal, actor=Actor(user=user), version=version, data=data)


# Stakeholders ----------------------------------------------------------------------------------

class StakeholderSerializer(serializers.ModelSerializer):
    """A person on either side of the deal. `version` is the one to send back with an edit."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    deal = serializers.UUIDField(source="deal.public_id", read_only=True)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    timezone = serializers.ChoiceField(choices=[z for z, _label in timezone_choices()], required=False,
                                       allow_blank=True, help_text="An IANA zone, e.g. Europe/Berlin.")

    class Meta:
        model = Stakeholder
        fields = ("id", "deal", "side", "name", "title", "email", "phone", "decision_role", "availability",
                  "timezone", "language", "version")
        read_only_fields = ("version",)

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("Give the person's name."))
        return value


class StakeholderEditSerializer(StakeholderSerializer):
    version = serializers.IntegerField(min_value=1, help_text="The version the edit was made against.")

    class Meta(StakeholderSerializer.Meta):
        read_only_fields = ()


def _stakeholder_schema():
    stale = stale_response("Stakeholder", StakeholderSerializer)
    return (
        extend_schema_view(
            get=extend_schema(operation_id="deals_stakeholders_list", description="Both sides' people of the deal.",
                              responses={200: StakeholderSerializer(many=True), 403: NOT_SIGNED_IN, 404: NOT_FOUND}),
            post=extend_schema(operation_id="deals_stakeholders_create", request=StakeholderSerializer,
                               responses={201: StakeholderSerializer, 400: FIELD_ERRORS, 403: NOT_SIGNED_IN,
                                          404: NOT_FOUND}),
        ),
        extend_schema_view(
            get=extend_schema(operation_id="stakeholders_retrieve",
                              responses={200: StakeholderSerializer, 403: NOT_SIGNED_IN, 404: NOT_FOUND}),
            patch=extend_schema(operation_id="stakeholders_partial_update", request=StakeholderEditSerializer,
                                description="Change some fields; `version` is required (409 when stale).",
                                responses={200: StakeholderSerializer, 400: FIELD_ERRORS, 403: NOT_SIGNED_IN,
                                           404: NOT_FOUND, 409: stale}),
            delete=extend_schema(operation_id="stakeholders_destroy",
                                 description="Remove the person; their tasks and risks stay, without an owner.",
                                 responses={204: None, 403: NOT_SIGNED_IN, 404: NOT_FOUND}),
        ),
    )


STAKEHOLDERS_SCHEMA, STAKEHOLDER_SCHEMA = _stakeholder_schema()


@STAKEHOLDERS_SCHEMA
class DealStakeholderListView(ChildrenView):
    serializer_class = StakeholderSerializer
    parent_kwarg, get_parent = "deal_id", get_deal_for_member
    detail_name, detail_kwarg = "api:stakeholder-detail", "stakeholder_id"

    def children(self, deal):
        return Stakeholder.objects.filter(organization_id=deal.organization_id, deal=deal).select_related("deal")

    def create(self, deal, user, data):
        return services.stakeholder_create(deal=deal, actor=Actor(user=user), data=data)


@STAKEHOLDER_SCHEMA
class StakeholderDetailView(VersionedView):
    kwarg, get_object_for = "stakeholder_id", get_stakeholder_for_member
    serializer_class, edit_serializer_class = StakeholderSerializer, StakeholderEditSerializer
    stale_message = gettext_lazy("Someone else changed this person meanwhile; nothing was saved.")

    def update(self, stakeholder, user, version, data):
        services.stakeholder_update(stakeholder=stakeholder, actor=Actor(user=user), version=version, data=data)

    def delete_object(self, stakeholder, user):
        services.stakeholder_delete(stakeholder=stakeholder, actor=Actor(user=user))


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
