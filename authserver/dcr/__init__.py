"""RFC 7591/7592 dynamic client registration at `{base}/oauth2/v1/clients`, on django-oauth-toolkit's views."""
