"""The buyer's deal room: opening a magic link, the room page, a fresh link.

Buyer-facing URLs carry no sequential ids, and no token once the link is exchanged. Every
response here says `Referrer-Policy: no-referrer` and is not cached. Members of the seller's
organization who may see the deal get the same room page as a preview.
"""

from uuid import UUID

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.loader import render_to_string
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from deals.models import DecisionRole, Side, Stakeholder
from deals.selectors import split_by_side
from mapapp.http import client_ip

from . import access_requests, agreement, attachments, dependencies, engagement, live, room_access, scheduling
from .access import get_plan_for_member
from .models import (
    Activity,
    Comment,
    Milestone,
    Plan,
    Risk,
    RiskStatus,
    RoomLink,
    Task,
    TaskDependency,
    TaskSide,
    TaskStatus,
)
from .selectors import (
    ACTIVITY_ROW_FIELDS,
    TASK_ROW_FIELDS,
    DateLabels,
    _esc,
    _labels,
    activity_rows,
    milestone_row,
    plan_section_data,
    risk_row,
    row_labels,
    task_row,
    url_prefix,
)

CHANGES_SHOWN = 30
# The plan's fields the room shows; a change to any other (budget, the seller's goals, …) is
# left out of "what changed since your last visit" too.
ROOM_PLAN_FIELDS = frozenset({
    "title", "status", "buyer_objective", "success_criteria", "kpis", "value_proposition", "first_value_date",
    "target_close_date", "go_live_date",
})


def _room_changes(activities: list) -> list:
    """Activity rows as the buyer may read them: plan changes cut to the fields the room shows."""
    rows = []
    for activity in activities:
        if activity.changes:
            if activity.target_type == "plan":
                shown = {k: v for k, v in activity.changes.items() if k in ROOM_PLAN_FIELDS}
            else:
                # A dependency list may name internal tasks.
                shown = {k: v for k, v in activity.changes.items() if k != "depends_on"}
                internal = shown.pop(dependencies.OVERRIDDEN_INTERNAL, None)
                if internal:
                    # An override of internal prerequisites: how many, never their titles.
                    named = (shown.get(dependencies.OVERRIDDEN) or [None, []])[1]
                    shown[dependencies.OVERRIDDEN] = [None, [*named, dependencies.seller_side_steps(len(internal[1]))]]
            if not shown:
                continue
            activity = activity._replace(changes=shown)
        rows.append(activity)
    return rows


def _private(response: HttpResponse) -> HttpResponse:
    """No Referer from these responses (the redirect after the exchange above all, so the next
    request does not carry the token's URL), and no caching.

    Pages keep base.html's `<meta name="referrer" content="same-origin">`, which wins in the
    document: under an effective no-referrer policy browsers send `Origin: null` (and no
    Referer) with a form POST, which Django's CSRF check refuses, so the "Open deal room"
    button would never work. same-origin still sends nothing to other sites.
    """
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response


def _client_ip(request: HttpRequest) -> str:
    return client_ip(request)


def _too_many(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "429.html", status=429))


# Read side -----------------------------------------------------------------------------------

def room_comments(plan: Plan) -> dict[int, list[dict]]:
    """The comments of the room's tasks, oldest first, keyed by task pk (one query). Never a
    seller-internal comment, nor a comment on an internal task."""
    rows = (
        Comment.objects.filter(
            organization_id=plan.organization_id, plan=plan, internal=False, task__isnull=False, task__internal=False
        )
        .order_by("created_at", "id")
        .values_list(
            "task_id", "public_id", "body", "created_at", "author_stakeholder__name", "author_stakeholder__side",
            "author_user__name", "author_user__email", named=True,
        )
    )
    side_labels = dict(Side.choices)
    threads: dict[int, list[dict]] = {}
    for c in rows:
        created = timezone.localtime(c.created_at)
        side = c.author_stakeholder__side or (Side.SELLER if c.author_user__email else "")
        threads.setdefault(c.task_id, []).append({
            "id": str(c.public_id),
            "author": c.author_stakeholder__name or c.author_user__name or c.author_user__email or "",
            "side": side, "side_label": side_labels.get(side, ""),
            "body": c.body,
            "when": naturaltime(c.created_at),
            "when_iso": created.isoformat(),
        })
    return threads


