"""Read side of the plan page: load a plan in a fixed number of queries, shape it for templates.

Everything here answers plain dicts and lists. Grouping, progress, overdue counts and
dependency titles are computed in Python from lists loaded once, so the page costs the
same number of queries for 5 tasks as for 100; dates are formatted once per distinct date
(localized) so the template does no per-row filtering.
"""

import datetime
import functools
import html
import uuid
from collections import Counter

from django.apps import apps
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from deals.models import Side, Stakeholder
from deals.selectors import split_by_side, with_room_access

from . import (
    agreement,
    attachments,
    health_data,
    health_text,
    plan_templates,
    rescheduling,
    scheduling,
    slips,
)
from .activity import change_rows
from .models import (
    Activity,
    Comment,
    Milestone,
    Plan,
    Risk,
    RiskStatus,
    RoomLink,
    RoomVisit,
    Task,
    TaskDependency,
    TaskSide,
    TaskStatus,
)

PAGE = "plans/plan.html"
ACTIVITY_ON_PAGE = 15
TASK_ROW_FIELDS = (
    "pk", "public_id", "title", "status", "side", "owner_id", "due_date", "internal", "blocked_reason", "version",
    "milestone_id", "duration_days",
)
# Per person, for the plan's health (plans.health_data.health_from): ever sent a room link,
# and when they were last in this plan's room. In the stakeholders' own query.
INVITED = Exists(RoomLink.objects.filter(stakeholder_id=OuterRef("pk")))


def last_visit_in(plan: Plan):
    return Subquery(
        RoomVisit.objects.filter(organization_id=plan.organization_id, plan_id=plan.pk, stakeholder_id=OuterRef("pk"))
        .order_by("-last_seen_at").values("last_seen_at")[:1]
    )


ACTIVITY_ROW_FIELDS = ("verb", "actor_name", "target_type", "target_label", "changes", "internal", "created_at")

_ZERO = uuid.UUID(int=0)

# Each task's number of comments, as a correlated subquery for the plan page's tasks query (whose
# table is not aliased). annotate(Count("comments")) gives the same numbers, but its join and
# GROUP BY take the ORM about 0.3 ms longer to compile on every plan page (bench/plan_page.py),
# and a grouped query silently drops Meta.ordering.
COMMENT_COUNT = RawSQL(
    'SELECT COUNT(*) FROM "{comment}" WHERE "{comment}"."{task_fk}" = "{task}"."{task_pk}"'.format(
        comment=Comment._meta.db_table, task_fk=Comment._meta.get_field("task").column,
        task=Task._meta.db_table, task_pk=Task._meta.pk.column,
    ),
    (),
)


