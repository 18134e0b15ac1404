"""The breach register: the 72-hour clock of GDPR Art. 33, warnings, and who sees it."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from schoolprivacy.models import Notice
from suppliers import services
from suppliers.models import Breach, BreachWarning
from tests.pupils.conftest import ROLES

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def register(world, aware_at):
    return services.breach_record(
        board=world.pupil.board,
        title="USB-stick met toetsresultaten kwijt",
        description="Verloren in de trein.",
        aware_at=aware_at,
        schools=[world.pupil.school],
        affected_pupils=27,
        acting_user=world.users["privacy_officer"],
    )


@pytest.mark.parametrize(
    ("aware", "deadline"),
    [
        # Friday before the autumn clock change: the deadline is Monday, one hour "earlier".
        (datetime.datetime(2026, 10, 23, 10, 0), datetime.datetime(2026, 10, 26, 9, 0)),
        # Friday before the spring clock change: Monday, one hour "later".
        (datetime.datetime(2026, 3, 27, 10, 0), datetime.datetime(2026, 3, 30, 11, 0)),
        # An ordinary weekend: the clock runs through Saturday and Sunday.
        (datetime.datetime(2026, 11, 13, 16, 30), datetime.datetime(2026, 11, 16, 16, 30)),
    ],
)
def test_the_deadline_is_72_real_hours_through_weekends_and_clock_changes(world, aware, deadline):
    breach = register(world, aware.replace(tzinfo=AMSTERDAM))
    assert breach.deadline_at - breach.aware_at == datetime.timedelta(hours=72)
    assert timezone.localtime(breach.deadline_at).replace(tzinfo=None) == deadline


def test_the_database_keeps_the_deadline_at_72_hours(world):
    breach = register(world, timezone.now() - datetime.timedelta(hours=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Breach.objects.filter(pk=breach.pk).update(
            deadline_at=breach.deadline_at + datetime.timedelta(days=7)
        )


def test_awareness_in_the_future_is_refused(world):
    with pytest.raises(ValidationError):
        register(world, timezone.now() + datetime.timedelta(days=1))
    assert not Breach.objects.exists()


def test_the_privacy_officer_is_warned_once_a_day_before_and_once_when_it_passes(world):
    aware = timezone.now() - datetime.timedelta(hours=50)
    breach = register(world, aware)
    assert services.breach_warnings_sweep(now=aware + datetime.timedelta(hours=40)) == 0
    assert services.breach_warnings_sweep(now=aware + datetime.timedelta(hours=49)) == 1
    assert services.breach_warnings_sweep(now=aware + datetime.timedelta(hours=50)) == 0
    assert services.breach_warnings_sweep(now=aware + datetime.timedelta(hours=73)) == 1
    assert services.breach_warnings_sweep(now=aware + datetime.timedelta(hours=90)) == 0
    assert set(BreachWarning.objects.values_list("kind", flat=True)) == {"due_soon", "passed"}
    assert [m.to for m in mail.outbox] == [[world.users["privacy_officer"].email]] * 2
    assert Notice.objects.filter(user=world.users["privacy_officer"]).count() == 2
    assert breach.title in mail.outbox[1].body


def test_a_breach_with_a_decision_gets_no_warning(world):
    aware = timezone.now() - datetime.timedelta(hours=80)
    breach = register(world, aware)
    services.breach_follow_up(
        breach=breach,
        acting_user=world.users["privacy_officer"],
        not_notified_reason="Versleutelde stick; geen risico voor de leerlingen.",
    )
    assert services.breach_warnings_sweep() == 0


def test_the_privacy_officer_registers_a_breach_in_the_browser(world, login):
    client = login(world.users["privacy_officer"])
    response = client.post(
        reverse("suppliers:breach_create"),
        {
            "title": "Mail aan verkeerde ouders",
            "description": "Rapport naar de verkeerde ouder gestuurd.",
            "aware_at": "2026-11-20T09:15",
            "schools": [world.pupil.school_id],
            "affected_pupils": 1,
        },
    )
    assert response.status_code == 302
    breach = Breach.objects.get()
    assert timezone.localtime(breach.deadline_at).strftime("%d-%m %H:%M") == "23-11 09:15"
    page = client.get(reverse("suppliers:breach", args=[breach.pk])).content.decode()
    assert "23 november 2026, 09:15" in page  # the deadline in words (schoolprivacy/formats)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_privacy_officer_sees_the_breach_register(world, login, role):
    breach = register(world, timezone.now() - datetime.timedelta(hours=1))
    client = login(world.users[role])
    for url in (reverse("suppliers:breach", args=[breach.pk]), reverse("suppliers:breaches")):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302
        elif role == "privacy_officer":
            assert response.status_code == 200
        else:
            assert response.status_code == 404
