"""One submission, one effect (DESIGN, "Rules that hold everywhere").

Every form a logged-in user posts carries a key of its own (``{% submission_key %}``,
next to the CSRF token). The first post of a key claims it; the view runs and its answer
(the page it redirects to) is kept. A second post of the same key, a double click or a
replay, runs nothing: it waits for the first to be answered and gets the same answer. A
post that was answered with the form again (it had errors) gives its key back, so the
corrected form can be sent.
"""

import time
import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone

from .models import Submission

#: The name of the form field that carries the key.
FIELD = "submission"
#: How long a second post waits for the first to be answered.
WAIT_SECONDS = 15
POLL_SECONDS = 0.1
#: How long a key is remembered.
KEEP = timedelta(days=2)


def key_of(request) -> uuid.UUID | None:
    """The key the posted form carried, or None."""
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except (ValueError, AttributeError, TypeError):
        return None


def claim(user, key: uuid.UUID, path: str) -> bool:
    """Claim *key* for *user*'s post; False when it was claimed before."""
    try:
        with transaction.atomic():
            Submission.objects.create(user=user, key=key, path=path[:300])
    except IntegrityError:
        return False
    return True


def answer(user, key: uuid.UUID, location: str) -> None:
    Submission.objects.filter(user=user, key=key).update(
        answered_at=timezone.now(), location=location[:1000]
    )


def give_back(user, key: uuid.UUID) -> None:
    """The post changed nothing (the form came back with errors, or it failed)."""
    Submission.objects.filter(user=user, key=key, answered_at__isnull=True).delete()


def wait_for(user, key: uuid.UUID) -> Submission | None:
    """The first post's answer once it is there; None if its key was given back."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = Submission.objects.filter(user=user, key=key).first()
        if found is None or found.answered_at is not None:
            return found
        if time.monotonic() > deadline:
            return found  # still running: the caller says so
        time.sleep(POLL_SECONDS)


def forget_old(now=None) -> int:
    """Daily: keys older than KEEP are forgotten. Returns how many."""
    cutoff = (now or timezone.now()) - KEEP
    deleted, _ = Submission.objects.filter(created_at__lt=cutoff).delete()
    return deleted


class OneSubmissionMiddleware:
    """Runs each keyed post of a logged-in user once (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if request.method != "POST" or user is None or not user.is_authenticated:
            return self.get_response(request)
        key = key_of(request)
        if key is None:
            return self.get_response(request)
        while not claim(user, key, request.path):
            first = wait_for(user, key)
            if first is None:
                continue  # given back meanwhile: this post may go
            if first.answered_at is None:
                return render(request, "submission_pending.html", status=409)
            return HttpResponseRedirect(first.location or request.get_full_path())
        try:
            response = self.get_response(request)
        except BaseException:
            give_back(user, key)
            raise
        if response.status_code in (301, 302, 303):
            answer(user, key, response["Location"])
        elif response.status_code == 200 and not response.get("Content-Disposition"):
            give_back(user, key)  # the form again, with its errors: nothing was done
        elif response.status_code < 400:
            answer(user, key, request.get_full_path())
        else:
            give_back(user, key)
        return response
