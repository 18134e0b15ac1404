"""Logging in again before a sensitive step: downloading a copy of a child's data, and the like.

A login, or a password typed again on the confirmation page, stamps the session;
a view decorated with :func:`require_recent_login` opens only while that stamp is
younger than ``REAUTH_MAX_AGE`` seconds, and otherwise sends the user to the
confirmation page first (and back afterwards).
"""

import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

SESSION_KEY = "schoolprivacy_authenticated_at"


def max_age() -> int:
    return getattr(settings, "REAUTH_MAX_AGE", 5 * 60)


def stamp(request) -> None:
    """Record that the user proved who they are just now (a login or a typed password)."""
    request.session[SESSION_KEY] = int(time.time())


def is_recent(request) -> bool:
    at = request.session.get(SESSION_KEY)
    return isinstance(at, int) and 0 <= time.time() - at <= max_age()


def require_recent_login(view):
    """Logged in, and logged in (or confirmed the password) within the last few minutes."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_recent(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('reauthenticate')}?{query}")
        return view(request, *args, **kwargs)

    return wrapped


def confirm_first(request, next_url: str | None = None):
    """The redirect to the password confirmation, or None when the login is recent."""
    if is_recent(request):
        return None
    query = urlencode({"next": next_url or request.get_full_path()})
    return redirect(f"{reverse('reauthenticate')}?{query}")
