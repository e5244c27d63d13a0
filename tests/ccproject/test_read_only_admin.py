"""`ReadOnlyModelAdmin`: signing keys and the audit trail are shown in the admin, never added, changed or deleted."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from authserver.models import SigningKey
from ccproject.read_only_admin import ReadOnlyModelAdmin
from registration.models import AuditEvent


@pytest.mark.parametrize("model", [SigningKey, AuditEvent])
def test_not_even_a_superuser_adds_changes_or_deletes(model, django_user_model):
    model_admin = admin.site._registry[model]
    assert isinstance(model_admin, ReadOnlyModelAdmin)
    request = RequestFactory().get("/admin/")
    request.user = django_user_model(username="root", is_staff=True, is_superuser=True, is_active=True)
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request) and not model_admin.has_delete_permission(request)


@pytest.mark.parametrize("model", [SigningKey, AuditEvent])
def test_the_admin_pages_offer_no_add(model, admin_client):
    changelist = admin_client.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/")
    assert changelist.status_code == 200
    assert admin_client.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/add/").status_code == 403
