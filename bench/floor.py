"""The Django floor's handler: the same URLconf and settings, only the stock middleware.

FD is served by a handler of its own whose middleware is Django's session and
authentication middleware and nothing else, so that it measures what any Django page
with a logged-in user costs, not this project's fixed cost per request (which F1, and
every page, pays on top). Both the test client and gunicorn (bench/wsgi.py) build it
the same way: the middleware is loaded once, under a MIDDLEWARE of two entries.
"""

from __future__ import annotations

from django.core.handlers.base import BaseHandler
from django.test.utils import override_settings

FD_PATH = "/bench/fd/"
STOCK_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]


def with_stock_middleware(handler: BaseHandler) -> BaseHandler:
    """*handler* with its middleware chain built from STOCK_MIDDLEWARE only."""
    with override_settings(MIDDLEWARE=STOCK_MIDDLEWARE):
        handler.load_middleware()
    return handler
