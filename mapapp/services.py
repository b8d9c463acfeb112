"""Organizations, members and invitations: the rules, without requests.

Authorization (who may call these) is checked by the views; these functions check the
data rules: unique e-mails, one membership per organization, at least one admin left,
invitation tokens that are stored only as a hash and work once, within seven days.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Invitation, Membership, Organization, Role, User
from .tasks import send_member_invite

INVITATION_LIFETIME = timedelta(days=7)


def normalize_email(email: str) -> str:
    """E-mails are compared and stored lower-case; User.objects.create_user does the same."""
    return (email or "").strip().lower()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('invitation-accept', kwargs={'token': token})}"


def _duplicate_email_error() -> ValidationError:
    return ValidationError(
        {"email": _("An account with this e-mail address already exists. Log in instead, or ask your admin to invite you.")},
        code="duplicate_email",
    )


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")}, code="invalid_role")


@transaction.atomic
def organization_signup(
    *, organization_name: str, email: str, name: str, password: str, time_zone: str = "UTC"
) -> Membership:
    """Create a user, their organization and their admin membership, all or nothing.

    Raises ValidationError when the e-mail already has an account.
    """
    email = normalize_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise _duplicate_email_error()
    try:
        # A savepoint, so a concurrent sign-up with the same e-mail turns into the same message.
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, name=name.strip(), timezone=time_zone or "UTC"
            )
    except IntegrityError:
        raise _duplicate_email_error() from None
    organization = Organization.objects.create(name=organization_name.strip())
    return Membership.objects.create(organization=organization, user=user, role=Role.ADMIN)


@transaction.atomic
def member_invite(*, organization: Organization, invited_by: User, email: str, role: str) -> tuple[Invitation, str]:
    """Invite a colleague by e-mail; answers the invitation and the link that was mailed.

    The raw token exists only in the link: the row keeps its sha256. Earlier pending
    invitations of the same address to this organization are revoked, so only the newest
    link works. The e-mail is sent after the transaction commits.
    """
    email = normalize_email(email)
    _check_role(role)
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError(
            {"email": _("%(email)s is already a member of this organization.") % {"email": email}},
            code="already_member",
        )
    now = timezone.now()
    Invitation.objects.filter(
        organization=organization, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by=invited_by,
        expires_at=now + INVITATION_LIFETIME,
    )
    url = invitation_url(token)
    organization_id, invitation_id = organization.pk, invitation.pk
    transaction.on_commit(
        lambda: send_member_invite.delay(organization_id=organization_id, invitation_id=invitation_id, url=url)
    )
    return invitation, url


def invitation_get_usable(*, token: str, lock: bool = False) -> Invitation:
    """The pending invitation behind a token; ValidationError when unknown, used, revoked or expired."""
    qs = Invitation.objects.select_related("organization")
    if lock:
        qs = qs.select_for_update(of=("self",))
    invitation = qs.filter(token_hash=token_hash(token or "")).first()
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid."), code="invalid")
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."), code="used")
    if invitation.revoked_at is not None:
        raise ValidationError(_("This invitation has been withdrawn."), code="revoked")
    if invitation.expires_at <= timezone.now():
        raise ValidationError(_("This invitation has expired."), code="expired")
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, name: str = "", password: str | None = None, user: User | None = None, time_zone: str = "UTC"
) -> Membership:
    """Accept an invitation: the invited person joins the organization with the invited role.

    When the invited e-mail has no account yet, one is created with `name` and `password`.
    When it has one, `user` must be that account (the person signed in), so a leaked link
    cannot be used to sign in as someone else. The invitation works once.
    """
    invitation = invitation_get_usable(token=token, lock=True)
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if existing is not None:
        if user is None or user.pk != existing.pk:
            raise ValidationError(
                _("An account for %(email)s already exists. Log in with it to accept this invitation.")
                % {"email": invitation.email},
                code="login_required",
            )
        member = existing
    else:
        if not password:
            raise ValidationError({"password": _("Choose a password.")}, code="password_required")
        try:
            with transaction.atomic():
                member = User.objects.create_user(
                    email=invitation.email, password=password, name=name.strip(), timezone=time_zone or "UTC"
                )
        except IntegrityError:
            raise _duplicate_email_error() from None
    membership, _created = Membership.objects.get_or_create(
        organization=invitation.organization, user=member, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation; its link stops working at once."""
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted; remove the member instead."), code="used")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def _refuse_if_last_admin(membership: Membership, message: str) -> None:
    # Lock the organization's admin rows so two admins demoting each other cannot both win.
    admins = list(
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Role.ADMIN)
        .values_list("pk", flat=True)
    )
    if admins == [membership.pk]:
        raise ValidationError(message, code="last_admin")


@transaction.atomic
def member_change_role(*, membership: Membership, role: str) -> Membership:
    """Give a member another role; an organization always keeps at least one admin."""
    _check_role(role)
    if membership.role == Role.ADMIN and role != Role.ADMIN:
        _refuse_if_last_admin(
            membership, _("%(name)s is the only admin. Make someone else an admin first.") % {"name": membership.user}
        )
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, membership: Membership) -> None:
    """Take a member out of the organization (the user account stays, as do their deals).

    The last admin cannot be removed.
    """
    if membership.role == Role.ADMIN:
        _refuse_if_last_admin(
            membership, _("%(name)s is the only admin and cannot be removed.") % {"name": membership.user}
        )
    membership.delete()