def room_row_text() -> dict[str, str]:
    """Words repeated on every task of the room, translated once per page. Safe as they are,
    like the {% translate %} of a literal in the template they replace (translations are ours)."""
    words = {
        "seller_item": _("Seller's item"), "no_owner": _("no owner"), "overdue": _("Overdue"), "after": _("after:"),
        "status": _("Status"), "blocked_because": _("Blocked because"), "blocked_hint": _("Blocked because…"),
        "update_status": _("Update status"), "propose_date": _("Propose new date"),
        "date_form": _("Open the form for a new date"), "comment_form": _("Write a comment"),
        "no_comments": _("No comments yet."),
    }
    return {key: SafeString(word) for key, word in words.items()}


def status_options() -> dict[str, SafeString]:
    """The status picker's <option>s with each status selected (and none, under ""), built once
    per page; values and labels escaped."""
    choices = [(_esc(value), _esc(label)) for value, label in TaskStatus.choices]
    return {
        current: SafeString("".join(
            f'<option value="{value}"{" selected" if value == current else ""}>{label}</option>'
            for value, label in choices
        ))
        for current in [*TaskStatus.values, ""]
    }


class _CommentCounts(dict):
    """"3 comments" in the active language, once per distinct count."""

    def __missing__(self, count: int) -> str:
        label = self[count] = SafeString(ngettext("%(n)s comment", "%(n)s comments", count) % {"n": count})
        return label


class RoomRowStamps:
    """The buyer's status fields and "Propose new date" of a room row, rendered once per page
    from their partials in room/_task_row.html and stamped with each row's URL, id, version and
    status <option>s (like plans.selectors.RowStamps on the seller's page). The CSRF token
    stays in the row template: these are built before there is a request to render with."""

    URL, KEY, VERSION, OPTIONS = "@@room-url@@", "@@room-key@@", "@@room-version@@", "@@room-options@@"
    ROW = "room/_task_row.html"

    def __init__(self, words: dict):
        context = {"R": words, "u": self.URL, "here": "", "focus": {},
                   "t": {"id": self.KEY, "version": self.VERSION, "status_options": self.OPTIONS}}
        self._status = render_to_string(f"{self.ROW}#status-fields", context)
        self._date = render_to_string(f"{self.ROW}#date-details", context)

    def stamp(self, row: dict) -> None:
        # Row values: a reversed path and a UUID, a number, <option>s built from our labels (escaped).
        row["status_fields"] = SafeString(
            self._status.replace(self.VERSION, row["version"]).replace(self.OPTIONS, row["status_options"])
        )
        row["date_details"] = SafeString(
            self._date.replace(self.URL, row["url_base"]).replace(self.VERSION, row["version"])
        )


