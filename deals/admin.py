from django.contrib import admin

from .models import Deal, DealShare, Stakeholder


class DealShareInline(admin.TabularInline):
    model = DealShare
    extra = 0
    raw_id_fields = ("user",)
    exclude = ("organization",)


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = ("name", "buyer_company", "organization", "owner", "stage", "outcome")
    list_filter = ("stage", "outcome", "organization")
    search_fields = ("name", "buyer_company", "external_id")
    list_select_related = ("organization", "owner")
    raw_id_fields = ("owner",)
    readonly_fields = ("public_id", "created_at", "updated_at", "closed_at", "version")
    inlines = [DealShareInline]

    def save_formset(self, request, form, formset, change):
        # Shares carry the deal's organization like every tenant row.
        for share in formset.save(commit=False):
            share.organization_id = form.instance.organization_id
            share.save()
        for share in formset.deleted_objects:
            share.delete()


@admin.register(DealShare)
class DealShareAdmin(admin.ModelAdmin):
    list_display = ("deal", "user", "organization")
    list_select_related = ("deal", "user", "organization")
    raw_id_fields = ("deal", "user")


@admin.register(Stakeholder)
class StakeholderAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "side", "decision_role", "deal", "organization")
    list_filter = ("side", "decision_role")
    search_fields = ("name", "email", "title")
    list_select_related = ("deal", "organization")
    raw_id_fields = ("deal", "user")
    readonly_fields = ("public_id", "created_at", "version")
