import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapapp.settings")

app = Celery("mapapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic schedules live here, each with when it runs (none yet).
app.conf.beat_schedule = {}
