"""Indexes the reminder sweep needs on plans' tables, created here so that plans' own
migrations never collide with this app's. Partial: only the rows a sweep can want.

On PostgreSQL built CONCURRENTLY (no lock on a large task table), hence atomic = False.
"""

from django.db import migrations

INDEXES = {
    # Open tasks with an owner, by due date: the sweep's range scan over every organization.
    "reminders_task_open_due": ("plans_task", "(due_date)", "status <> 'done' AND owner_id IS NOT NULL"),
    # The buyer side's slips by time: the deal owners' daily summary.
    "reminders_slip_buyer_created": ("plans_slip", "(created_at)", "side = 'buyer'"),
}


def create(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, (table, columns, condition) in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON {table} {columns} WHERE {condition}")


def drop(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reminders", "0001_reminders"),
        ("plans", "0005_security_lead_role"),
    ]

    operations = [migrations.RunPython(create, drop)]
