"""Request middleware of the core."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from . import maintenance, security


def _bad_text(value: str) -> bool:
    """A NUL or another control character, or text that was not valid UTF-8 (replaced)."""
    return any((ord(c) < 32 and c != "\t") or ord(c) == 127 or c == "\ufffd" for c in value)


class BadTextMiddleware:
    """A path or query with a NUL byte, a control character or invalid text is answered 400
    (a page in the visitor's language) before any view or query sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Bytes that are not UTF-8 come back into the path percent-encoded: no route has a "%".
        if "%" in request.path or self._bad_query(request, ()):
            return self._refused(request)
        return self.get_response(request)

    def _bad_query(self, request, lenient) -> bool:
        values = [*request.GET.keys()]
        values += [
            v for key in request.GET if key not in lenient for v in request.GET.getlist(key)
        ]
        if not any(_bad_text(v) for v in (request.path, *values)):
            return False
        # A view may take a parameter that another party writes and it never uses, such
        # as an identity provider's error_description (signin/views.py: callback).
        try:
            lenient_here = getattr(resolve(request.path_info).func, "lenient_query", ())
        except Resolver404:
            return True
        if lenient or not lenient_here:
            return True
        return self._bad_query(request, frozenset(lenient_here))

    @staticmethod
    def _refused(request):
        from django.shortcuts import render

        return render(request, "400.html", status=400)


class DutchFirstLocaleMiddleware(LocaleMiddleware):
    """Dutch unless the visitor chose English with the language switch.

    Django's own middleware follows the browser's Accept-Language, so a parent
    whose phone is set to English would get English pages by surprise. Here
    only the explicit choice (the language cookie) counts.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class NoStoreForUsersMiddleware:
    """Pages for a logged-in user hold personal data: no browser or proxy may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


#: Only this site's own files; no inline script or style anywhere (the templates have none).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
#: No page of this site needs a camera, a microphone, a location or a payment.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "interest-cohort",
        "browsing-topics",
    )
)


class SecurityHeadersMiddleware:
    """A Content-Security-Policy without 'unsafe-inline', and a Permissions-Policy, on every
    response (Django's SecurityMiddleware sends HSTS, nosniff and Referrer-Policy)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class SessionLimitsMiddleware:
    """Ends a staff session idle for STAFF_IDLE_SECONDS, and any session past its limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and security.session_expired(request):
            logout(request)
            messages.info(request, _("You were logged out to protect the data. Log in again."))
            return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


#: Pages a logged-in user reaches before the second step: the second step itself, and leaving.
BEFORE_SECOND_STEP = frozenset(
    {"two_step_setup", "two_step_verify", "logout", "set_language", "health"}
)


class TwoStepMiddleware:
    """Staff (and parents who chose it) verify a second step before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and security.needs_second_step(user)
            and not self._allowed(request)
        ):
            target = "two_step_verify" if security.has_two_step(user) else "two_step_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _allowed(request) -> bool:
        if request.path_info.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True  # a 404 shows nothing
        return match.url_name in BEFORE_SECOND_STEP and not match.namespace


class MaintenanceMiddleware:
    """While a backup is restored (schoolprivacy/maintenance.py), every request is
    answered 503: a page in the visitor's language, and /health/ its short JSON.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not maintenance.is_on():
            return self.get_response(request)
        from django.http import JsonResponse
        from django.shortcuts import render

        if request.path_info == reverse("health"):
            response = JsonResponse({"status": "unavailable"}, status=503)
        else:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
            with translation.override(language):
                response = render(request, "503.html", status=503)
                response.headers["Content-Language"] = language
        response.headers["Retry-After"] = "300"
        patch_cache_control(response, no_store=True)
        response._has_been_logged = True  # expected, not a server error for the log
        return response
