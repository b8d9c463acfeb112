"""Staff views of plans. Staff see every tenant here: the admin is not a scoped way in,
so filters by organization are on every list and related rows are picked by raw id."""

from django.contrib import admin

from .models import (
    Activity,
    Comment,
    Milestone,
    Plan,
    PlanTemplate,
    Risk,
    RoomLink,
    Task,
    TaskDependency,
    TemplateDependency,
    TemplateMilestone,
    TemplateStep,
)

READONLY = ("public_id",)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("title", "deal", "organization", "status", "target_close_date", "updated_at")
    list_filter = ("organization", "status", "checkin_cadence")
    search_fields = ("title", "deal__name", "deal__buyer_company")
    list_select_related = ("deal", "organization")
    raw_id_fields = ("deal", "agreed_by")
    readonly_fields = (*READONLY, "version", "created_at", "updated_at")


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ("title", "plan", "organization", "target_date", "completed_at", "order")
    list_filter = ("organization",)
    search_fields = ("title", "plan__title")
    list_select_related = ("plan", "organization")
    raw_id_fields = ("plan",)
    readonly_fields = (*READONLY, "version")


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "plan", "organization", "side", "owner", "due_date", "status", "internal")
    list_filter = ("organization", "status", "side", "internal")
    search_fields = ("title", "plan__title")
    list_select_related = ("plan", "organization", "owner")
    raw_id_fields = ("plan", "milestone", "owner")
    readonly_fields = (*READONLY, "version", "completed_at", "created_at", "updated_at")


@admin.register(TaskDependency)
class TaskDependencyAdmin(admin.ModelAdmin):
    list_display = ("task", "prerequisite", "lag_days", "organization")
    list_filter = ("organization",)
    list_select_related = ("task", "prerequisite", "organization")
    raw_id_fields = ("task", "prerequisite")


@admin.register(Risk)
class RiskAdmin(admin.ModelAdmin):
    list_display = ("description", "plan", "organization", "probability", "impact", "status", "owner")
    list_filter = ("organization", "status")
    search_fields = ("description", "plan__title")
    list_select_related = ("plan", "organization", "owner")
    raw_id_fields = ("plan", "owner")
    readonly_fields = (*READONLY, "version", "created_at")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("plan", "task", "author_name", "internal", "created_at", "organization")
    list_filter = ("organization", "internal")
    search_fields = ("body",)
    list_select_related = ("plan", "task", "organization", "author_user", "author_stakeholder")
    raw_id_fields = ("plan", "task", "author_user", "author_stakeholder")
    readonly_fields = (*READONLY, "created_at")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """The history is a record: read-only here."""

    list_display = ("created_at", "plan", "actor_name", "verb", "target_type", "target_label", "organization")
    list_filter = ("organization", "verb", "target_type", "internal")
    search_fields = ("target_label", "actor_name")
    list_select_related = ("plan", "organization")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RoomLink)
class RoomLinkAdmin(admin.ModelAdmin):
    """Read-only: links are made by the invite service (the token exists only in its e-mail)."""

    list_display = ("stakeholder", "organization", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("organization",)
    search_fields = ("stakeholder__name", "stakeholder__email")
    list_select_related = ("stakeholder", "organization")
    exclude = ("token_hash",)
    readonly_fields = (*READONLY, "organization", "stakeholder", "created_by", "created_at", "expires_at",
                       "revoked_at", "last_used_at", "previous_visit_at")

    def has_add_permission(self, request):
        return False


class TemplateMilestoneInline(admin.TabularInline):
    model = TemplateMilestone
    fields = ("title", "order")
    extra = 0


class TemplateStepInline(admin.TabularInline):
    model = TemplateStep
    fields = ("title", "milestone", "side", "owner_role", "duration_days", "offset_days", "is_decision", "order")
    raw_id_fields = ("milestone",)
    extra = 0


@admin.register(PlanTemplate)
class PlanTemplateAdmin(admin.ModelAdmin):
    """Rows added through the inlines get the template's organization (save_formset): the
    admin is no scoped way in, so nothing here may pick another tenant's rows."""

    list_display = ("name", "organization", "anchor", "built_in_key", "updated_at")
    list_filter = ("organization", "anchor")
    search_fields = ("name",)
    list_select_related = ("organization",)
    raw_id_fields = ("created_by",)
    readonly_fields = (*READONLY, "version", "created_at", "updated_at")
    inlines = (TemplateMilestoneInline, TemplateStepInline)

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            obj.organization_id = form.instance.organization_id
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(TemplateDependency)
class TemplateDependencyAdmin(admin.ModelAdmin):
    list_display = ("step", "prerequisite", "lag_days", "organization")
    list_filter = ("organization",)
    list_select_related = ("step", "prerequisite", "organization")
    raw_id_fields = ("step", "prerequisite")
