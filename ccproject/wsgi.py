"""WSGI entry point (gunicorn ccproject.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccproject.settings")

application = get_wsgi_application()
