"""Who changed what: the actor of a change and the activity record it leaves."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils import formats
from django.utils.translation import gettext as _

from deals.models import Stakeholder

from . import health_store
from .models import Activity, Plan


@dataclass(frozen=True)
class Actor:
    """The person behind a change: a signed-in user, or a buyer-side stakeholder."""

    user: object | None = None
    stakeholder: Stakeholder | None = None

    @property
    def name(self) -> str:
        who = self.user or self.stakeholder
        return str(who) if who is not None else _("System")


def _plain(value):
    """A JSON-safe snapshot of a field value, readable after the object is gone."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def record(
    *,
    plan: Plan,
    actor: Actor,
    verb: str,
    target: Model,
    changes: dict | None = None,
    internal: bool = False,
    label: str | None = None,
) -> Activity:
    """Write one activity row. `changes` is {field: (old, new)}; values are snapshotted.
    Every change to a plan comes through here, so its stored health follows on commit."""
    health_store.refresh_on_commit(plan)
    return Activity.objects.create(
        organization_id=plan.organization_id,
        plan=plan,
        actor_user=actor.user,
        actor_stakeholder=actor.stakeholder,
        actor_name=actor.name[:150],
        verb=verb,
        target_type=type(target)._meta.model_name,
        target_id=getattr(target, "public_id", None),
        target_label=(label if label is not None else str(target))[:300],
        changes={name: [_plain(old), _plain(new)] for name, (old, new) in (changes or {}).items()},
        internal=internal,
    )


def _display(field, value):
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if field is not None and field.choices:
        return str(dict(field.choices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field is not None and field.get_internal_type() == "DateField":
        try:
            return formats.date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def _extra_labels() -> dict[str, str]:
    # Keys of Activity.changes that are not model fields (or whose field has no translated name).
    return {
        "comment": _("comment"),
        "depends_on": _("depends on"),
        "shared_with": _("shared with"),
        "owned_tasks": _("tasks owned"),
        "file": _("file"),
        "reason": _("reason"),
        "moved_with": _("moved with"),
        "template": _("template"),
        "anchor_date": _("planned back from"),
        "overridden": _("dependency overridden"),
    }


def change_rows(activity: Activity) -> list[tuple[str, str, str]]:
    """(field label, old, new) for display, translated at render time."""
    from django.apps import apps

    model = None
    for app_label in ("plans", "deals"):
        try:
            model = apps.get_model(app_label, activity.target_type)
            break
        except LookupError:
            continue
    rows = []
    extra = _extra_labels()
    changes = dict(activity.changes)
    internal = changes.pop("overridden_internal", None)
    if internal:
        # One row for an override (plans.dependencies): the internal prerequisites after the others.
        changes["overridden"] = [None, [*(changes.get("overridden") or [None, []])[1], *internal[1]]]
    for name, (old, new) in changes.items():
        field = None
        label = name.replace("_", " ")
        if model is not None:
            try:
                field = model._meta.get_field(name)
                label = str(getattr(field, "verbose_name", label))
            except FieldDoesNotExist:
                field = None
        label = extra.get(name, label)
        rows.append((label, _display(field, old), _display(field, new)))
    return rows
