"""RFC 7591/7592 paths at Okta's `{base}/oauth2/v1/clients`.

Included under the `oauth2_provider` namespace because django-oauth-toolkit's views build
`registration_client_uri` by reversing `oauth2_provider:dcr-register-management`.
"""

from django.urls import path

from . import views

app_name = "oauth2_provider"

urlpatterns = [
    path("oauth2/v1/clients", views.ClientRegistrationView.as_view(), name="dcr-register"),
    path("oauth2/v1/clients/<str:client_id>", views.ClientConfigurationView.as_view(), name="dcr-register-management"),
]
