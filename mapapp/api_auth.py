"""How API requests authenticate and how fast they may come.

- `BearerTokenAuthentication`: `Authorization: Bearer mapapp_…`, a personal API token
  (mapapp.api_tokens). It puts the token's membership on the request, exactly where the
  tenancy middleware puts a session's, so every API view scopes the same way. A bad token
  answers 401 with `WWW-Authenticate: Bearer`, never a page of another organization.
- The session of the app's own pages works too (SessionAuthentication, with its CSRF check).
- `ApiRateThrottle`: requests per user and minute (settings.API_RATE_PER_MINUTE) in the
  shared cache; past it 429 with `Retry-After`.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.throttling import UserRateThrottle

from . import api_tokens
from .timezones import zone


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # no token: the session may still authenticate
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>."))
        try:
            token = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("That token is not valid.")) from None
        found = api_tokens.api_token_authenticate(token)
        if found is None:
            raise exceptions.AuthenticationFailed(_("That token is not valid, or it was revoked."))
        row, membership = found
        # Where the tenancy middleware puts a session's membership: the views scope by it.
        request._request.membership = membership
        request._request.organization = membership.organization
        # And the user's own "today", as mapapp.timezones gives a signed-in member.
        chosen = zone(row.user.timezone)
        timezone.activate(chosen) if chosen else timezone.deactivate()
        return row.user, row

    def authenticate_header(self, request) -> str:
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "mapapp.api_auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "A personal API token, made on the API tokens page (mapapp_…)."}


class ApiRateThrottle(UserRateThrottle):
    """Per user (per address when anonymous), `settings.API_RATE_PER_MINUTE` requests a minute."""

    scope = "api"

    def get_rate(self) -> str:
        return f"{settings.API_RATE_PER_MINUTE}/min"
