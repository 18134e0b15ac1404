"""The bench's WSGI application for gunicorn (the throughput runs, bench/throughput.py).

Every request goes through the production handler and middleware (bench settings,
production MIDDLEWARE), except the Django floor FD, which goes to a handler with only
the stock session and authentication middleware (bench/floor.py).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

from bench.floor import FD_PATH, with_stock_middleware

production = get_wsgi_application()
stock = with_stock_middleware(WSGIHandler())


def application(environ, start_response):
    handler = stock if environ.get("PATH_INFO") == FD_PATH else production
    return handler(environ, start_response)
