"""Views of the core: the overview, the own account, and the health check."""

import redis
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from . import reauth, selectors, services
from .authorization import grants_for
from .forms import LoginForm, ReauthenticateForm


class LoginView(auth_views.LoginView):
    """Django's login, which also counts as having just proved who one is (reauth)."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        reauth.stamp(self.request)
        return response


@login_required
def home(request: HttpRequest):
    grants = grants_for(request.user)
    return render(
        request,
        "home.html",
        {
            "memberships": selectors.memberships_of(user=request.user),
            "board_memberships": selectors.board_memberships_of(user=request.user),
            "is_staff_member": grants.is_staff_member,
            "notices": selectors.unread_notices(user=request.user),
        },
    )


@login_required
@require_POST
def notices_read(request: HttpRequest):
    services.notices_mark_read(user=request.user)
    return redirect("home")


@login_required
def account(request: HttpRequest):
    return render(
        request,
        "account.html",
        {
            "memberships": selectors.memberships_of(user=request.user),
            "board_memberships": selectors.board_memberships_of(user=request.user),
        },
    )


@login_required
@never_cache
@sensitive_post_parameters("password")
def reauthenticate(request: HttpRequest):
    """Type the password again before a sensitive step; then back to where the user was."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    form = ReauthenticateForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.session.cycle_key()
        reauth.stamp(request)
        return redirect(target or "home")
    return render(request, "registration/reauthenticate.html", {"form": form, "next": target})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        connection.close_if_unusable_or_obsolete()
        return False


def _redis_ok() -> bool:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 when the database and Redis answer, 503 otherwise; reports the beat heartbeat."""
    database = _database_ok()
    redis_up = _redis_ok()
    last_seen = selectors.heartbeat_last_seen(name="beat") if database else None
    age = (timezone.now() - last_seen).total_seconds() if last_seen else None
    heartbeat_fresh = age is not None and age <= settings.HEARTBEAT_MAX_AGE
    healthy = database and redis_up
    body = {
        "status": ("ok" if heartbeat_fresh else "degraded") if healthy else "unavailable",
        "database": "ok" if database else "unavailable",
        "redis": "ok" if redis_up else "unavailable",
        "heartbeat": {
            "status": "ok" if heartbeat_fresh else ("stale" if last_seen else "missing"),
            "last_seen": last_seen.isoformat() if last_seen else None,
            "age_seconds": round(age, 1) if age is not None else None,
        },
    }
    return JsonResponse(body, status=200 if healthy else 503)
