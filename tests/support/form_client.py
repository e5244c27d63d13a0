"""A Django test client that posts a dict as `application/x-www-form-urlencoded`, as a browser or an OAuth client does.

Django's own client posts dicts as `multipart/form-data`, which the OAuth endpoints refuse
(RFC 6749 §3.2 defines form-urlencoded only). An explicit `content_type` is kept as given.
"""

from urllib.parse import urlencode

from django.test import Client

FORM = "application/x-www-form-urlencoded"


class FormClient(Client):
    def post(self, path, data=None, content_type=None, **extra):
        if content_type is None:
            content_type = FORM
            data = urlencode(data or {}, doseq=True)
        return super().post(path, data, content_type=content_type, **extra)
