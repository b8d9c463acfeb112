import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapapp.settings")

app = Celery("mapapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic schedules live here, each with when it runs. Run exactly one beat.
app.conf.beat_schedule = {
    # Every 15 minutes: deadline reminders and the deal owners' slip summaries (reminders.sweep).
    "reminders-sweep": {"task": "reminders.tasks.sweep_reminders", "schedule": crontab(minute="*/15")},
    # Every 15 minutes: check-in agendas due in their recipients' morning (checkins.mail).
    "checkin-agendas": {"task": "checkins.tasks.sweep_checkin_agendas", "schedule": crontab(minute="*/15")},
    # Hourly at :05: stored plan health for the plans whose owner's day has turned since it was
    # computed (plans.health_store), so the dashboard's "overdue" and "silent" are today's.
    "plan-health": {"task": "plans.tasks.sweep_health", "schedule": crontab(minute=5)},
}
