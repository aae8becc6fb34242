"""The audit log in Django's admin: readable by the walidata administrator, never editable."""

from django.contrib import admin

from satudata.audit.models import AuditEntry, Checkpoint


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "actor_label", "action", "object_type", "object_id", "source_ip")
    list_filter = ("action",)
    search_fields = ("actor_label", "object_id")


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ("id", "entry_id", "created_at", "key_id")
