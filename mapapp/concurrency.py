"""Optimistic locking: an edit carries the version it was made against."""

from django.db.models import F, Model
from django.utils import timezone


class StaleEdit(Exception):
    """The row changed (or went away) since the editor loaded it; `current` is what is stored now."""

    def __init__(self, current: Model | None):
        super().__init__("stale edit")
        self.current = current


def save_versioned(instance: Model, *, version: int, fields: dict) -> dict[str, tuple]:
    """Write `fields` to `instance` only if its stored version is still `version`.

    Answers the fields that really changed as {name: (old, new)}, and bumps the version.
    The conditional UPDATE is what closes the race between two editors; the first check
    only saves a round trip when the form is visibly out of date.
    """
    model = type(instance)
    if instance.version != version:
        raise StaleEdit(model._base_manager.filter(pk=instance.pk).first())
    changed = {name: (getattr(instance, name), value) for name, value in fields.items() if getattr(instance, name) != value}
    if not changed:
        return {}
    values = {name: new for name, (_, new) in changed.items()}
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        values["updated_at"] = timezone.now()
    updated = model._base_manager.filter(pk=instance.pk, version=version).update(version=F("version") + 1, **values)
    if not updated:
        raise StaleEdit(model._base_manager.filter(pk=instance.pk).first())
    for name, value in values.items():
        setattr(instance, name, value)
    instance.version = version + 1
    return changed


def bump_version(instance: Model, *, version: int) -> None:
    """Count a change made outside the row's own fields (e.g. its shares) as a new version."""
    model = type(instance)
    if not model._base_manager.filter(pk=instance.pk, version=version).update(version=F("version") + 1):
        raise StaleEdit(model._base_manager.filter(pk=instance.pk).first())
    instance.version = version + 1
