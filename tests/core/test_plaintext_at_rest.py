"""No readable health data or secrets at rest.

The demo board is seeded (special-category records, BSNs, addresses, parents' words), a
break-glass reason and a record's source are written, an authenticator and recovery
codes are made; then every text, JSON, array and binary column of every table is read
and none may hold the plaintext of a value the app encrypted, nor a secret of the second
step. The whole run's logs and mails are checked the same way (tests/logcheck.py).
"""

import pytest
from django.db import connection

from pupils import services as pupil_services
from pupils.models import Pupil, Source, SpecialRecord
from schoolprivacy import services
from schoolprivacy.models import Authenticator, Membership, Role
from tests import logcheck

pytestmark = pytest.mark.django_db

#: Plaintexts the app also keeps in the clear on purpose, where they are no secret.
SAME_VALUE_ELSEWHERE = {
    # A care organisation a record names as its source is also named in the consent
    # question every parent is asked (consents_purposeversion): public, about no child.
    "Landelijk Werkverband Onderwijs en Epilepsie",
}

HEALTH = "Absence-epilepsie, kinderneuroloog UMC"
REASON = "Epileptische aanval op het schoolplein"
SOURCE = "Kinderneuroloog dr. Bakker, UMC Utrecht"


def text_columns() -> list[tuple[str, str]]:
    """Every column of every table of the project's database that can hold text."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT table_name, column_name FROM information_schema.columns
             WHERE table_schema = current_schema()
               AND (data_type IN ('text', 'character varying', 'json', 'jsonb', 'bytea',
                                  'ARRAY', 'character'))
             ORDER BY table_name, column_name
            """
        )
        return cursor.fetchall()


def values_of(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "{column}"::text FROM "{table}" WHERE "{column}" IS NOT NULL'  # noqa: S608
        )
        return [value for (value,) in cursor.fetchall()]


@pytest.fixture
def before():
    """What other tests encrypted (their texts may be anyone's words in this database)."""
    return set(logcheck.SECRETS)


def test_no_column_holds_what_the_app_encrypted_or_a_second_step_secret(before, demo):
    pupil = Pupil.objects.filter(anonymised_at__isnull=True).first()
    staff = Membership.objects.filter(school=pupil.school, role=Role.TEACHER).first().user
    coordinator = (
        Membership.objects.filter(school=pupil.school, role=Role.CARE_COORDINATOR).first().user
    )
    pupil_services.special_record_add(
        pupil=pupil,
        kind=SpecialRecord.Kind.MEDICAL,
        content=HEALTH,
        source=Source.CARE_PARTNER,
        source_detail=SOURCE,
        acting_user=coordinator,
    )
    pupil_services.emergency_access_open(pupil=pupil, reason=REASON, acting_user=staff)
    device = services.two_step_device_new(user=staff)
    key = Authenticator.objects.get(pk=device.pk).key
    codes = services.recovery_codes_issue(user=staff)

    secrets = {s for s in logcheck.SECRETS - before if len(s) >= logcheck.MIN_SECRET}
    assert HEALTH in secrets  # what the app encrypts is known to the check
    secrets |= {HEALTH, REASON, SOURCE, key, key.upper(), *codes}
    secrets |= {code.replace("-", "") for code in codes}
    secrets -= SAME_VALUE_ELSEWHERE
    columns = text_columns()
    assert len(columns) > 150  # every app's tables, and django's, auditlog's, otp's
    found = []
    for table, column in columns:
        for value in values_of(table, column):
            for secret in secrets:
                if secret in value:
                    found.append(f"{table}.{column}: {secret[:40]!r}")
    assert found == []
