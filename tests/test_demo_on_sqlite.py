"""`make demo` runs on the embedded default, SQLite: the pages a first look opens must work
there too (raw SQL that only PostgreSQL understands would break them). Checked in a fresh
interpreter with the demo's settings: migrate, seed, then the seller's and the buyer's pages."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r'''
import re
from io import StringIO

import django

django.setup()
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()
call_command("migrate", verbosity=0)
out = StringIO()
call_command("seed_demo", stdout=out)

from mapapp import demo
from mapapp.models import User
from plans.models import Plan

plan = Plan.objects.get(organization=demo.find_demo_organization(), deal__external_id="CRM-10401")
seller = Client()
seller.force_login(User.objects.get(email="seller1@demo.example"))
for path in ("/deals/", f"/plans/{plan.public_id}/", f"/plans/{plan.public_id}/activity/",
             f"/plans/{plan.public_id}/stamp/", f"/room/{plan.public_id}/", f"/room/{plan.public_id}/stamp/"):
    print("seller", path, seller.get(path).status_code)
token = re.search(r"/r/([\w-]+)/", out.getvalue()).group(1)
buyer = Client()
print("buyer room", buyer.post(f"/r/{token}/", follow=True).status_code)
print("buyer stamp", buyer.get(f"/room/{plan.public_id}/stamp/").status_code)
page = seller.get(f"/plans/{plan.public_id}/").content.decode()
print("engagement shows the visit", "engagement-" in page)
manager = Client()
manager.force_login(User.objects.get(email="manager@demo.example"))
for path in ("/dashboard/", "/dashboard/deals/?closed=1&map=agreed", "/dashboard/deals.csv"):
    print("manager", path, manager.get(path).status_code)
context = manager.get("/dashboard/").context
# The comparison's SQLite path (no percentile_cont) has the demo's closed deals; every plan is scored.
print("engagement dashboard compares closed deals", context["comparison"].closed > 0
      and context["comparison"].with_map.median_days is not None)
print("engagement dashboard scored every plan", not context["health"].levels.get("unscored"))
'''


def test_the_demo_pages_work_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}}
    # What `make demo` has: no DATABASE_URL means SQLite with DEBUG on; here the file is a temporary one.
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}", DEBUG="true",
               DJANGO_SETTINGS_MODULE="mapapp.settings", ATTACHMENTS_ROOT=str(tmp_path / "attachments"))
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines()
             if line.startswith(("seller", "buyer", "engagement", "manager"))]
    assert len(lines) == 14, result.stdout
    for line in lines:
        assert line.endswith((" 200", " True")), line
