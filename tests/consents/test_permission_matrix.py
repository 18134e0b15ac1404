"""Every role against every consent page and action, with real objects.

Allowed: the page opens (200) or the action saves and redirects (302).
Denied: 404 (the login page for anonymous visitors), and no decision recorded.
"""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from consents.models import (
    ConsentEvent,
    ConsentRequest,
    Decision,
    Publication,
    Purpose,
    PurposePick,
    Takedown,
)
from tests.pupils.conftest import ROLES

from .conftest import make_purpose

pytestmark = pytest.mark.django_db

OVERVIEW = {"teacher", "care_coordinator", "team_leader", "director", "administrator"}
PAPER = {"team_leader", "director", "administrator"}
PROOF = {"director", "privacy_officer"}
EVENTS = {"care_coordinator", "team_leader", "director", "administrator"}
MANAGE = {"director", "administrator", "privacy_officer"}
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
    "campaign_group": ("consents:campaign_group", OVERVIEW, "get"),
    "campaign_remind": ("consents:campaign_group", OVERVIEW, "post"),
    "paper_form": ("consents:paper_form", PAPER, "get"),
    "paper_form_post": ("consents:paper_form", PAPER, "post"),
    "school_proof": ("consents:school_proof", PROOF, "get"),
    "pupil_proof": ("consents:pupil_proof", PROOF, "get"),
    "publication_list": ("consents:publication_list", SCHOOL, "get"),
    "publication_create": ("consents:publication_create", SCHOOL, "get"),
    "takedown_list": ("consents:takedown_list", SCHOOL, "get"),
    "takedown_done": ("consents:takedown_done", SCHOOL, "post"),
    "event_start": ("consents:event_start", EVENTS, "post"),
    "version_create": ("consents:version_create", MANAGE, "get"),
    "purpose_audience": ("consents:purpose_audience", MANAGE, "get"),
    "purpose_audience_post": ("consents:purpose_audience", MANAGE, "post"),
    "purpose_pick": ("consents:purpose_pick", EVENTS, "post"),
    "purpose_unpick": ("consents:purpose_unpick", EVENTS, "post"),
}

#: URL names of consents that take an object; the route matrix checks it is complete.
COVERED_URL_NAMES = {url_name for url_name, _, _ in MATRIX.values()} | {
    "consents:paper_scan",  # every role in test_scans.py
}


def address(page, world, purpose):
    pupil = world.pupil
    # Made only for their own page: they change what the other pages find.
    if page == "purpose_unpick":
        return reverse("consents:purpose_unpick", args=[pupil.pk, pick(world).pk])
    if page == "takedown_done":
        return reverse(
            "consents:takedown_done", args=[pupil.school_id, takedown(world, purpose).pk]
        )
    return {
        "portal": reverse("consents:portal", args=[pupil.pk]),
        "decide": reverse("consents:decide", args=[pupil.pk, purpose.pk]),
        "class_overview": reverse("consents:class_overview", args=[pupil.group_id]),
        "campaign_group": reverse("consents:campaign_group", args=[pupil.group_id]),
        "campaign_remind": reverse("consents:campaign_group", args=[pupil.group_id]),
        "paper_form": reverse("consents:paper_form", args=[pupil.pk]),
        "paper_form_post": reverse("consents:paper_form", args=[pupil.pk]),
        "school_proof": reverse("consents:school_proof", args=[pupil.school_id]),
        "pupil_proof": reverse("consents:pupil_proof", args=[pupil.pk]),
        "publication_list": reverse("consents:publication_list", args=[pupil.school_id]),
        "publication_create": reverse("consents:publication_create", args=[pupil.school_id]),
        "takedown_list": reverse("consents:takedown_list", args=[pupil.school_id]),
        "version_create": reverse("consents:version_create", args=[purpose.pk]),
        "event_start": reverse("consents:event_start", args=[pupil.pk]),
        "purpose_audience": reverse("consents:purpose_audience", args=[purpose.pk]),
        "purpose_audience_post": reverse("consents:purpose_audience", args=[purpose.pk]),
        "purpose_pick": reverse("consents:purpose_pick", args=[pupil.pk]),
    }[page]


def pick(world):
    """The care partner's question, put to the pupil by its care coordinator."""
    return PurposePick.objects.get_or_create(
        purpose=Purpose.objects.get(code="zorg"),
        pupil=world.pupil,
        defaults={"picked_by": world.users["care_coordinator"]},
    )[0]


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
    if page == "purpose_audience_post":
        return {"max_age": "12"}
    if page == "purpose_pick":
        return {"purpose": Purpose.objects.get(code="zorg").pk}
    if page in ("purpose_unpick", "campaign_remind"):
        return {}
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
        list(Purpose.objects.values_list("pk", "max_age")),
        list(PurposePick.objects.values_list("pk", flat=True)),
        list(ConsentRequest.objects.values_list("pk", "sent_at")),
    )
