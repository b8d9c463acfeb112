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


@shared_task(autoretry_for=(SMTPException, ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_plan_accepted(*, organization_id: int, plan_id: int, baseline_id: int) -> None:
    """E-mail the deal owner that the buyer accepted the plan. Re-loads everything inside the
    organization; does nothing for a plan or baseline that is gone or of another org."""
    from django.urls import reverse

    from .models import Baseline

    plan = (
        Plan.objects.filter(organization_id=organization_id, pk=plan_id, agreed_at__isnull=False)
        .select_related("deal__owner")
        .first()
    )
    if plan is None:
        return
    baseline = Baseline.objects.filter(organization_id=organization_id, plan=plan, pk=baseline_id).first()
    owner = plan.deal.owner
    if baseline is None or not owner.email:
        return
    snapshot = baseline.snapshot or {}
    context = {
        "owner": owner,
        "deal": plan.deal,
        "plan": plan,
        "name": baseline.confirmed_by_name,
        "title": baseline.confirmed_by_title,
        "agreed_at": plan.agreed_at,
        "milestones": len(snapshot.get("milestones", {})),
        "tasks": len(snapshot.get("tasks", {})),
        "url": f"{settings.SITE_URL}{reverse('plans:detail', kwargs={'plan_id': plan.public_id})}",
    }
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("emails/plan-accepted-subject.txt", context).split())
        text = render_to_string("emails/plan-accepted-body.txt", context)
        html = render_to_string("emails/plan-accepted-body.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [owner.email])
    message.attach_alternative(html, "text/html")
    message.send()
