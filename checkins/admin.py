"""Staff views of check-ins: every tenant shows here, so lists filter by organization."""

from django.contrib import admin

from .models import AgendaMail, CheckIn


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ("plan", "date", "organization", "held_at", "agenda_frozen_at")
    list_filter = ("organization",)
    list_select_related = ("plan", "organization")
    raw_id_fields = ("plan", "notes_by_user", "notes_by_stakeholder", "held_by", "created_by")
    readonly_fields = ("public_id", "version", "created_at")


@admin.register(AgendaMail)
class AgendaMailAdmin(admin.ModelAdmin):
    list_display = ("checkin", "recipient", "email", "claimed_at", "sent_at", "organization")
    list_filter = ("organization",)
    raw_id_fields = ("checkin",)
    readonly_fields = ("public_id",)
