"""Celery tasks of plans. Thin: re-load by id inside the organization, render, send."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .models import Plan, RoomLink


@shared_task(autoretry_for=(SMTPException, ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_room_invite(*, organization_id: int, link_id: int, url: str) -> None:
    """E-mail a deal room link. Does nothing for a link that is gone, unusable or of another org."""
    link = (
        RoomLink.objects.filter(organization_id=organization_id, pk=link_id)
        .select_related("stakeholder__deal", "created_by")
        .first()
    )
    if link is None or not link.is_usable or not link.stakeholder.email:
        return
    stakeholder = link.stakeholder
    plan = Plan.objects.filter(organization_id=organization_id, deal_id=stakeholder.deal_id).first()
    if plan is None:
        return
    context = {
        "stakeholder": stakeholder,
        "deal": stakeholder.deal,
        "plan": plan,
        "inviter": link.created_by,
        "url": url,
        "expires_at": link.expires_at,
    }
    with translation.override(stakeholder.language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("emails/room-invite-subject.txt", context).split())
        text = render_to_string("emails/room-invite-body.txt", context)
        html = render_to_string("emails/room-invite-body.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [stakeholder.email])
    message.attach_alternative(html, "text/html")
    message.send()
