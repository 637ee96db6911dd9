"""The admin (zh-hans): units, roles and evaluations with their history pages; the audit log,
versions and scores are read-only here (the audit log can be read, never edited or deleted)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from jixiao.store.models import (
    Adjustment,
    ApplyDecision,
    Attachment,
    AuditEvent,
    CaseVersion,
    CommonIndicator,
    Edition,
    Evaluation,
    Membership,
    Opinion,
    Score,
    Unit,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "parent")
    search_fields = ("code", "name")
    readonly_fields = ("path",)

    def has_change_permission(self, request, obj=None):
        return False  # units are created through jixiao.store.services, which keeps their paths

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin, ReadOnly):
    list_display = ("user", "role", "unit")
    list_filter = ("role",)


@admin.register(Evaluation)
class EvaluationAdmin(SimpleHistoryAdmin, ReadOnly):
    list_display = ("title", "unit", "year", "kind", "state", "current", "updated")
    list_filter = ("year", "kind", "state")
    search_fields = ("title", "unit__code", "unit__name")


@admin.register(CommonIndicator)
class CommonIndicatorAdmin(SimpleHistoryAdmin, ReadOnly):
    """Read-only: entries are promoted and retired through jixiao.store.common (role checks, audit)."""

    list_display = ("name", "level1", "level2", "function_class", "industry", "active", "promoted_by_name", "created")
    list_filter = ("active", "level1")
    search_fields = ("name", "explanation", "function_class", "industry")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnly):
    list_display = ("at", "actor_name", "action", "object_type", "object_id", "evaluation")
    list_filter = ("action",)
    search_fields = ("actor_name", "object_id")


for model in (Edition, CaseVersion, Score, Attachment, Adjustment, Opinion, ApplyDecision):
    admin.site.register(model, ReadOnly)
