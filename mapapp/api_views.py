"""The two shapes most API resources take, written once: a parent's children (list, create) and
one versioned child (read, PATCH against its version, DELETE). A resource names its model,
serializer, access helper and services; the views do the rest the same way for all:

- the access helper first (404 for what the member may not see, before the body is read);
- input through the resource's serializer (400 by field), the service's ValidationError as 400;
- PATCH requires `version`; a stale one answers 409 with the object as stored now;
- 201 with Location on create, 204 on delete.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import LookupFirst, api_error
from .concurrency import StaleEdit


def stale_response(name: str, serializer: type[serializers.Serializer]) -> OpenApiResponse:
    """The documented 409 of a versioned edit (VersionedView.patch): `current` is the object as
    stored now."""
    return OpenApiResponse(
        inline_serializer(f"Stale{name}", {"detail": serializers.CharField(), "code": serializers.CharField(),
                                           "current": serializer()}),
        description=f"The {name.lower()} changed since `version`: nothing was saved; `current` is how it is "
        "stored now.",
    )


def service_error(error: ValidationError) -> Exception:
    """A service's refusal as the API's 400 (a view may answer some refusals its own way)."""
    return api_error(error)


class ChildrenView(LookupFirst, generics.GenericAPIView):
    """GET: the parent's children, paginated. POST: a new child (`create(parent, actor_user, data)`)."""

    parent_kwarg: str
    get_parent: Callable  # (request, public id) -> parent, or Http404
    detail_name: str  # the URL name of one child
    detail_kwarg: str

    def lookup(self, request, **kwargs):
        return type(self).get_parent(request._request, kwargs[self.parent_kwarg])

    def children(self, parent):
        raise NotImplementedError

    def create(self, parent, user, data: dict):
        raise NotImplementedError

    def context_for(self, parent, objects) -> dict:
        return {"parent": parent}

    service_error = staticmethod(service_error)

    def get(self, request, **kwargs):
        parent = self.lookup(request, **kwargs)
        page = self.paginate_queryset(self.children(parent))
        serializer = self.get_serializer_class()(page, many=True, context=self.context_for(parent, page))
        return self.get_paginated_response(serializer.data)

    def post(self, request, **kwargs):
        parent = self.lookup(request, **kwargs)
        data = self.get_serializer_class()(data=request.data, context={**self.context_for(parent, []),
                                                                        "request": request})
        data.is_valid(raise_exception=True)
        try:
            obj = self.create(parent, request.user, dict(data.validated_data))
        except ValidationError as error:
            raise self.service_error(error) from None
        body = self.get_serializer_class()(obj, context=self.context_for(parent, [obj])).data
        location = reverse(self.detail_name, kwargs={self.detail_kwarg: obj.public_id})
        return Response(body, status=201, headers={"Location": location})


class VersionedView(LookupFirst, APIView):
    """GET one child; PATCH it against `version` (`update(obj, user, version, data)`); DELETE it
    (`delete(obj, user)`)."""

    kwarg: str
    get_object_for: Callable  # (request, public id) -> object, or Http404
    serializer_class: type[serializers.Serializer]
    edit_serializer_class: type[serializers.Serializer]
    stale_message: str

    def lookup(self, request, **kwargs):
        return type(self).get_object_for(request._request, kwargs[self.kwarg])

    def context_for(self, obj) -> dict:
        return {"parent": self.parent_of(obj)}

    def parent_of(self, obj):
        return None

    service_error = staticmethod(service_error)

    def update(self, obj, user, version: int, data: dict) -> None:
        raise NotImplementedError

    def delete_object(self, obj, user) -> None:
        raise NotImplementedError

    def answer(self, request, obj, **extra) -> Response:
        fresh = self.lookup(request, **{self.kwarg: obj.public_id})
        return Response(self.serializer_class(fresh, context=self.context_for(fresh)).data, **extra)

    def get(self, request, **kwargs):
        return self.answer(request, self.lookup(request, **kwargs))

    def patch(self, request, **kwargs):
        obj = self.lookup(request, **kwargs)
        data = self.edit_serializer_class(obj, data=request.data, partial=True,
                                          context={**self.context_for(obj), "request": request})
        data.is_valid(raise_exception=True)
        given = dict(data.validated_data)
        if "version" not in given:
            raise ApiValidationError({"version": [_("Send the version you read: edits without it are refused.")]})
        version = given.pop("version")
        try:
            self.update(obj, request.user, version, given)
        except StaleEdit as stale:
            if stale.current is None:
                raise Http404 from None
            current = self.lookup(request, **kwargs)
            return Response({"detail": str(self.stale_message), "code": "stale_version",
                             "current": self.serializer_class(current, context=self.context_for(current)).data},
                            status=409)
        except ValidationError as error:
            raise self.service_error(error) from None
        return self.answer(request, obj)

    def delete(self, request, **kwargs):
        obj = self.lookup(request, **kwargs)
        self.delete_object(obj, request.user)
        return Response(status=204)
