"""Celery tasks of plans. Thin: re-load by id inside the organization, render, send."""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.urls import reverse

from deals.models import DecisionRole, Side, Stakeholder
from mapapp.mail import MAIL_TASK_OPTIONS, send_templated

from . import health_store
from .models import AccessRequest, Baseline, Comment, Plan, RoomLink, Task, TaskStatus


def _decider_name(access_request) -> str:
    if access_request.decided_by_user is not None:
        return access_request.decided_by_user.get_full_name()
    if access_request.decided_by_stakeholder is not None:
        return access_request.decided_by_stakeholder.name
    return ""  # self-service


@shared_task(**MAIL_TASK_OPTIONS)
def send_room_invite(*, organization_id: int, link_id: int, url: str, access_request_id: int | None = None) -> None:
    """E-mail a deal room link. Does nothing for a link that is gone, unusable or of another org.
    With `access_request_id`, the mail tells the requester their request was approved (and by whom)."""
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
    approved = None
    if access_request_id is not None:
        approved = (
            AccessRequest.objects.filter(organization_id=organization_id, pk=access_request_id, stakeholder=stakeholder)
            .select_related("decided_by_user", "decided_by_stakeholder")
            .first()
        )
    context = {
        "stakeholder": stakeholder,
        "deal": stakeholder.deal,
        "plan": plan,
        "inviter": link.created_by,
        "url": url,
        "expires_at": link.expires_at,
        "approved": approved,
        "approver": _decider_name(approved) if approved else "",
    }
    send_templated("room-invite", context, to=stakeholder.email, language=stakeholder.language)


@shared_task(**MAIL_TASK_OPTIONS)
def send_access_request_notice(*, organization_id: int, access_request_id: int) -> None:
    """Tell the deal owner and the buyer's champions that someone asked to join the room (or got
    in by self-service). Re-loads within the organization; does nothing for a request that is gone."""
    access_request = (
        AccessRequest.objects.filter(organization_id=organization_id, pk=access_request_id)
        .select_related("plan__deal__owner", "via")
        .first()
    )
    if access_request is None:
        return
    plan = access_request.plan
    deal = plan.deal
    base = {"access_request": access_request, "deal": deal, "plan": plan, "via": access_request.via,
            "self_service": access_request.status == "approved"}
    recipients = []
    if deal.owner.email:
        url = settings.SITE_URL + reverse("plans:detail", kwargs={"plan_id": plan.public_id}) + "#access-requests"
        recipients.append((deal.owner.email, settings.LANGUAGE_CODE, {**base, "for_seller": True, "url": url}))
    champions = Stakeholder.objects.filter(
        organization_id=organization_id, deal_id=deal.pk, side=Side.BUYER, decision_role=DecisionRole.CHAMPION,
    ).exclude(email="").exclude(email__iexact=access_request.email)
    for champion in champions:
        recipients.append((champion.email, champion.language or settings.LANGUAGE_CODE,
                           {**base, "for_seller": False, "recipient": champion}))
    for address, language, context in recipients:
        send_templated("access-request", context, to=address, language=language)


@shared_task(**MAIL_TASK_OPTIONS)
def send_room_change_notice(
    *, organization_id: int, task_id: int, stakeholder_id: int, kind: str, old_status: str = "",
    new_status: str = "", comment_id: int | None = None,
) -> None:
    """E-mail the deal owner that a buyer changed a task's status (kind "status" or "undo") or
    commented on it ("comment"). Objects are re-loaded inside the organization; nothing is sent
    for a task, person or comment that is gone, internal or of another organization."""

    task = (
        Task.objects.filter(organization_id=organization_id, pk=task_id, internal=False)
        .select_related("plan__deal__owner")
        .first()
    )
    stakeholder = Stakeholder.objects.filter(organization_id=organization_id, pk=stakeholder_id).first()
    if task is None or stakeholder is None or stakeholder.deal_id != task.plan.deal_id:
        return
    comment = None
    if kind == "comment":
        comment = Comment.objects.filter(
            organization_id=organization_id, pk=comment_id, task=task, internal=False
        ).first()
        if comment is None:
            return
    owner = task.plan.deal.owner
    if not owner.email:
        return
    labels = dict(TaskStatus.choices)
    context = {
        "owner": owner, "stakeholder": stakeholder, "task": task, "plan": task.plan, "deal": task.plan.deal,
        "kind": kind, "comment": comment, "old_status": labels.get(old_status, old_status),
        "new_status": labels.get(new_status, new_status),
        "url": f"{settings.SITE_URL}{reverse('plans:detail', kwargs={'plan_id': task.plan.public_id})}"
               f"#task-{task.public_id}",
    }
    send_templated("room-change", context, to=owner.email, language=owner.language)


@shared_task(**MAIL_TASK_OPTIONS)
def send_plan_accepted(*, organization_id: int, plan_id: int, baseline_id: int) -> None:
    """E-mail the deal owner that the buyer accepted the plan. Re-loads everything inside the
    organization; does nothing for a plan or baseline that is gone or of another org."""
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
    send_templated("plan-accepted", context, to=owner.email, language=owner.language)


# Derived data ----------------------------------------------------------------------------
_DB_RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": True, "max_retries": 3}


@shared_task(**_DB_RETRY)
def refresh_health(*, organization_id: int, plan_ids: list[int]) -> int:
    """Rewrite the stored health of these plans of the organization (plans.health_store);
    another organization's ids are ignored."""
    return health_store.plans_refresh(organization_id=organization_id, plan_ids=plan_ids)


@shared_task(**_DB_RETRY)
def sweep_health() -> int:
    """Hourly (mapapp.celery): queue a refresh for every open plan whose stored health is for a
    day before its owner's today, in batches per organization. Answers how many were queued."""
    queued = 0
    for organization_id, plan_ids in health_store.stale_plans().items():
        for start in range(0, len(plan_ids), health_store.BATCH):
            refresh_health.delay(organization_id=organization_id, plan_ids=plan_ids[start:start + health_store.BATCH])
        queued += len(plan_ids)
    return queued