def room_page_data(plan: Plan, *, stakeholder: Stakeholder | None, since) -> dict:
    """What the buyer sees, in seven queries whatever the size of the plan.

    Queries: milestones, the tasks that are not internal, dependency links between those,
    the deal's stakeholders, the risks that are not closed, the comments the buyer may read
    (room_comments), the non-internal changes since `since` (the buyer's previous visit; none on
    a first visit), and the files of the tasks that are not internal (plans.attachments); once the
    plan is accepted, the agreed version and, when the plan differs from it, who made the changes
    (two more, see plans.agreement.agreement_data). Nothing internal to the
    seller is loaded, so nothing internal can be shown: not internal tasks (nor their titles
    in "after:" lists), not the deal's amount or stage.
    """
    org_id = plan.organization_id
    today = timezone.localdate()
    dates = DateLabels()
    labels = row_labels()
    milestones = list(
        Milestone.objects.filter(organization_id=org_id, plan=plan)
        .values_list("pk", "public_id", "title", "target_date", "completed_at", "version", named=True)
    )
    tasks = list(
        Task.objects.filter(organization_id=org_id, plan=plan, internal=False).values_list(*TASK_ROW_FIELDS, named=True)
    )
    links = list(
        TaskDependency.objects.filter(
            organization_id=org_id, task__plan=plan, task__internal=False, prerequisite__internal=False
        ).order_by("pk").values_list("task_id", "prerequisite_id")
    )
    stakeholders = list(Stakeholder.objects.filter(organization_id=org_id, deal_id=plan.deal_id))
    risks = list(
        Risk.objects.filter(organization_id=org_id, plan=plan).exclude(status=RiskStatus.CLOSED).values_list(
            "public_id", "description", "probability", "impact", "mitigation", "owner_id", "status", "version",
            named=True,
        )
    )
    comments = room_comments(plan)
    changes = []
    if since is not None:
        changes = _room_changes(
            Activity.objects.filter(organization_id=org_id, plan=plan, internal=False, created_at__gt=since)
            .values_list(*ACTIVITY_ROW_FIELDS, named=True)[:CHANGES_SHOWN]
        )

    people = {s.pk: s for s in stakeholders}
    titles = {t.pk: t.title for t in tasks}
    prerequisites: dict[int, list[str]] = {}
    for task_id, prerequisite_id in links:
        if prerequisite_id in titles:
            prerequisites.setdefault(task_id, []).append(titles[prerequisite_id])
    mine_pk = stakeholder.pk if stakeholder is not None else None
    milestone_keys = {m.pk: str(m.public_id) for m in milestones}
    edit_prefix = url_prefix("plans:room-task", "task_id")
    options = status_options()
    counts = _CommentCounts()
    words = room_row_text()
    # Only a buyer gets the controls (a member's preview shows none).
    stamps = RoomRowStamps(words) if stakeholder is not None else None
    rows, mine, by_milestone = [], [], {}
    for task in tasks:
        owner = people.get(task.owner_id)
        row = task_row(
            task, owner_name=owner.name if owner else "", deps=prerequisites.get(task.pk, []), today=today,
            dates=dates, prefix="", labels=labels, milestone_key=milestone_keys.get(task.milestone_id, ""),
        )
        row["seller_item"] = task.side == TaskSide.SELLER or (owner is not None and owner.side == Side.SELLER)
        row["owner_side"] = owner.side if owner else ""
        row["url_base"] = SafeString(f"{edit_prefix}{row['id']}/")  # a reversed path and a UUID
        row["comments"] = comments.get(task.pk, [])
        row["comment_count"] = len(row["comments"])
        row["comment_summary"] = counts[row["comment_count"]]
        row["status_options"] = options.get(task.status, options[""])
        row["forms"] = False  # the date and comment forms load on demand (plans.room_edits.room_task)
        if stamps is not None:
            stamps.stamp(row)
        rows.append(row)
        by_milestone.setdefault(task.milestone_id, []).append(row)
        if mine_pk is not None and task.owner_id == mine_pk:
            mine.append(row)
    mine.sort(key=lambda r: (r["done"], r["due_date"] is None, r["due_date"] or today))
    attachments.add_files_to_rows(plan, tasks, rows, room=True, stakeholder=stakeholder,
                                  buyer_ids=attachments.buyer_stakeholder_ids(stakeholders))

    groups = [
        {"milestone": milestone_row(m, tasks=by_milestone.get(m.pk, []), today=today, dates=dates, prefix=""),
         "tasks": by_milestone.get(m.pk, [])}
        for m in milestones
    ]
    unassigned = by_milestone.get(None, [])
    buyer_side, seller_side = split_by_side(stakeholders)
    risk_labels = _labels(RiskStatus)
    return {
        **plan_section_data(plan, dates),
        "stakeholder": stakeholder,
        "groups": groups,
        "unassigned": unassigned,
        "rows": rows,
        "status_choices": TaskStatus.choices,
        "R": words,
        "decision_roles": DecisionRole.choices,
        "my_tasks": mine,
        "progress": scheduling.progress(t.status for t in tasks),
        "buyer_stakeholders": buyer_side,
        "seller_stakeholders": seller_side,
        "risks": [
            risk_row(r, owner_name=people[r.owner_id].name if r.owner_id in people else "", prefix="",
                     status_labels=risk_labels)
            for r in risks
        ],
        "first_visit": since is None,
        "changes": activity_rows(changes),
        "changes_more": len(changes) >= CHANGES_SHOWN,
        **agreement.agreement_data(plan, milestones=milestones, tasks=tasks, stakeholders=stakeholders, dates=dates,
                                   viewer=Side.BUYER),
    }


# Views -----------------------------------------------------------------------------------------

