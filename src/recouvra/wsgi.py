"""WSGI entry point, used by `recouvra serve` (gunicorn recouvra.wsgi:application)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvra.settings")

application = get_wsgi_application()
