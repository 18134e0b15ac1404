"""Who must prove a second factor, and how long a session may last.

Staff see personal data of many children: every staff role (and the technical
administrator) verifies a second step (TOTP, or a one-time recovery code) before any
page; a parent may choose to. A staff session ends after STAFF_IDLE_SECONDS without
activity, and every session after SESSION_ABSOLUTE_SECONDS, whatever happens in it.
"""

import time

from django.conf import settings

from .authorization import grants_for

LOGIN_AT = "schoolprivacy_login_at"
SEEN_AT = "schoolprivacy_seen_at"
#: How often the last-activity time is written to the session (seconds).
SEEN_RESOLUTION = 60


def login_username(request, credentials) -> str:
    """django-axes: the login name as the login form cleans it (case does not matter)."""
    return (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD, "").strip().lower()


def is_staff_user(user) -> bool:
    """Anyone with a school or board role, or the technical administrator."""
    return bool(user.is_authenticated and (user.is_staff or grants_for(user).is_staff_member))


def has_two_step(user) -> bool:
    """Whether *user* set up two-step verification (an authenticator app or recovery codes).

    One query for both kinds of device (django-otp asks each kind in turn), kept on the
    user for the request: a parent without it asks on every page.
    """
    cached = getattr(user, "_schoolprivacy_has_two_step", None)
    if cached is None:
        from django.db.models import Exists, OuterRef

        from .models import Authenticator, RecoveryCodes, User

        devices = [
            Exists(model.objects.filter(user=OuterRef("pk"), confirmed=True))
            for model in (Authenticator, RecoveryCodes)
        ]
        cached = User.objects.filter(devices[0] | devices[1], pk=user.pk).exists()
        user._schoolprivacy_has_two_step = cached
    return cached


def second_step_done(user) -> bool:
    """Whether this session passed the second step. Pass request.user: django-otp's
    OTPMiddleware gives it is_verified()."""
    return user.is_verified()


def local_second_step_done(user) -> bool:
    """Whether this session passed the app's own second step (an authenticator or a
    recovery code), not only a second factor proven elsewhere (a device whose
    ``proven_here`` is False: signin's ProviderMfaDevice). Changing the second step
    itself asks for this one."""
    return user.is_verified() and getattr(user.otp_device, "proven_here", True)


def needs_second_step(user) -> bool:
    """Staff always; a parent who set up two-step verification too."""
    return is_staff_user(user) or has_two_step(user)


def session_started(request) -> None:
    """A new login: the absolute limit and the idle time count from now."""
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


def session_expired(request) -> bool:
    """True when the session is past its absolute limit, or a staff session was idle too long.

    Marks the activity of this request otherwise.
    """
    now = int(time.time())
    session = request.session
    login_at = session.setdefault(LOGIN_AT, now)
    seen_at = session.get(SEEN_AT, now)
    if now - login_at > settings.SESSION_ABSOLUTE_SECONDS:
        return True
    if now - seen_at > settings.STAFF_IDLE_SECONDS and is_staff_user(request.user):
        return True
    if now - seen_at >= SEEN_RESOLUTION or SEEN_AT not in session:
        session[SEEN_AT] = now
    return False
