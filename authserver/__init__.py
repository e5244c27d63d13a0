"""An embedded, Okta-compatible OAuth 2.0 authorization server on django-oauth-toolkit."""
