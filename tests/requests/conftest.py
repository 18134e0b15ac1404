"""Request tests use the dossier world of tests/pupils, plus who receives the pupil's data."""

import datetime
import uuid

import pytest

from pupils.models import Agreement, Note, SpecialRecord, TestResult
from requests import services
from requests.models import DataRequest
from suppliers.models import FieldSet, Recipient, Supplier, SupplierUse
from tests.pupils.conftest import login, world  # noqa: F401 (fixtures)

D = datetime.date


@pytest.fixture
def receivers(world):  # noqa: F811
    """Gynzy (has an e-mail contact) gets names and results; SKOOL (no address) names only;
    DUO gets the BSN on a legal basis."""
    school = world.pupil.school
    gynzy = Supplier.objects.create(
        board=school.board,
        name="Gynzy",
        category="learning_method",
        contact="Privacyteam <privacy@gynzy.example>",
    )
    skool = Supplier.objects.create(board=school.board, name="SKOOL", category="other")
    for supplier, fields in (
        (gynzy, ["first_name", "last_name", "test_results"]),
        (skool, ["first_name", "group"]),
    ):
        SupplierUse.objects.create(supplier=supplier, school=school, since=D(2020, 8, 1))
        FieldSet.objects.create(supplier=supplier, valid_from=D(2020, 8, 1), fields=fields)
    duo = Recipient.objects.create(
        board=school.board, name="DUO", legal_basis="WPO art. 178a", fields=["bsn", "last_name"]
    )
    duo.schools.add(school)
    return {"gynzy": gynzy, "skool": skool, "duo": duo}


@pytest.fixture
def dossier(world):  # noqa: F811
    """A few entries of every kind on the pupil's dossier."""
    pupil = world.pupil
    author = world.users["teacher"]
    return {
        "agreement": Agreement.objects.create(
            pupil=pupil,
            author=author,
            agreed_on=D(2026, 9, 1),
            participants="moeder, leerkracht",
            agreement="Extra leesoefening thuis.",
        ),
        "test": TestResult.objects.create(
            pupil=pupil, author=author, test_name="Rekenen M5", taken_on=D(2026, 10, 1), score="41"
        ),
        "note": Note.objects.create(
            pupil=pupil, author=author, written_on=D(2026, 10, 2), title="Gesprek", body="Goed."
        ),
        "referral": Note.objects.create(
            pupil=pupil,
            author=author,
            kind=Note.Kind.REFERRAL,
            written_on=D(2026, 10, 3),
            title="Verwijzing SO",
            body="Onderwijskundig rapport.",
        ),
        "special": SpecialRecord.objects.create(
            pupil=pupil, author=world.users["care_coordinator"], kind="medical", content="Astma."
        ),
    }


def submit(world, kind="access", *, role="parent", **kwargs) -> DataRequest:  # noqa: F811
    """A request of *kind* by the parent with authority, through the service (the portal)."""
    parent = world.users[role]
    return services.request_submit(
        pupil=kwargs.pop("pupil", world.pupil),
        kind=kind,
        requester=parent,
        acting_user=parent,
        submission=uuid.uuid4(),
        **kwargs,
    )


def recorded(world, kind="access", *, received_on, by="director", **kwargs) -> DataRequest:  # noqa: F811
    """A request that came on paper on *received_on*, recorded by a handler."""
    return services.request_submit(
        pupil=world.pupil,
        kind=kind,
        requester=world.users["parent"],
        acting_user=world.users[by],
        channel=DataRequest.Channel.PAPER,
        received_on=received_on,
        identity_check=DataRequest.IdentityCheck.IN_PERSON,
        submission=uuid.uuid4(),
        **kwargs,
    )
