"""Personal API tokens: a member makes one for the current organization, names it, sees it
once, and revokes it. Only the token's sha256 is stored; a request presents the token as
`Authorization: Bearer mapapp_…` (mapapp.api_auth).

A token acts as its user in its organization, with the user's role there today: one removed
from the organization, or whose token was revoked, is refused.
"""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, Membership
from .services import token_hash

PREFIX = "mapapp_"
#: Active tokens one member may hold in one organization.
MAX_ACTIVE = 20
#: `last_used_at` is written at most this often per token (a busy integration would otherwise
#: write on every request).
TOUCH_EVERY = datetime.timedelta(minutes=1)



def api_token_create(*, membership: Membership, name: str) -> tuple[ApiToken, str]:
    """Make a token for the member in their organization. Answers the row and the token itself,
    which is never stored and cannot be shown again. ValidationError for an empty or long name,
    or past MAX_ACTIVE tokens."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the integration that uses it.")})
    if len(name) > 100:
        raise ValidationError({"name": _("Keep the name under 100 characters.")})
    active = ApiToken.objects.filter(organization_id=membership.organization_id, user_id=membership.user_id,
                                     revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE:
        raise ValidationError(_("You have %(count)d active tokens; revoke one you no longer use first.")
                              % {"count": active})
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(organization_id=membership.organization_id, user_id=membership.user_id,
                                  name=name, prefix=token[:12], token_hash=token_hash(token))
    return row, token


def api_token_revoke(*, token: ApiToken) -> None:
    """End the token at once (its next request is refused). Revoking twice changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=token.revoked_at)


def api_token_authenticate(token: str) -> tuple[ApiToken, Membership] | None:
    """The active token and its member's current membership, or None (unknown, revoked, or
    its user no longer a member of the token's organization). Two queries; a third, at most
    once a minute, notes when the token was last used."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = ApiToken.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True).select_related("user").first()
    if row is None or not row.user.is_active:
        return None
    membership = (Membership.objects.filter(organization_id=row.organization_id, user_id=row.user_id)
                  .select_related("organization").first())
    if membership is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row, membership


def tokens_of(membership: Membership):
    """The member's tokens in their organization, newest first (revoked ones too)."""
    return ApiToken.objects.filter(organization_id=membership.organization_id, user_id=membership.user_id)