def room_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the deal's name and an "Open deal room" button; nothing is spent, nobody signed in
    (mail scanners open links). POST: exchange the token for a session bound to this room."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if room_access.rate_limited(f"room-link:ip:{_client_ip(request)}", room_access.LINK_ATTEMPTS_PER_IP):
        return _too_many(request)
    try:
        link = room_access.link_lookup(token=token)
    except ValidationError as error:
        return _invalid_link(request, token, error)
    if room_access.rate_limited(f"room-link:link:{link.pk}", room_access.LINK_ATTEMPTS_PER_LINK):
        return _too_many(request)
    if request.method == "GET":
        context = {"deal": link.stakeholder.deal, "stakeholder": link.stakeholder, "token": token}
        return _private(render(request, "room/open.html", context))
    try:
        link = room_access.link_exchange(token=token)
    except ValidationError as error:  # revoked or expired between the two requests
        return _invalid_link(request, token, error)
    room_access.room_session_start(request, link)
    plan = link.stakeholder.deal.plan
    return _private(redirect(reverse("plans:room", kwargs={"plan_id": plan.public_id})))


def _invalid_link(request: HttpRequest, token: str, error: ValidationError) -> HttpResponse:
    """A link that does not work: say so, and offer a fresh one (mailed to the address on file)."""
    room = None
    if error.code in ("expired", "revoked"):
        # The room is known from the dead link; the form names it so the request can be matched.
        room = (
            RoomLink.objects.filter(token_hash=room_access.token_hash(token))
            .values_list("stakeholder__deal__plan__public_id", flat=True).first()
        )
    # A dead link still lets a colleague it was forwarded to ask for their own (by the token).
    context = {"message": error.messages[0], "room": room or "", "token": token if room else ""}
    return _private(render(request, "room/invalid.html", context, status=410 if room else 404))


def room_fresh_link(request: HttpRequest) -> HttpResponse:
    """Mail a fresh link to the address typed, if it is on file for that room. The answer is the
    same whatever was typed, so nobody learns who is a stakeholder of what."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    email = (request.POST.get("email") or "").strip().lower()[:254]
    if room_access.rate_limited(f"fresh-link:ip:{_client_ip(request)}", room_access.FRESH_LINKS_PER_IP) or (
        email and room_access.rate_limited(
            f"fresh-link:email:{room_access.token_hash(email)}", room_access.FRESH_LINKS_PER_ADDRESS
        )
    ):
        return _too_many(request)
    try:
        room = UUID(request.POST.get("room") or "")
    except ValueError:
        room = None
    room_access.fresh_link_request(email=email, plan_id=room)
    # No form on this page: without the (per-request random) CSRF token, the answer is the
    # same byte for byte whatever was typed.
    return _private(render(request, "room/fresh_link_sent.html", {"csrf_token": ""}))


def room(request: HttpRequest, plan_id) -> HttpResponse:
    """The deal room: for the buyer whose session is bound to it (who edits it through
    plans.room_edits), and as a read-only preview for members who may see the deal. 404 for
    everyone else."""
    if getattr(request, "membership", None) is not None:
        plan = get_plan_for_member(request, plan_id)
        stamp = live.room_live_context(plan)  # before the data: see plans.live
        data = room_page_data(plan, stakeholder=None, since=None)
        return _private(render(request, "room/room.html", {**data, **stamp, "preview": True}))
    if room_access.SESSION_KEY not in request.session and not request.user.is_authenticated:
        # Someone handed the room's address without a link: the same page for every id (no
        # oracle), pointing to the link e-mail, whose page lets a colleague ask for access.
        return _private(render(request, "room/no_access.html", {"csrf_token": ""}, status=404))
    # This session's own link revoked or expired: the dead-link page (410), not "not found".
    found = live.buyer_plan(request, plan_id)
    if isinstance(found, HttpResponse):
        return found
    plan, link = found
    engagement.record_visit(plan=plan, link=link)
    stamp = live.room_live_context(plan)  # before the data: see plans.live
    data = room_page_data(plan, stakeholder=link.stakeholder, since=link.previous_visit_at)
    if access_requests.is_champion(link.stakeholder):
        data["access_requests"] = access_requests.pending_requests(plan)  # one query, champions only
    # The buyer's last status change, which the row offers to undo (plans.room_edits).
    undo = request.session.get(room_access.UNDO_KEY)
    return _private(render(request, "room/room.html", {**data, **stamp, "preview": False, "undo": undo}))
