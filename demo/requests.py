"""Demo requests: a few open ones, so the handlers' dashboard shows the clock at work.

Written straight into the tables (as an import from the old system would), so seeding
sends no notices; the deadline sweep then reminds and escalates as it would in use.
Idempotent: a request is made only when its pupil, kind and requester have none.
"""

import datetime

from django.utils import timezone

from pupils.models import Guardianship, Pupil
from requests.deadlines import AMSTERDAM, response_due
from requests.models import DataRequest, RectificationItem, RequestEvent, SchoolRouting
from schoolprivacy.models import Role, User

# (pupil first and last name, requester e-mail or None for the first parent, kind,
#  days ago, channel, categories, correction (field, value, statement))
REQUESTS: list[tuple[str, str, str, str, int, str, list[str], tuple[str, str, str] | None]] = [
    ("Noor", "Visser", "peter.visser@ouders.example", "access", 20, "portal", [], None),
    (
        "Milan",
        "Dekker",
        "naima.dekker@ouders.example",
        "rectification",
        5,
        "portal",
        [],
        (
            "first_name",
            "Milan Yusuf",
            "Milan heeft twee voornamen; zo staat het in zijn paspoort.",
        ),
    ),
]
#: Generated pupils (by position in their school) with a request on paper, one overdue.
GENERATED = [
    ("regenboog", 12, "recipients", 40, "paper", []),
    ("horizon", 8, "erasure", 10, "email", ["consents"]),
]


def seed_requests(seeder, board, schools) -> None:
    SchoolRouting.objects.get_or_create(
        school=schools["horizon"], defaults={"handler_roles": [Role.TEAM_LEADER, Role.DIRECTOR]}
    )
    today = timezone.localdate()
    for first, last, email, kind, days, channel, categories, correction in REQUESTS:
        pupil = Pupil.objects.get(first_name=first, last_name=last)
        requester = User.objects.get(email=email)
        _request(seeder, pupil, requester, kind, today, days, channel, categories, correction)
    for school_key, position, kind, days, channel, categories in GENERATED:
        # A generated family (its mother is ouder<n>a@ouders.example).
        mother = (
            Guardianship.objects.filter(
                pupil__school=schools[school_key], parent__email__regex=r"^ouder[0-9]+a@"
            )
            .select_related("pupil", "parent")
            .order_by("pupil_id")[position]
        )
        _request(seeder, mother.pupil, mother.parent, kind, today, days, channel, categories, None)


def _request(seeder, pupil, requester, kind, today, days, channel, categories, correction):
    exists = DataRequest.objects.filter(pupil=pupil, kind=kind, requester=requester).exists()
    seeder.report.count("requests", not exists)
    if exists:
        return
    received_on = today - datetime.timedelta(days=days)
    due = response_due(received_on)
    handler_email = "directeur@regenboog.example" if pupil.school.brin == "99RB" else None
    request = DataRequest.objects.create(
        board=pupil.board,
        school=pupil.school,
        pupil=pupil,
        kind=kind,
        requester=requester,
        requester_role=DataRequest.RequesterRole.PARENT,
        channel=channel,
        identity_check=(
            DataRequest.IdentityCheck.PORTAL_LOGIN
            if channel == "portal"
            else DataRequest.IdentityCheck.KNOWN_EMAIL
            if channel == "email"
            else DataRequest.IdentityCheck.IN_PERSON
        ),
        received_at=datetime.datetime.combine(received_on, datetime.time(10), AMSTERDAM),
        received_on=received_on,
        first_due_on=due,
        due_on=due,
        categories=categories,
        recorded_by=requester
        if channel == "portal"
        else User.objects.get(email=handler_email or "teamleider@horizon.example"),
    )
    RequestEvent.objects.create(
        request=request,
        kind=RequestEvent.Kind.RECEIVED,
        by=request.recorded_by,
        to_status=DataRequest.Status.RECEIVED,
    )
    if correction:
        field, value, statement = correction
        RectificationItem.objects.create(
            request=request,
            target="pupil",
            target_id=pupil.pk,
            field=field,
            proposed_value=value,
            statement=statement,
        )
