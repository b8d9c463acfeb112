"""Celery tasks of the core app. Thin: re-load by id inside the organization, render, send."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .models import Invitation


@shared_task(autoretry_for=(SMTPException, ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_member_invite(*, organization_id: int, invitation_id: int, url: str) -> None:
    """E-mail an invitation link. Does nothing for an invitation that is gone, used or of another org."""
    invitation = (
        Invitation.objects.filter(organization_id=organization_id, pk=invitation_id)
        .select_related("organization", "invited_by")
        .first()
    )
    if invitation is None or not invitation.is_usable:
        return
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "inviter": inviter,
        "url": url,
        "expires_at": invitation.expires_at,
    }
    # The invitee has no language yet: write in the inviter's.
    with translation.override(inviter.language if inviter else settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("emails/member-invite-subject.txt", context).split())
        text = render_to_string("emails/member-invite-body.txt", context)
        html = render_to_string("emails/member-invite-body.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()