def url_prefix(name: str, kwarg: str) -> str:
    """The URL of `name` up to its object id: `prefix + public_id + "/"` is the object's URL.

    Building per-row URLs by concatenation keeps `reverse()` out of loops of 100 rows;
    tests check the result against reverse() for every row URL. Remembered per URLconf and
    script prefix: a page asks for about ten, each a reverse() otherwise.
    """
    return _url_prefix(name, kwarg, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@functools.lru_cache(maxsize=256)
def _url_prefix(name: str, kwarg: str, urlconf, script_prefix: str) -> str:
    url = reverse(name, kwargs={kwarg: _ZERO}, urlconf=urlconf)
    return url[: url.index(str(_ZERO))]


class DateLabels:
    """Localized dates (DATE_FORMAT of the active language), formatted once per distinct date.

    Date formats of the languages we ship use only day, month and year letters; for those,
    the month part is taken from Django's formatter once per month and the rest is plain
    string work, which makes a page of 100 distinct due dates cheap. Any other format goes
    through django.utils.formats.date_format unchanged.
    """

    _FAST = {"d", "j", "Y", "y", "n", "m", "N", "F", "M", "b", "E"}
    _MONTH = {"n", "m", "N", "F", "M", "b", "E"}

    def __init__(self):
        self._cache: dict[datetime.date, str] = {}
        self._months: dict[int, dict[str, str]] = {}
        fmt = formats.get_format("DATE_FORMAT")
        self._tokens = None if "\\" in fmt or any(c.isascii() and c.isalpha() and c not in self._FAST for c in fmt) else fmt

    def _format(self, value: datetime.date) -> str:
        if self._tokens is None:
            return formats.date_format(value, "DATE_FORMAT")
        month = self._months.get(value.month)
        if month is None:
            sample = dateformat.DateFormat(value)
            month = self._months[value.month] = {c: str(getattr(sample, c)()) for c in self._MONTH}
        parts = []
        for c in self._tokens:
            if c in month:
                parts.append(month[c])
            elif c == "j":
                parts.append(str(value.day))
            elif c == "d":
                parts.append(f"{value.day:02d}")
            elif c == "Y":
                parts.append(str(value.year))
            elif c == "y":
                parts.append(f"{value.year % 100:02d}")
            else:
                parts.append(c)
        return "".join(parts)

    def __call__(self, value: datetime.date | None) -> str:
        if value is None:
            return ""
        label = self._cache.get(value)
        if label is None:
            label = self._cache[value] = _esc(self._format(value))
        return label


def _esc(value) -> SafeString:
    """django.utils.html.escape without its lazy-string wrapper (rows hold plain strings)."""
    return SafeString(html.escape(str(value)))


def _labels(choices) -> dict[str, str]:
    return {value: _esc(label) for value, label in choices.choices}


# Rows ------------------------------------------------------------------------------------
#
# Row values are escaped here, once, and handed to the template as safe strings: escaping is
# a large part of what a Django template spends on a row, and a value that is already safe
# skips it. Everything a person typed goes through _esc(); nothing is marked safe unseen.

def row_text() -> dict[str, str]:
    """Words repeated on every row, translated (and escaped) once per page instead of once per row."""
    words = {
        "mark_done": _("Mark done"), "reopen": _("Reopen"), "internal": _("Internal"), "no_owner": _("no owner"),
        "overdue": _("Overdue"), "after": _("after:"), "edit": _("Edit"), "delete": _("Delete"),
        "move_up": _("Move up"), "move_down": _("Move down"), "new_task": _("New task"),
        "add_task_placeholder": _("Add a task…"), "side": _("Side"), "owner": _("Owner"),
        "owner_none": _("— owner —"), "due_date": _("Due date"), "add_task": _("Add task"),
        "buyer": _("Buyer"), "seller": _("Seller"), "joint": _("Joint"), "target": _("target"),
        "complete": _("Complete"), "no_tasks": _("No tasks here yet."), "score_title": _("probability × impact"),
        "mitigation": _("Mitigation:"), "changed_to": _("changed to"), "comments": _("Comments"),
        "files": _("Files"),
    }
    return {key: _esc(word) for key, word in words.items()}


def row_labels() -> dict:
    """Choice labels in the active language, looked up once per page rather than per row."""
    return {
        "status": _labels(TaskStatus), "side": _labels(TaskSide),
        "mark_done": _esc(_("Mark done")), "reopen": _esc(_("Reopen")),
    }


class RowStamps:
    """Parts of a task row whose markup repeats across rows, rendered once per page.

    The actions (comments, edit, move, delete) differ between rows only by the row's URL: the
    `task-actions` partial is rendered once with a placeholder and stamped with each URL.
    The badges depend on (status, side, internal) only: one render per combination.
    The comment count link depends on the count and the row: one render per count, stamped
    with the row's URL and id.
    All partials live in plans/plan.html like the rest of the row.
    """

    MARK = "@@row-url@@"
    KEY = "@@row-key@@"
    # The badges' four values, stamped in like the URL: (status, side) pairs are many, and a
    # render per pair cost more than the rest of the row building together.
    STATUS, STATUS_LABEL, SIDE, SIDE_LABEL = "@@status@@", "@@status-label@@", "@@side@@", "@@side-label@@"

    def __init__(self, context: dict):
        self.context = context
        self._actions = render_to_string(f"{PAGE}#task-actions", {**context, "u": self.MARK})
        self._badge_marks: dict[bool, str] = {}
        self._badges: dict[tuple, str] = {}
        self._counts: dict[int, str] = {}

    def actions(self, url: str) -> str:
        return SafeString(self._actions.replace(self.MARK, url))  # url: a reversed path and a UUID

    def badges(self, status: str, side: str, internal: bool, labels: dict) -> str:
        key = (status, side, internal)
        if key not in self._badges:
            if internal not in self._badge_marks:
                self._badge_marks[internal] = render_to_string(f"{PAGE}#task-badges", {
                    **self.context, "status": self.STATUS, "side": self.SIDE, "internal": internal,
                    "status_label": self.STATUS_LABEL, "side_label": self.SIDE_LABEL,
                })
            # Escaped as the template would: labels come escaped from _labels(), values through _esc().
            self._badges[key] = SafeString(
                self._badge_marks[internal]
                .replace(self.STATUS_LABEL, labels["status"].get(status) or _esc(status))
                .replace(self.SIDE_LABEL, labels["side"].get(side) or _esc(side))
                .replace(self.STATUS, _esc(status))
                .replace(self.SIDE, _esc(side))
            )
        return self._badges[key]

    def comment_count(self, url: str, key: str, count: int) -> str:
        if count not in self._counts:
            self._counts[count] = comment_count_html(self.MARK, self.KEY, count)
        # url: a reversed path and a UUID; key: a UUID
        return SafeString(self._counts[count].replace(self.MARK, url).replace(self.KEY, key))


def comment_count_html(url: str, key: str, count: int, *, oob: bool = False) -> str:
    """The row's comment count (a speech bubble and the number), a link to the task's comments.
    With no comments it is rendered hidden, as the target that an out-of-band update fills in
    once the first comment is added."""
    return render_to_string(f"{PAGE}#task-comment-count", {"u": url, "k": key, "n": count, "oob": oob})


def task_row(
    task, *, owner_name: str, deps: list[str], today, dates: DateLabels, prefix: str, labels: dict,
    milestone_key: str = "", stamps: RowStamps | None = None,
) -> dict:
    """One task as the row shows it. `task` is a Task or a row with the fields of TASK_ROW_FIELDS
    (and `comment_count`, when the row shows it)."""
    done = task.status == TaskStatus.DONE
    overdue = bool(task.due_date and task.due_date < today and not done)
    key = str(task.public_id)
    url = SafeString(f"{prefix}{key}/")
    comments = getattr(task, "comment_count", 0)
    badges = stamps.badges(task.status, task.side, task.internal, labels) if stamps else ""
    if stamps and comments:
        # The count sits with the badges: one value to print per row, not two.
        badges = SafeString(badges + stamps.comment_count(url, key, comments))
    return {
        "actions": stamps.actions(url) if stamps else "",
        "badges": badges,
        "comment_count": comments,
        "id": SafeString(key),  # a UUID: nothing to escape
        "cls": SafeString("task-row is-done" if done else "task-row is-overdue" if overdue else "task-row"),
        "pressed": SafeString("true" if done else "false"),
        "check_label": labels["reopen"] if done else labels["mark_done"],
        "url": url,
        "title": _esc(task.title),
        "status": _esc(task.status),
        "status_label": labels["status"].get(task.status) or _esc(task.status),
        "side": _esc(task.side),
        "side_label": labels["side"].get(task.side) or _esc(task.side),
        "owner": _esc(owner_name) if owner_name else "",
        "due": dates(task.due_date),
        "due_iso": SafeString(task.due_date.isoformat()) if task.due_date else "",
        "due_date": task.due_date,
        "overdue": overdue,
        "deps": _esc(", ".join(deps)) if deps else "",
        "internal": task.internal,
        "blocked_reason": _esc(task.blocked_reason) if task.status == TaskStatus.BLOCKED and task.blocked_reason else "",
        "version": SafeString(str(task.version)),
        "done": done,
        "toggle": SafeString(TaskStatus.NOT_STARTED if done else TaskStatus.DONE),
        "group": milestone_key,
    }


def milestone_row(milestone: Milestone, *, tasks: list[dict], today, dates: DateLabels, prefix: str) -> dict:
    done = sum(1 for t in tasks if t["done"])
    key = str(milestone.public_id)
    complete = milestone.completed_at is not None
    return {
        "id": key,
        "url": f"{prefix}{key}/",
        "title": milestone.title,
        "target": dates(milestone.target_date),
        "target_date": milestone.target_date,
        "overdue": bool(milestone.target_date and milestone.target_date < today and not complete),
        "complete": complete,
        "version": milestone.version,
        "done": done,
        "total": len(tasks),
        "progress": _("%(done)s of %(total)s done") % {"done": done, "total": len(tasks)},
    }


def risk_row(risk: Risk, *, owner_name: str, prefix: str, status_labels: dict) -> dict:
    score = risk.probability * risk.impact
    key = str(risk.public_id)
    return {
        "id": key,
        "url": f"{prefix}{key}/",
        "description": risk.description,
        "probability": risk.probability,
        "impact": risk.impact,
        "score": score,
        "level": "high" if score >= 15 else "medium" if score >= 8 else "low",
        "mitigation": risk.mitigation,
        "owner": owner_name,
        "status": risk.status,
        "status_label": status_labels.get(risk.status, risk.status),
        "closed": risk.status == RiskStatus.CLOSED,
        "version": risk.version,
    }


def _verb_sentence(verb: str) -> str:
    # Spelled out so makemessages finds each sentence; word order is the translator's.
    if verb == "created":
        return _("{actor} added {type} “{target}”")
    if verb == "updated":
        return _("{actor} changed {type} “{target}”")
    if verb == "deleted":
        return _("{actor} deleted {type} “{target}”")
    if verb == "commented":
        return _("{actor} commented on {type} “{target}”")
    if verb == "invited":
        return _("{actor} invited {type} “{target}” to the deal room")
    if verb == "rescheduled":
        return _("{actor} moved the due date of {type} “{target}”")
    if verb == "reverted":
        return _("{actor} undid a status change of {type} “{target}”")
    if verb == "moved":
        return _("{actor} moved {type} “{target}”")
    if verb == "revoked":
        return _("{actor} revoked the deal room access of {type} “{target}”")
    if verb == "access_approved":
        return _("{actor} approved the access request of {type} “{target}” and sent them a link")
    if verb == "access_self_service":
        return _("{type} “{target}” got a deal room link by self-service (buyer e-mail domain)")
    if verb == "access_declined":
        return _("{actor} declined the access request of “{target}”")
    if verb == "attached":
        return _("{actor} attached a file to {type} “{target}”")
    if verb == "detached":
        return _("{actor} deleted a file of {type} “{target}”")
    if verb == "accepted":
        return _("{actor} accepted {type} “{target}”")
    if verb == "confirmed":
        return _("{actor} confirmed the changes to {type} “{target}”")
    if verb == "checkin_held":  # checkins.services
        return _("{actor} held the check-in of {type} “{target}”")
    if verb == "checkin_notes":
        return _("{actor} wrote the check-in notes of {type} “{target}”")
    return "{actor} " + verb + " {type} “{target}”"


def _type_label(target_type: str, cache: dict) -> str:
    if target_type not in cache:
        label = target_type
        for app_label in ("plans", "deals"):
            try:
                label = str(apps.get_model(app_label, target_type)._meta.verbose_name)
                break
            except LookupError:
                continue
        cache[target_type] = label
    return cache[target_type]


def _clip(value: str, limit: int = 300) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _stamp(moment: datetime.datetime, cache: dict) -> str:
    # Entries come in bursts: format each minute once.
    minute = moment.replace(second=0, microsecond=0)
    if minute not in cache:
        cache[minute] = formats.date_format(minute, "DATETIME_FORMAT")
    return cache[minute]


def activity_section(plan: Plan, *, limit: int = ACTIVITY_ON_PAGE) -> dict:
    """The history card of the plan page on its own (one query): the latest `limit` changes."""
    activities = list(
        Activity.objects.filter(organization_id=plan.organization_id, plan=plan)
        .values_list(*ACTIVITY_ROW_FIELDS, named=True)[:limit]
    )
    return {"activities": activity_rows(activities), "activity_more": len(activities) >= limit}


def activity_rows(activities) -> list[dict]:
    """Each activity as a sentence, when (relative and absolute) and its before→after rows."""
    types: dict = {}
    sentences: dict = {}
    stamps: dict = {}
    rows = []
    for activity in activities:
        if activity.verb not in sentences:
            sentences[activity.verb] = _verb_sentence(activity.verb)
        created = timezone.localtime(activity.created_at)
        rows.append({
            "sentence": format_html(
                sentences[activity.verb],
                actor=format_html("<strong>{}</strong>", activity.actor_name),
                type=_type_label(activity.target_type, types),
                target=activity.target_label,
            ),
            "when": naturaltime(activity.created_at),
            "when_iso": created.isoformat(),
            "when_full": _stamp(created, stamps),
            "changes": [
                (_esc(label), "" if old == "—" else _esc(_clip(old)), _esc(_clip(new)))
                for label, old, new in change_rows(activity)
            ],
            "internal": activity.internal,
        })
    return rows


def comment_rows(task: Task) -> list[dict]:
    """A task's comments, oldest first, as its thread shows them (one query)."""
    comments = (
        Comment.objects.filter(organization_id=task.organization_id, task=task)
        .select_related("author_user", "author_stakeholder")
        .order_by("created_at", "id")
    )
    side_labels = dict(Side.choices)
    stamps: dict = {}
    rows = []
    for comment in comments:
        created = timezone.localtime(comment.created_at)
        stakeholder = comment.author_stakeholder
        rows.append({
            "id": str(comment.public_id),
            "author": comment.author_name or _("Unknown author"),
            # Buyers comment as stakeholders (from the deal room): say which side they are on.
            "side": stakeholder.side if stakeholder else "",
            "side_label": side_labels.get(stakeholder.side, "") if stakeholder else "",
            "body": comment.body,
            "internal": comment.internal,
            "when": naturaltime(comment.created_at),
            "when_iso": created.isoformat(),
            "when_full": _stamp(created, stamps),
        })
    return rows


def owner_options_html(stakeholders: list[Stakeholder], selected: str = ""):
    """The <option>s of an owner select, grouped by side; built once, reused by every quick-add form."""
    groups = []
    for side, label in Side.choices:
        people = [s for s in stakeholders if s.side == side]
        if people:
            options = format_html_join(
                "", '<option value="{}"{}>{}</option>',
                ((s.public_id, " selected" if str(s.public_id) == selected else "", s.name) for s in people),
            )
            groups.append(format_html('<optgroup label="{}">{}</optgroup>', label, options))
    return format_html_join("", "{}", ((g,) for g in groups))


def slip_lines(task_slips: list[dict]) -> list[SafeString]:
    """A task's slips as the row shows them, newest first: "slipped 7 days — reason — by X"."""
    lines = []
    for slip in task_slips:
        text = ngettext("slipped %(days)d day", "slipped %(days)d days", slip["days"]) % {"days": slip["days"]}
        if slip["reason"]:
            text += f" — {slip['reason']}"
        text += " — " + _("by %(name)s") % {"name": slip["by"]}
        lines.append(_esc(text))
    return lines


# The page --------------------------------------------------------------------------------

def plan_section_data(plan: Plan, dates: DateLabels | None = None) -> dict:
    """What the plan's own sections (summary, goals, value) show; no query."""
    dates = dates or DateLabels()
    today = timezone.localdate()
    return {
        "plan": plan,
        "deal": plan.deal,
        "dates": {
            "target_close": dates(plan.target_close_date),
            "go_live": dates(plan.go_live_date),
            "first_value": dates(plan.first_value_date),
            "next_checkin": dates(plan.next_checkin_date),
        },
        "decision_overdue": bool(plan.target_close_date and plan.target_close_date < today),
        "checkin_overdue": bool(plan.next_checkin_date and plan.next_checkin_date < today),
    }


def plan_page_data(plan: Plan, *, activity_limit: int = ACTIVITY_ON_PAGE) -> dict:
    """Everything the plan page shows, in seven queries whatever the size of the plan.

    Queries: milestones, tasks (with their comment counts), dependency links, the deal's
    stakeholders, risks, the slips (plans.slips), the latest activity, and the files of all
    tasks (plans.attachments); once the buyer accepted the plan, the agreed version and, when the
    plan differs from it, who made the changes (two more, see plans.agreement.agreement_data).
    `plan` must come with its deal loaded (plans.access does that).
    """
    labels = row_labels()
    org_id = plan.organization_id
    today = timezone.localdate()
    dates = DateLabels()

    # Plain rows (named tuples) rather than model instances: the page only reads them.
    milestones = list(
        Milestone.objects.filter(organization_id=org_id, plan=plan)
        .values_list("pk", "public_id", "title", "target_date", "completed_at", "version", named=True)
    )
    tasks = list(
        Task.objects.filter(organization_id=org_id, plan=plan)
        .annotate(comment_count=COMMENT_COUNT)
        .values_list(*TASK_ROW_FIELDS, "comment_count", named=True)
    )
    links = list(
        TaskDependency.objects.filter(organization_id=org_id, task__plan=plan)
        .order_by("pk")
        .values_list("task_id", "prerequisite_id", "lag_days")
    )
    stakeholders = list(with_room_access(Stakeholder.objects.filter(organization_id=org_id, deal_id=plan.deal_id))
                        .annotate(invited=INVITED, last_visit=last_visit_in(plan)))
    buyer_stakeholders, seller_stakeholders = split_by_side(stakeholders)
    risks = list(
        Risk.objects.filter(organization_id=org_id, plan=plan).values_list(
            "public_id", "description", "probability", "impact", "mitigation", "owner_id", "status", "version",
            named=True,
        )
    )
    history = activity_section(plan, limit=activity_limit)
    slip_rows = slips.slip_rows(organization_id=org_id, plan_id=plan.pk)
    slipped = slips.slip_summaries(slip_rows, dates)
    baseline = agreement.newest_baseline(plan) if plan.agreed_at is not None else None

    people = {s.pk: s.name for s in stakeholders}
    milestones_by_pk = {m.pk: m for m in milestones}
    milestone_of_task = {t.pk: t.milestone_id for t in tasks}
    titles = {t.pk: t.title for t in tasks}
    keys = {t.pk: str(t.public_id) for t in tasks}
    prerequisites: dict[int, list[str]] = {}
    dependants: dict[str, list[str]] = {}
    lags: dict[int, dict[int, int]] = {}
    for task_id, prerequisite_id, lag in links:
        lags.setdefault(task_id, {})[prerequisite_id] = lag
        prerequisites.setdefault(task_id, []).append(titles.get(prerequisite_id, "?"))
        dependants.setdefault(keys.get(prerequisite_id, ""), []).append(keys.get(task_id, ""))

    text = row_text()
    confirm = {
        "task": _("Delete this task?"),
        "milestone": _("Delete this milestone? Its tasks stay in the plan, unassigned."),
        "risk": _("Delete this risk?"),
    }
    stamps = RowStamps({"L": text, "confirm": confirm})
    task_prefix = url_prefix("plans:task", "task_id")
    rows_by_milestone: dict[int | None, list[dict]] = {}
    rows = []
    for task in tasks:
        milestone = milestones_by_pk.get(task.milestone_id)
        row = task_row(
            task, owner_name=people.get(task.owner_id, ""), deps=prerequisites.get(task.pk, []),
            today=today, dates=dates, prefix=task_prefix, labels=labels,
            milestone_key=str(milestone.public_id) if milestone else "", stamps=stamps,
        )
        task_slips = slipped.get(task.pk)
        # One safe string per row (escaped in slip_lines), not a loop in the row template.
        row["slips"] = SafeString("".join(f'\n<span class="slip">{line}</span>' for line in slip_lines(task_slips))
                                  ) if task_slips else ""
        rows.append(row)
        rows_by_milestone.setdefault(milestone.pk if milestone else None, []).append(row)
    attachments.add_files_to_rows(plan, tasks, rows, room=False, buyer_ids=attachments.buyer_stakeholder_ids(stakeholders))

    milestone_prefix = url_prefix("plans:milestone", "milestone_id")
    groups = [
        {
            "key": str(m.public_id),
            "milestone": milestone_row(
                m, tasks=rows_by_milestone.get(m.pk, []), today=today, dates=dates, prefix=milestone_prefix
            ),
            "tasks": rows_by_milestone.get(m.pk, []),
        }
        for m in milestones
    ]
    unassigned = {"key": "none", "milestone": None, "tasks": rows_by_milestone.get(None, [])}

    progress = scheduling.progress(t.status for t in tasks)
    overdue = Counter(r["side"] for r in rows if r["overdue"])
    side_labels = labels["side"]
    progress["overdue"] = sum(overdue.values())
    progress["overdue_by_side"] = [
        {"side": side, "label": side_labels[side], "count": overdue.get(side, 0)} for side in TaskSide.values
    ]
    progress["blocked"] = sum(1 for t in tasks if t.status == TaskStatus.BLOCKED)
    # The open-step count near the tasks heading, from the rows already loaded (no query).
    progress["open"] = progress["total"] - progress["done"]
    progress["too_many_open"] = plan_templates.too_many_open_steps(progress["open"])

    risk_prefix = url_prefix("plans:risk", "risk_id")
    risk_labels = _labels(RiskStatus)
    risk_rows = [
        risk_row(r, owner_name=people.get(r.owner_id, ""), prefix=risk_prefix, status_labels=risk_labels)
        for r in risks
    ]

    next_milestone = next((g["milestone"] for g in groups if not g["milestone"]["complete"]), None)
    return {
        **plan_section_data(plan, dates),
        "L": text,
        "task_add_url": reverse("plans:task-add", kwargs={"plan_id": plan.public_id}),
        "today": today,
        "groups": groups,
        "unassigned": unassigned,
        "tasks": rows,
        "tasks_by_id": {r["id"]: r for r in rows},
        "dependants": dependants,
        "progress": progress,
        "next_milestone": next_milestone,
        "risks": risk_rows,
        "stakeholders": stakeholders,
        "buyer_stakeholders": buyer_stakeholders,
        "seller_stakeholders": seller_stakeholders,
        "owner_options": owner_options_html(stakeholders),
        **history,
        "confirm": confirm,
        **agreement.agreement_data(plan, milestones=milestones, tasks=tasks, stakeholders=stakeholders, dates=dates,
                                   viewer=Side.SELLER, baseline=baseline),
        # The health badge and the slips panel, from the same rows (plans.health_text).
        **health_text.context_from(
            health_data.health_from(
                plan, tasks=tasks, prerequisites=lags, today=today,
                recent_slips=[(timezone.localdate(r.created_at), r.days) for r in slip_rows],
                buyer_invited=any(p.invited for p in buyer_stakeholders),
                buyer_last_visit=max((p.last_visit for p in buyer_stakeholders if p.last_visit), default=None),
            ),
            rescheduling.slip_totals_from(
                slips=[(r.side, milestone_of_task.get(r.task_id), r.days, r.created_at) for r in slip_rows],
                milestone_titles={m.pk: m.title for m in milestones}, baseline=baseline,
                task_dues={t.public_id: t.due_date for t in tasks},
            ),
            target=plan.target_close_date,
        ),
        # Names the page's partials test on every row or group, given here: a name missing from
        # the context costs a failed lookup (four exceptions) each time, ~1 ms over a page.
        # Views that render a partial on its own set them (plans.views._parts sets oob).
        "oob": False, "note": "", "qa_values": {}, "qa_errors": (),
    }


def lite_data(plan: Plan) -> dict:
    """The one-page next steps: open, non-internal tasks by due date, the next milestone."""
    labels = row_labels()
    today = timezone.localdate()
    dates = DateLabels()
    org_id = plan.organization_id
    milestones = list(Milestone.objects.filter(organization_id=org_id, plan=plan))
    tasks = list(
        Task.objects.filter(organization_id=org_id, plan=plan, internal=False)
        .exclude(status=TaskStatus.DONE)
        .select_related("owner")
    )
    tasks.sort(key=lambda t: (t.due_date is None, t.due_date or today, t.order, t.pk))
    task_prefix = url_prefix("plans:task", "task_id")
    rows = [
        task_row(
            t, owner_name=t.owner.name if t.owner else "", deps=[], today=today, dates=dates, prefix=task_prefix,
            labels=labels,
        )
        for t in tasks
    ]
    next_milestone = next((m for m in milestones if m.completed_at is None), None)
    progress = scheduling.progress(
        Task.objects.filter(organization_id=org_id, plan=plan, internal=False).values_list("status", flat=True)
    )
    return {
        "plan": plan,
        "deal": plan.deal,
        "tasks": rows,
        "progress": progress,
        "next_milestone": next_milestone,
        "next_milestone_date": dates(next_milestone.target_date) if next_milestone else "",
        "decision_date": dates(plan.target_close_date),
        "go_live_date": dates(plan.go_live_date),
        "today": dates(today),
    }


def start_plan_data(*, organization, deal) -> dict:
    """The start-plan choice (templates/plans/_start_plan.html), shared by the deal page and
    plans:create: the organization's templates (built-in starters made first) with their step
    count and span, and the deal's target close date as the default decision date when it has
    not passed. Four queries however many templates there are."""
    today = timezone.localdate()
    target = deal.target_close_date
    return {
        "template_choices": plan_templates.template_choices(organization=organization, today=today),
        "today": today, "decision_default": target if target and target >= today else None,
    }
