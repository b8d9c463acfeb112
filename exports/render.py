"""The PDF of a plan: what goes in it (per audience), the HTML, and WeasyPrint's rendering.

`document_data` gathers the plan in a fixed number of queries. The buyer's copy holds what the
deal room shows and nothing more: no internal task, no comment, no budget or payment terms, no
seller's goals. The seller's copy adds those and marks internal tasks. Neither holds the deal
amount: a PDF travels, and the amount stays in the CRM.

WeasyPrint fetches nothing from outside: `static_url_fetcher` serves our own static files
(the print stylesheet) and refuses every other URL, whatever user text may contain.
"""

from __future__ import annotations

import datetime
import mimetypes
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from deals.models import DecisionRole, Side, Stakeholder
from plans.models import Baseline, Milestone, Plan, Risk, RiskStatus, Task, TaskSide, TaskStatus
from plans.timeline import Axis, planned_start

from .models import Audience

#: The origin the document's own URLs are resolved against. It never reaches the network:
#: the fetcher answers it from the static files and refuses everything else.
BASE_URL = "https://mapapp.invalid/"
STATIC_PREFIX = "/" + settings.STATIC_URL.lstrip("/")
TEMPLATE = "exports/plan.html"
STYLESHEET = "exports/print.css"


class FetchRefused(ValueError):
    """WeasyPrint was asked for a URL that is not one of our static files."""


def _static_file(path: str) -> Path | None:
    """The file behind a static path ("exports/print.css"): through the finders (app and
    project static folders), else under STATIC_ROOT; None when there is none."""
    parts = PurePosixPath(path).parts
    if not parts or any(part in ("..", ".", "") for part in parts) or path.startswith("/"):
        return None
    found = finders.find(path)
    if found:
        return Path(found)
    if settings.STATIC_ROOT:
        root = Path(settings.STATIC_ROOT).resolve()
        candidate = (root / path).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    return None


def static_url_fetcher(url: str) -> tuple[bytes, str]:
    """Our own static files only (at BASE_URL + STATIC_URL): answers the file's bytes and type;
    raises FetchRefused for anything else (other hosts, file:, data:, a path outside static)."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(STATIC_PREFIX):
        raise FetchRefused(f"Refused to fetch {url[:200]!r}: only the app's own static files are allowed.")
    found = _static_file(unquote(parts.path[len(STATIC_PREFIX):]))
    if found is None:
        raise FetchRefused(f"Refused to fetch {url[:200]!r}: no such static file.")
    mime_type, _encoding = mimetypes.guess_type(found.name)
    return found.read_bytes(), mime_type or "application/octet-stream"


def url_fetcher():
    """A WeasyPrint URL fetcher built on static_url_fetcher: nothing leaves the machine."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            body, mime_type = static_url_fetcher(url)
            return URLFetcherResponse(url, body, {"Content-Type": mime_type})

    return StaticOnlyFetcher()


# What goes in the document ------------------------------------------------------------------

@dataclass(frozen=True)
class Bar:
    left: str
    width: str


def _pct(value: float) -> str:
    # A CSS percentage as text: the template would localize a float ("50,0" in German).
    return f"{value:.3f}%"


def _bar(axis: Axis, start: datetime.date, end: datetime.date) -> Bar:
    start, end = min(start, end), max(start, end)
    left = axis.left(start)
    right = axis.left(end + datetime.timedelta(days=1))
    return Bar(_pct(left), _pct(max(right - left, 0.6)))


def _date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return date_format(value, "DATE_FORMAT")


def _css_string(text: str) -> str:
    """A translated word as a CSS string literal (for `content:` in @page rules)."""
    cleaned = "".join(ch for ch in str(text) if ch.isprintable())
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


