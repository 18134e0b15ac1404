"""Two-step verification in tests: the code an authenticator app would show, and a
force_login that also passes the second step (as a staff member does every day).

The second step itself is tested as it is in tests/core/test_two_step.py; other tests
log in with a real, confirmed authenticator attached to the session.
"""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from schoolprivacy import security
from schoolprivacy.models import Authenticator

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def code_for(device: Authenticator) -> str:
    """The code the app shows now, or the next one when this one was used already."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += (device.last_t + 1 - totp.t()) * device.step
    return f"{totp.token():0{device.digits}d}"


def authenticator_of(user) -> Authenticator:
    device = Authenticator.objects.filter(user=user, confirmed=True).first()
    return device or Authenticator.objects.create(user=user, name="test app", confirmed=True)


def pass_second_step(client, user) -> None:
    """Mark the client's session as verified with the user's (real) authenticator."""
    from schoolprivacy.security import needs_second_step

    user = type(user).objects.get(pk=user.pk)  # not the caller's object: its grants stay
    if not needs_second_step(user):
        return
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_of(user).persistent_id
    session.save()


def install(monkeypatch) -> None:
    """Client.force_login(user) logs in as the ModelBackend and passes the second step;
    force_login(user, second_step=False) stops after the password."""
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None, *, second_step=True):
        original(self, user, backend or MODEL_BACKEND)
        session = self.session
        session[security.LOGIN_AT] = session[security.SEEN_AT] = int(time.time())  # as login
        session.save()
        if second_step:
            pass_second_step(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)
