"""Views of the core: the overview, the own account, and the health check."""

import base64
import contextlib
import hmac

import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from . import languages, reauth, sections, security, selectors, services
from . import metrics as operations
from .authorization import LoggedInRequest, grants_for
from .celery import app as celery_app
from .forms import LoginForm, ReauthenticateForm, SecondStepForm, add_service_errors
from .models import Authenticator, RecoveryCodes


class LoginView(auth_views.LoginView):
    """Django's login, which also counts as having just proved who one is (reauth)."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        security.session_started(self.request)
        reauth.stamp(self.request)
        return languages.after_login(self.request, response)

    def get_context_data(self, **kwargs):
        # Other ways in, which apps offer (signin: the school board's own accounts).
        return {
            **super().get_context_data(**kwargs),
            "sections": sections.render("login", self.request, None),
        }


class LogoutView(auth_views.LogoutView):
    """Django's logout; where the user logged in through a school board's provider, the
    browser goes on to end that session too (an app's "end_session" action)."""

    def post(self, request, *args, **kwargs):
        elsewhere = sections.action_url("end_session", request)  # read before the session ends
        response = super().post(request, *args, **kwargs)
        if not elsewhere:
            return response
        # A page of our own that goes on: the Content-Security-Policy's form-action keeps
        # the logout form's own redirects on this site.
        return render(request, "registration/logged_out_elsewhere.html", {"elsewhere": elsewhere})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's page; the mail goes out through services.password_reset_request.

    Every well-formed address gets the same answer: known or not, over a limit or not.
    """

    def form_valid(self, form):
        from axes.helpers import get_client_ip_address

        services.password_reset_request(
            email=form.cleaned_data["email"],
            # The client as the login lockout sees it (django-axes, settings: AXES_*).
            client=get_client_ip_address(self.request) or "",
        )
        return HttpResponseRedirect(self.get_success_url())


@require_POST
def choose_language(request: HttpRequest):
    """Django's language switch; a logged-in user's choice is also kept with the account."""
    response = set_language(request)
    if request.user.is_authenticated:
        services.language_choose(user=request.user, language=request.POST.get("language", ""))
    return response


def _safe_next(request) -> str:
    """The page to go on to: a path on this site, or "" (never another site).

    Only a path: redirect() takes any other word for the name of a URL pattern, and an
    unknown name would be a server error.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


#: Wrong codes or passwords in one session before the session ends (then log in again).
SECOND_STEP_TRIES = 5
_TRIES = "schoolprivacy_second_step_tries"


def _wrong_try(request: HttpRequest, message: str):
    """Count one wrong code or password; at the limit the session ends with *message*."""
    tries = request.session.get(_TRIES, 0) + 1
    request.session[_TRIES] = tries
    if tries < SECOND_STEP_TRIES:
        return None
    logout(request)
    messages.error(request, message)
    return redirect("login")


@login_required
@never_cache
@sensitive_post_parameters("code")
def two_step_verify(request: LoggedInRequest):
    """The second step after the password: a code from the app, or a recovery code (once)."""
    from django_otp import login as otp_login
    from django_otp import match_token

    target = _safe_next(request)
    if security.local_second_step_done(request.user):
        return redirect(target or "home")
    if not security.has_two_step(request.user):
        return redirect("two_step_setup")
    form = SecondStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            request.session.pop(_TRIES, None)
            if isinstance(device, RecoveryCodes):
                left = device.codes.count()
                messages.warning(
                    request,
                    _("You used a recovery code; %(left)d are left. Make new ones on My account.")
                    % {"left": left},
                )
            return redirect(target or "home")
        ended = _wrong_try(request, _("Too many wrong codes. Log in again."))
        if ended is not None:
            return ended
        form.add_error(
            "code", _("This code is not right, or it was used already. Try the next one.")
        )
    return render(request, "registration/two_step_verify.html", {"form": form, "next": target})


@login_required
@never_cache
@sensitive_post_parameters("code")
def two_step_setup(request: LoggedInRequest):
    """Set up the authenticator app: scan the code, type its first code, keep the recovery codes.

    Replacing an authenticator needs the second step first (otherwise a stolen password
    would be enough to take over the account).
    """
    import segno
    from django.core.exceptions import ValidationError
    from django_otp import login as otp_login

    if security.has_two_step(request.user) and not security.local_second_step_done(request.user):
        return redirect(f"{reverse('two_step_verify')}?next={reverse('two_step_setup')}")
    device = Authenticator.objects.filter(
        user=request.user, confirmed=False, pk=request.session.get("otp_setup_device")
    ).first()
    if device is None:
        device = services.two_step_device_new(user=request.user)
        request.session["otp_setup_device"] = device.pk
    form = SecondStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.two_step_confirm(
                user=request.user, device=device, token=form.cleaned_data["code"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            device.refresh_from_db()
            otp_login(request, device)
            request.session.pop("otp_setup_device", None)
            return render(
                request,
                "registration/recovery_codes.html",
                {"codes": codes, "next": _safe_next(request) or reverse("home")},
            )
    key = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/two_step_setup.html",
        {
            "form": form,
            "next": _safe_next(request),
            "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=5),
            "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
            "required": security.is_staff_user(request.user),
        },
    )


@login_required
@require_POST
def recovery_codes_new(request: LoggedInRequest):
    """New recovery codes (the old ones stop working); only after the app's own second step."""
    if not security.local_second_step_done(request.user):
        return redirect("two_step_verify")
    codes = services.recovery_codes_issue(user=request.user)
    return render(
        request, "registration/recovery_codes.html", {"codes": codes, "next": reverse("account")}
    )


@login_required
def home(request: LoggedInRequest):
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
def notices_read(request: LoggedInRequest):
    services.notices_mark_read(user=request.user)
    return redirect("home")


@login_required
def account(request: LoggedInRequest):
    return render(
        request,
        "account.html",
        {
            "memberships": selectors.memberships_of(user=request.user),
            "board_memberships": selectors.board_memberships_of(user=request.user),
            "two_step": selectors.two_step_of(user=request.user),
            "two_step_required": security.is_staff_user(request.user),
        },
    )


@login_required
@never_cache
@sensitive_post_parameters("password")
def reauthenticate(request: LoggedInRequest):
    """Type the password again before a sensitive step; then back to where the user was."""
    target = _safe_next(request)
    form = ReauthenticateForm(request.user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            request.session.cycle_key()
            request.session.pop(_TRIES, None)
            reauth.stamp(request)
            return redirect(target or "home")
        ended = _wrong_try(request, _("Too many wrong passwords. Log in again."))
        if ended is not None:
            return ended
    # Who logged in through a school board's provider confirms there (signin).
    elsewhere = sections.render("reauthenticate", request, target)
    return render(
        request,
        "registration/reauthenticate.html",
        {"form": form, "next": target, "sections": elsewhere},
    )


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        connection.close_if_unusable_or_obsolete()
        return False


def _broker_state() -> tuple[bool, int | None]:
    """Whether Redis answers, and how many tasks wait in Celery's default queue."""
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    up, waiting = False, None
    with contextlib.suppress(redis.RedisError), client:
        up = bool(client.ping())
        waiting = client.llen(celery_app.conf.task_default_queue)
    return up, waiting


def _worker_and_beat(*, heartbeat: str, waiting: int | None) -> tuple[str, str]:
    """Which of the two is down when the heartbeat is not fresh, as far as one can tell.

    Beat sends the heartbeat task and a worker records it. Tasks waiting in the queue
    mean no worker takes them; an empty queue means beat sends nothing.
    """
    if heartbeat == "ok":
        return "ok", "ok"
    if heartbeat == "unknown" or waiting is None:
        return "unknown", "unknown"
    return ("unavailable", "unknown") if waiting else ("unknown", "unavailable")


def _may_see_health_details(request: HttpRequest) -> bool:
    """The request carries `Authorization: Bearer <HEALTH_TOKEN>` (never with no token set).

    Only a header: a token in the address would end up in the access logs.
    """
    expected = settings.HEALTH_TOKEN
    scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics (schoolprivacy/metrics.py); with HEALTH_TOKEN only, else 404."""
    if not _may_see_health_details(request):
        raise Http404
    page, content_type = operations.export()
    return HttpResponse(page, content_type=content_type)


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 when the database, Redis, a worker and beat work, 503 otherwise.

    Anyone gets only the status (for load balancers and compose); the details need
    HEALTH_TOKEN.
    """
    database = _database_ok()
    redis_up, waiting = _broker_state()
    last_seen = selectors.heartbeat_last_seen(name="beat") if database else None
    age = (timezone.now() - last_seen).total_seconds() if last_seen else None
    heartbeat_fresh = age is not None and age <= settings.HEARTBEAT_MAX_AGE
    healthy = database and redis_up and heartbeat_fresh
    status = 200 if healthy else 503
    body: dict[str, object] = {"status": "ok" if healthy else "unavailable"}
    if not _may_see_health_details(request):
        return JsonResponse(body, status=status)
    if not database:
        heartbeat = "unknown"
    else:
        heartbeat = "ok" if heartbeat_fresh else ("stale" if last_seen else "missing")
    worker, beat = _worker_and_beat(heartbeat=heartbeat, waiting=waiting)
    body |= {
        "database": "ok" if database else "unavailable",
        "redis": "ok" if redis_up else "unavailable",
        "worker": worker,
        "beat": beat,
        "heartbeat": {
            "status": heartbeat,
            "last_seen": last_seen.isoformat() if last_seen else None,
            "age_seconds": round(age, 1) if age is not None else None,
            "max_age_seconds": settings.HEARTBEAT_MAX_AGE,
        },
        "queued_tasks": waiting,
        # For the operator: does not make the site unavailable, but someone must look.
        "mail_set_aside": selectors.mail_set_aside_count() if database else None,
    }
    return JsonResponse(body, status=status)
