"""The admin site: registered clients, with deactivate, activate and delete at the provider; the audit trail."""

from django.contrib import admin, messages

from ccproject.read_only_admin import ReadOnlyModelAdmin

from .audit import Actor
from .credentials import retire_older_secrets
from .exceptions import RegistrationError
from .models import AuditEvent, RegisteredClient
from .services import activate_client, deactivate_client, delete_client


@admin.register(RegisteredClient)
class RegisteredClientAdmin(admin.ModelAdmin):
    """Read-only records; changes go through the provider first (the row follows only on success)."""

    list_display = [
        "label",
        "client_id",
        "provider",
        "status",
        "auth_method",
        "scope_list",
        "creator",
        "created_at",
        "updated_at",
    ]
    list_filter = ["status", "provider", "auth_method"]
    search_fields = ["label", "client_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "label",
        "client_id",
        "provider",
        "provider_reference",
        "scopes",
        "auth_method",
        "key_ids",
        "status",
        "created_by",
        "creator",
        "created_at",
        "updated_at",
        "last_error",
    ]
    exclude = ["provider_credential", "idempotency_key", "request_fingerprint"]
    actions = ["deactivate_at_provider", "activate_at_provider", "delete_at_provider", "finish_secret_rotation"]

    @admin.display(description="scopes")
    def scope_list(self, obj: RegisteredClient) -> str:
        return obj.scope_string

    def has_add_permission(self, request) -> bool:
        return False  # clients are created at the provider: POST /register/ or `manage.py register_client`

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deleting only the row would leave the client at the provider

    def _apply(self, request, queryset, service, done: str) -> None:
        succeeded, failures = 0, []
        actor = Actor.from_request(request)  # the staff user, in every client's audit event
        for client in queryset:
            try:
                service(client=client, actor=actor)
                succeeded += 1
            except RegistrationError as exc:
                failures.append(f"{client.label} ({client.client_id or client.status}): {exc.message}")
        if succeeded:
            self.message_user(request, f"{succeeded} client(s) {done} at the provider.", messages.SUCCESS)
        for failure in failures:
            self.message_user(request, f"Not {done}: {failure}", messages.ERROR)

    @admin.action(description="Deactivate selected clients at the provider", permissions=["change"])
    def deactivate_at_provider(self, request, queryset) -> None:
        self._apply(request, queryset, deactivate_client, "deactivated")

    @admin.action(description="Activate selected clients at the provider", permissions=["change"])
    def activate_at_provider(self, request, queryset) -> None:
        self._apply(request, queryset, activate_client, "activated")

    @admin.action(description="Delete selected clients at the provider", permissions=["change"])
    def delete_at_provider(self, request, queryset) -> None:
        self._apply(request, queryset, delete_client, "deleted")

    @admin.action(
        description="Finish a secret rotation: retire all but the newest secret at the provider", permissions=["change"]
    )
    def finish_secret_rotation(self, request, queryset) -> None:
        # The new secret is created where it can be shown once to its owner (API or command), never here.
        self._apply(request, queryset, retire_older_secrets, "left with their newest secret only")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    """The audit trail, read-only: no one adds, changes or deletes an event (`prune_audit_events` ages them out)."""

    list_display = [
        "created_at",
        "actor_kind",
        "actor",
        "action",
        "target",
        "credential",
        "outcome",
        "reason",
        "request_id",
        "client_address",
    ]
    # The detail page shows every field (`created_at` too, which no form could edit).
    fields = readonly_fields = list_display
    list_filter = ["action", "outcome", "actor_kind"]
    search_fields = ["target", "request_id"]
    date_hierarchy = "created_at"
    list_per_page = 100
    # The changelist shows no count of every event (a `COUNT(*)` over the whole trail per page view).
    show_full_result_count = False
