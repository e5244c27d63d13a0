"""`ReadOnlyModelAdmin`: admin pages for records that no one adds, changes or deletes by hand."""

from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Lists and shows; never adds, changes or deletes, whoever asks (a superuser too).

    For records the project's own code writes and ages out (signing keys, the audit trail): an
    edit by hand would make them lie, a deletion would lose what they vouch for.
    """

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
