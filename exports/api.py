"""Exports through the API: queue a plan's PDF, then poll it until it is done and download it.

Access helper first (404 for what the member may not see, before the body is read), then the
input serializer, then the same service as the page.
"""

from django.core.exceptions import ValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from mapapp.api import FIELD_ERRORS, NOT_FOUND, NOT_SIGNED_IN, LookupFirst, api_error
from plans.access import get_plan_for_member
from plans.activity import Actor

from . import services
from .access import get_export_for_member
from .models import Audience, Export, ExportStatus


class ExportInputSerializer(serializers.Serializer):
    audience = serializers.ChoiceField(
        choices=Audience.choices, default=Audience.BUYER,
        help_text="`buyer`: the copy to circulate (no internal tasks, no budget). `seller`: internal tasks "
        "marked, the seller's goals and the budget. Neither holds the deal amount.",
    )


class ExportSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    plan = serializers.UUIDField(source="plan.public_id", read_only=True)
    status = serializers.ChoiceField(choices=ExportStatus.choices, read_only=True,
                                     help_text="`queued` → `running` → `done` or `failed`.")
    error = serializers.CharField(read_only=True, help_text="Why it failed, in the requester's language.")
    download_url = serializers.SerializerMethodField(help_text="When `done`: where to GET the PDF (signed-in "
                                                     "session). Null before.")

    class Meta:
        model = Export
        fields = ["id", "plan", "audience", "status", "error", "language", "size", "pages", "created_at",
                  "finished_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, export: Export) -> str | None:
        if export.status != ExportStatus.DONE:
            return None
        path = reverse("exports:export-download", kwargs={"export_id": export.public_id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class PlanExportCreateView(LookupFirst, APIView):
    def lookup(self, request, *, plan_id):
        return get_plan_for_member(request._request, plan_id)

    @extend_schema(
        operation_id="plans_exports_create",
        request=ExportInputSerializer,
        description="Queue a PDF of the plan, rendered in the caller's language by a worker. Poll "
        "`GET /api/v1/exports/{id}/` (the `Location` header) until `status` is `done` or `failed`. "
        "While several exports of the plan are still waiting, the newest one for that audience is answered "
        "instead of queueing another.",
        responses={201: ExportSerializer, 400: FIELD_ERRORS, 403: NOT_SIGNED_IN, 404: NOT_FOUND},
    )
    def post(self, request, plan_id):
        plan = self.lookup(request, plan_id=plan_id)
        data = ExportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            export = services.export_request(plan=plan, actor=Actor(user=request.user),
                                             audience=data.validated_data["audience"])
        except ValidationError as error:
            raise api_error(error) from None
        export.plan = plan
        location = reverse("api:export-detail", kwargs={"export_id": export.public_id})
        return Response(ExportSerializer(export, context={"request": request}).data, status=201,
                        headers={"Location": location})


class ExportDetailView(LookupFirst, APIView):
    def lookup(self, request, *, export_id):
        return get_export_for_member(request._request, export_id)

    @extend_schema(
        operation_id="exports_retrieve",
        description="An export's status and, when `done`, its download URL.",
        responses={200: ExportSerializer, 403: NOT_SIGNED_IN, 404: NOT_FOUND},
    )
    def get(self, request, export_id):
        export = self.lookup(request, export_id=export_id)
        return Response(ExportSerializer(export, context={"request": request}).data)
