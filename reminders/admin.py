from django.contrib import admin

from .models import ReminderDigest, ReminderOptOut, ReminderSettings


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["organization", "days_before", "overdue_every_days", "overdue_stop_days", "send_hour"]


@admin.register(ReminderOptOut)
class ReminderOptOutAdmin(admin.ModelAdmin):
    list_display = ["email", "kind", "organization", "created_at"]
    search_fields = ["email"]


@admin.register(ReminderDigest)
class ReminderDigestAdmin(admin.ModelAdmin):
    list_display = ["email", "kind", "organization", "claimed_at", "attempts", "sent_at"]
    search_fields = ["email"]