def document_data(plan: Plan, *, audience: str, today: datetime.date | None = None) -> dict:
    """Everything the template shows, for one audience, in the active language."""
    today = today or timezone.localdate()
    buyer_copy = audience == Audience.BUYER
    deal = plan.deal
    tasks_qs = Task.objects.for_org(plan.organization_id).filter(plan=plan).select_related("owner")
    if buyer_copy:
        tasks_qs = tasks_qs.filter(internal=False)
    tasks = list(tasks_qs.order_by("order", "id"))
    milestones = list(Milestone.objects.for_org(plan.organization_id).filter(plan=plan).order_by("order", "id"))
    people = list(Stakeholder.objects.for_org(plan.organization_id).filter(deal_id=plan.deal_id).order_by("order", "id"))
    risks = list(
        Risk.objects.for_org(plan.organization_id).filter(plan=plan).exclude(status=RiskStatus.CLOSED)
        .select_related("owner").order_by("order", "id")
    )
    baseline = (
        Baseline.objects.for_org(plan.organization_id).filter(plan=plan, side=Side.BUYER)
        .order_by("-created_at", "-id").first()
    )

    status_labels = dict(TaskStatus.choices)
    side_labels = dict(TaskSide.choices)
    role_labels = dict(DecisionRole.choices)
    risk_labels = dict(RiskStatus.choices)

    def task_row(task: Task) -> dict:
        return {
            "title": task.title,
            "owner": task.owner.name if task.owner else "",
            "side": side_labels.get(task.side, task.side),
            "due": _date(task.due_date),
            "status": status_labels.get(task.status, task.status),
            "status_key": task.status,
            "overdue": bool(task.due_date and task.due_date < today and task.status != TaskStatus.DONE),
            "internal": task.internal,
            "blocked_reason": task.blocked_reason if task.status == TaskStatus.BLOCKED else "",
        }

    by_milestone: dict[int | None, list[Task]] = {}
    for task in tasks:
        by_milestone.setdefault(task.milestone_id, []).append(task)

    # The milestones as a timeline: each one's span from its first task's planned start to the
    # later of its target and its last due date.
    spans = []
    for milestone in milestones:
        own = by_milestone.get(milestone.pk, [])
        starts = [planned_start(t.due_date, t.duration_days) for t in own if t.due_date]
        ends = [t.due_date for t in own if t.due_date] + ([milestone.target_date] if milestone.target_date else [])
        first = min(starts + ends) if (starts or ends) else None
        last = max(ends) if ends else None
        spans.append((milestone, first, last))
    axis_dates = [d for _m, first, last in spans for d in (first, last)]
    axis_dates += [plan.target_close_date, plan.go_live_date]
    axis = Axis.around(axis_dates, today=today)
    ticks = [{"left": _pct(axis.left(day)), "label": date_format(day, "M Y") if day.day == 1 else ""}
             for day in (axis.first + datetime.timedelta(days=n) for n in range(axis.days)) if day.day == 1]
    timeline = []
    for milestone, first, last in spans:
        own = by_milestone.get(milestone.pk, [])
        done = sum(1 for t in own if t.status == TaskStatus.DONE)
        timeline.append({
            "title": milestone.title,
            "target": _date(milestone.target_date),
            "bar": _bar(axis, first, last) if first and last else None,
            "target_at": _pct(axis.left(milestone.target_date)) if milestone.target_date else None,
            "progress": _("%(done)s of %(total)s done") % {"done": done, "total": len(own)},
            "complete": bool(own) and done == len(own),
        })

    groups = [{"title": m.title, "target": _date(m.target_date), "tasks": [task_row(t) for t in by_milestone.get(m.pk, [])]}
              for m in milestones if by_milestone.get(m.pk)]
    unassigned = [task_row(t) for t in by_milestone.get(None, [])]
    if unassigned:
        groups.append({"title": _("Other tasks") if groups else "", "target": "", "tasks": unassigned})

    def person(s: Stakeholder) -> dict:
        return {"name": s.name, "title": s.title, "role": role_labels.get(s.decision_role, "")}

    agreed_by = ""
    agreed_title = ""
    if plan.agreed_at:
        if baseline is not None:
            agreed_by, agreed_title = baseline.confirmed_by_name, baseline.confirmed_by_title
        elif plan.agreed_by_id:
            agreed_by = next((s.name for s in people if s.pk == plan.agreed_by_id), "")

    return {
        "plan": plan,
        "deal": deal,
        "seller_name": plan.organization.name,
        "buyer_copy": buyer_copy,
        "audience_label": dict(Audience.choices)[audience],
        "today": _date(today),
        "status": plan.get_status_display(),
        "agreed_at": _date(plan.agreed_at),
        "agreed_by": agreed_by,
        "agreed_title": agreed_title,
        "dates": {
            "target_close": _date(plan.target_close_date), "go_live": _date(plan.go_live_date),
            "first_value": _date(plan.first_value_date), "next_checkin": _date(plan.next_checkin_date),
        },
        "budget": (
            None if buyer_copy or plan.budget_amount is None
            else f"{number_format(Decimal(str(plan.budget_amount)), 2, force_grouping=True)} {deal.currency}"
        ),
        "timeline": timeline,
        "ticks": ticks,
        "today_at": _pct(axis.left(today)),
        "axis_first": _date(axis.first),
        "axis_last": _date(axis.last),
        "groups": groups,
        "task_count": len(tasks),
        "buyer_people": [person(s) for s in people if s.side == Side.BUYER],
        "seller_people": [person(s) for s in people if s.side == Side.SELLER],
        "risks": [{
            "description": r.description, "score": r.score, "status": risk_labels.get(r.status, r.status),
            "owner": r.owner.name if r.owner else "", "mitigation": r.mitigation,
        } for r in risks],
        "stylesheet_url": f"{BASE_URL.rstrip('/')}{STATIC_PREFIX}{STYLESHEET}",
        "page_words": {
            "page": _css_string(_("Page")), "of": _css_string(_("of")),
        },
    }


def render_html(plan: Plan, *, audience: str, language: str, today: datetime.date | None = None) -> str:
    """The export's HTML in `language` (user text autoescaped by the template)."""
    with translation.override(language):
        return render_to_string(TEMPLATE, document_data(plan, audience=audience, today=today))


def render_pdf(plan: Plan, *, audience: str, language: str, today: datetime.date | None = None) -> tuple[bytes, int]:
    """The export as PDF bytes and its number of pages."""
    from weasyprint import HTML

    html = render_html(plan, audience=audience, language=language, today=today)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher()).render()
    return document.write_pdf(), len(document.pages)
