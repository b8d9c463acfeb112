"""Celery tasks of the core app. Thin: re-load by id inside the organization, render, send."""

from celery import shared_task

from .mail import MAIL_TASK_OPTIONS, send_templated
from .models import Invitation


@shared_task(**MAIL_TASK_OPTIONS)
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
    send_templated("member-invite", context, to=invitation.email, language=inviter.language if inviter else "")
