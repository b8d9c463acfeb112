"""What every API view shares: who may call it, how lists page, and how errors look.

The API is scoped exactly like the pages: a member of the current organization (the
tenancy middleware puts `request.membership` on the request), objects through the same
access helpers, and the same 404 for "does not exist" and "belongs to someone else".
A buyer's room session is not an API credential: BuyerSessionMiddleware answers 404 to it
before any API view runs.

Errors, for every resource: 400 `{field: [messages]}` (a service's error that names no field
comes under `non_field_errors`), 404 `{"detail"}`, 409 `{"detail", "code", ...}` with the
current state when an edit was made against a stale version.
"""


from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings

from .dates import check_date_range


class IsMember(BasePermission):
    """A signed-in member of the current organization."""

    def has_permission(self, request, view) -> bool:
        return request.user.is_authenticated and getattr(request._request, "membership", None) is not None


class LookupFirst:
    """For an APIView of one object by its id: `lookup` (the access helper) runs before the
    method is looked at, so a method the view does not have answers 405 only to those who may
    see the object, and 404 to everyone else, like the pages. (A mixin: this module is loaded
    by DRF's settings while rest_framework.views is still being imported.)"""

    def lookup(self, request, **kwargs):
        raise NotImplementedError

    def http_method_not_allowed(self, request, *args, **kwargs):
        self.lookup(request, **kwargs)
        return super().http_method_not_allowed(request, *args, **kwargs)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with a body nested too deep to decode answered 400 like any other
    malformed JSON (the standard library raises RecursionError, which DRF lets through as a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - the body is nested too deeply.")) from None


class Pagination(PageNumberPagination):
    """`?page=` (from 1) and `?page_size=` (up to 200); a page past the end answers 404."""

    page_size_query_param = "page_size"
    max_page_size = 200


class CalendarDateField(serializers.DateField):
    """A calendar date (YYYY-MM-DD, no time zone) within the range of the pages' date fields
    (mapapp.dates): dates are moved by business days and must not run off the calendar's ends."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        try:
            check_date_range(day)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return day


def api_error(error: ValidationError) -> ApiValidationError:
    """A service's ValidationError as the API's 400: its field errors as they are, a
    message that names no field under `non_field_errors`."""
    if hasattr(error, "error_dict"):
        return ApiValidationError(error.message_dict)
    return ApiValidationError({api_settings.NON_FIELD_ERRORS_KEY: error.messages})


# Documented error answers, shared by every endpoint's extend_schema(responses=...).
_DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
FIELD_ERRORS = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "example": {"due_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
    },
    description="Invalid input: the messages by field (`non_field_errors` for the request as a whole). "
    "Nothing was changed.",
)
NOT_SIGNED_IN = OpenApiResponse(response=_DETAIL, description="Not signed in, or not a member of an organization.")
NOT_FOUND = OpenApiResponse(
    response=_DETAIL,
    description="No such object, or one this member may not see (another organization's, a deal not "
    "shared with them): the same answer for both.",
)


def document_auth_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: the 401 and 429 every operation can answer, with
    the same body as its other errors, so no endpoint's description leaves them out."""
    detail = {"application/json": {"schema": _DETAIL}}
    answers = {
        "401": {"description": "No credentials, or a token that is unknown or revoked: send "
                               "`Authorization: Bearer <token>` (the answer's WWW-Authenticate says so).",
                "content": detail},
        "429": {"description": "Too many requests from this user: wait the seconds the Retry-After header "
                               "gives, then try again.", "content": detail},
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                for code, answer in answers.items():
                    operation["responses"].setdefault(code, answer)
    return result

