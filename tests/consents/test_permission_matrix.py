"""Every role against every consent page and action, with real objects.

Allowed: the page opens (200) or the action saves and redirects (302).
Denied: 404 (the login page for anonymous visitors), and no decision recorded.
"""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from consents.models import ConsentEvent, Decision, Publication, Takedown
from tests.pupils.conftest import ROLES

from .conftest import make_purpose

pytestmark = pytest.mark.django_db

OVERVIEW = {"teacher", "care_coordinator", "team_leader", "director", "administrator"}
PAPER = {"team_leader", "director", "administrator"}
PROOF = {"director", "privacy_officer"}
SCHOOL = {
    "teacher",
    "teacher_other_group",
    "care_coordinator",
    "team_leader",
    "director",
    "administrator",
}

# page -> (URL name, roles allowed, method)
MATRIX = {
    "portal": ("consents:portal", {"parent"}, "get"),
    "decide": ("consents:decide", {"parent"}, "post"),
    "class_overview": ("consents:class_overview", OVERVIEW, "get"),
    "paper_form": ("consents:paper_form", PAPER, "get"),
    "paper_form_post": ("consents:paper_form", PAPER, "post"),
    "school_proof": ("consents:school_proof", PROOF, "get"),
    "pupil_proof": ("consents:pupil_proof", PROOF, "get"),
    "publication_list": ("consents:publication_list", SCHOOL, "get"),
    "publication_create": ("consents:publication_create", SCHOOL, "get"),
    "takedown_list": ("consents:takedown_list", SCHOOL, "get"),
    "takedown_done": ("consents:takedown_done", SCHOOL, "post"),
    "event_start": (
        "consents:event_start",
        {"care_coordinator", "team_leader", "director", "administrator"},
        "post",
    ),
    "version_create": (
        "consents:version_create",
        {"director", "administrator", "privacy_officer"},
        "get",
    ),
}

#: URL names of consents that take an object; the route matrix checks it is complete.
COVERED_URL_NAMES = {url_name for url_name, _, _ in MATRIX.values()} | {
    "consents:paper_scan",  # every role in test_scans.py
}


def address(page, world, purpose):
    pupil = world.pupil
    return {
        "portal": reverse("consents:portal", args=[pupil.pk]),
        "decide": reverse("consents:decide", args=[pupil.pk, purpose.pk]),
        "class_overview": reverse("consents:class_overview", args=[pupil.group_id]),
        "paper_form": reverse("consents:paper_form", args=[pupil.pk]),
        "paper_form_post": reverse("consents:paper_form", args=[pupil.pk]),
        "school_proof": reverse("consents:school_proof", args=[pupil.school_id]),
        "pupil_proof": reverse("consents:pupil_proof", args=[pupil.pk]),
        "publication_list": reverse("consents:publication_list", args=[pupil.school_id]),
        "publication_create": reverse("consents:publication_create", args=[pupil.school_id]),
        "takedown_list": reverse("consents:takedown_list", args=[pupil.school_id]),
        "version_create": reverse("consents:version_create", args=[purpose.pk]),
        "event_start": reverse("consents:event_start", args=[pupil.pk]),
        "takedown_done": reverse(
            "consents:takedown_done", args=[pupil.school_id, takedown(world, purpose).pk]
        ),
    }[page]


def takedown(world, purpose):
    """An open takedown task: a publication showing the pupil, whose consent was withdrawn."""
    existing = Takedown.objects.first()
    if existing:
        return existing
    parent = world.users["parent"]
    version = purpose.versions.get()
    given = Decision.objects.create(
        pupil=world.pupil,
        purpose=purpose,
        version=version,
        choice="given",
        decided_by=parent,
        decider_role="parent",
        decided_at=timezone.now(),
        channel="portal",
        recorded_by=parent,
    )
    publication = Publication.objects.create(
        school=world.pupil.school,
        purpose=purpose,
        title="Sportdag",
        published_on=timezone.localdate(),
        recorded_by=world.users["teacher"],
    )
    publication.pupils.add(world.pupil)
    return Takedown.objects.create(publication=publication, pupil=world.pupil, decision=given)


def payload(page, world, purpose):
    version = purpose.versions.get().pk
    if page == "decide":
        return {"version": version, "choice": "given", "submission": uuid.uuid4()}
    if page == "takedown_done":
        return {"note": "Foto verwijderd."}
    if page == "event_start":
        return {"trigger": "specialist_support", "started_on": "2026-11-20"}
    return {
        "purpose": purpose.pk,
        "choice": "given",
        "decided_by": world.users["parent"].pk,
        "form_date": "2026-09-01",
        "submission": uuid.uuid4(),
    }


CASES = [(page, role) for page in MATRIX for role in ROLES]


@pytest.mark.parametrize(("page", "role"), CASES, ids=[f"{p}-{r}" for p, r in CASES])
def test_consent_matrix(world, login, purpose, page, role):
    make_purpose(world.pupil.school, "zorg", category="care_partner", trigger="specialist_support")
    _, allowed, method = MATRIX[page]
    client = login(world.users[role])
    url = address(page, world, purpose)
    before = snapshot()
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, payload(page, world, purpose))
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert snapshot() == before
    elif role in allowed:
        assert response.status_code == (200 if method == "get" else 302)
        if method == "post":
            assert snapshot() != before
    else:
        assert response.status_code == 404
        assert snapshot() == before


def snapshot():
    return (
        ConsentEvent.objects.count(),
        Decision.objects.count(),
        list(Takedown.objects.values_list("pk", "done_at")),
        Publication.objects.count(),
    )
