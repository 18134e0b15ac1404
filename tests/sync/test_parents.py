"""The parents export (CSV): the columns set once per school, a preview line by line, the
links applied through the dossier's services (audited), and invitations only on demand."""

import io
import json

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from pupils.models import Guardianship, Invitation, Pupil
from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.models import User
from sync import services
from sync.models import ColumnMapping, ImportLine, ImportRun

pytestmark = pytest.mark.django_db

HEADER = (
    "Leerlingnummer;Roepnaam verzorger;Tussenvoegsel;Achternaam verzorger;E-mail;Relatie;Gezag"
)


def csv_file(*rows, header=HEADER, encoding="utf-8") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


@pytest.fixture
def keyed(world):
    """The world's pupils with their keys in the administration (a first EDEXML import)."""
    Pupil.objects.filter(pk=world.pupil.pk).update(external_key="L1")
    Pupil.objects.filter(pk=world.other_pupil.pk).update(external_key="L2")
    return world


def upload(client, world, data: bytes, school=None):
    file = io.BytesIO(data)
    file.name = "verzorgers.csv"
    return client.post(
        reverse("sync:parents"), {"school": (school or world.pupil.school).pk, "file": file}
    )


def map_columns(client, run, **overrides):
    mapping = {
        "pupil_key": "Leerlingnummer",
        "email": "E-mail",
        "first_name": "Roepnaam verzorger",
        "prefix": "Tussenvoegsel",
        "last_name": "Achternaam verzorger",
        "relation": "Relatie",
        "authority": "Gezag",
        **overrides,
    }
    return client.post(reverse("sync:columns", args=[run.pk]), mapping)


def apply(client, run, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sync:confirm", args=[run.pk]), {"errors_confirmed": "on"})
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    return run


def imported(client, world, callbacks, *rows) -> ImportRun:
    """Upload *rows*, say the columns, confirm and apply: the run as it ends."""
    upload(client, world, csv_file(*rows))
    map_columns(client, ImportRun.objects.latest("pk"))
    return apply(client, ImportRun.objects.latest("pk"), callbacks)


def test_the_first_time_the_columns_are_asked_then_kept_for_the_school(
    keyed, login, django_capture_on_commit_callbacks
):
    client = login(keyed.users["administrator"])
    data = csv_file("L1;Anna;de;Vries;anna@example.org;Moeder;ja")
    response = upload(client, keyed, data)
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.MAPPING
    assert client.get(response["Location"])["Location"].endswith(
        reverse("sync:columns", args=[run.pk])
    )
    page = client.get(reverse("sync:columns", args=[run.pk])).content.decode()
    assert "Achternaam verzorger" in page
    assert not Guardianship.objects.filter(parent__email="anna@example.org").exists()

    response = map_columns(client, run)
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEW and run.pending_file is None
    assert run.counts["new"] == 1
    assert ColumnMapping.objects.get(school=keyed.pupil.school).columns["email"] == "E-mail"
    preview = client.get(reverse("sync:run", args=[run.pk])).content.decode()
    assert "Anna de Vries (anna@example.org)" in preview
    assert not User.objects.filter(email="anna@example.org").exists()  # not before confirming

    apply(client, run, django_capture_on_commit_callbacks)
    link = Guardianship.objects.get(parent__email="anna@example.org", pupil=keyed.pupil)
    assert link.relation == Guardianship.Relation.MOTHER and link.has_parental_authority
    assert not link.parent.has_usable_password()
    assert AuditEntry.objects.get_for_object(link).filter(action=AuditEntry.Action.CREATE).exists()
    assert not Invitation.objects.filter(parent=link.parent).exists()
    assert mail.outbox == []

    # The next export, its columns in another order, is read at once with the saved mapping.
    columns = HEADER.split(";")
    reordered = ";".join(reversed(columns))
    row = ";".join(reversed(["L1", "Anna", "de", "Vries", "anna@example.org", "Moeder", "ja"]))
    upload(client, keyed, csv_file(row, header=reordered))
    again = ImportRun.objects.latest("pk")
    assert again.status == ImportRun.Status.PREVIEW
    assert again.counts == {
        "new": 0,
        "changed": 0,
        "unchanged": 1,
        "errors": 0,
        "leaving": 0,
        "lines": {},
    }
    assert not again.lines.exists()


def test_a_missing_required_column_is_asked_again_and_nothing_is_saved(keyed, login):
    client = login(keyed.users["administrator"])
    upload(client, keyed, csv_file("L1;Anna;de;Vries;anna@example.org;Moeder;ja"))
    run = ImportRun.objects.get()
    response = map_columns(client, run, email="")
    assert response.status_code == 200
    assert "Dit veld is verplicht" in response.content.decode() or "required" in str(
        response.context["form"].errors
    )
    run.refresh_from_db()
    assert run.status == ImportRun.Status.MAPPING
    assert not ColumnMapping.objects.exists()
    assert not run.lines.exists()


def test_a_changed_relation_or_authority_is_applied_and_audited(
    keyed, login, django_capture_on_commit_callbacks
):
    link = keyed.guardianships["parent"]
    assert link.has_parental_authority
    Pupil.objects.filter(pk=link.pupil_id).update(external_key="K9")
    client = login(keyed.users["administrator"])
    upload(client, keyed, csv_file(f"K9;Jan;;Smit;{link.parent.email.upper()};Voogd;nee"))
    run = ImportRun.objects.get()
    map_columns(client, run)
    run.refresh_from_db()
    assert run.counts["changed"] == 1
    line = run.lines.get()
    assert set(line.fields) == {"relation", "has_parental_authority"}
    preview = client.get(reverse("sync:run", args=[run.pk])).content.decode()
    assert "→ voogd" in preview

    apply(client, run, django_capture_on_commit_callbacks)
    link.refresh_from_db()
    assert link.relation == Guardianship.Relation.GUARDIAN
    assert not link.has_parental_authority
    change = AuditEntry.objects.get_for_object(link).filter(action=AuditEntry.Action.UPDATE).get()
    assert "has_parental_authority" in change.changes_dict
    assert change.actor == keyed.users["administrator"]


@pytest.mark.parametrize(
    "row, reason",
    [
        ("L404;Anna;;Vries;anna@example.org;Moeder;ja", "L404"),
        ("L1;Anna;;Vries;geen-adres;Moeder;ja", "geen-adres"),
        ("L1;Anna;;;anna@example.org;Moeder;ja", ""),
        ("L1;Anna;;Vries;anna@example.org;Moeder;misschien", "misschien"),
    ],
)
def test_a_bad_row_is_reported_and_changes_nothing(
    keyed, login, row, reason, django_capture_on_commit_callbacks
):
    client = login(keyed.users["administrator"])
    upload(client, keyed, csv_file(row, "L2;Bram;;Bos;bram@example.org;Vader;ja"))
    run = ImportRun.objects.get()
    map_columns(client, run)
    run.refresh_from_db()
    assert run.counts["errors"] == 1 and run.counts["new"] == 1
    error = run.lines.get(kind=ImportLine.Kind.ERROR)
    assert error.line == 2 and error.message and reason in error.message
    before = set(Guardianship.objects.values_list("pk", "relation", "has_parental_authority"))
    # Confirming without accepting the bad line changes nothing at all.
    response = client.post(reverse("sync:confirm", args=[run.pk]), {})
    assert response.status_code == 200
    assert set(Guardianship.objects.values_list("pk", "relation", "has_parental_authority")) == (
        before
    )
    # Applying the valid rest links only the valid row.
    apply(client, run, django_capture_on_commit_callbacks)
    assert Guardianship.objects.filter(parent__email="bram@example.org").count() == 1
    assert not User.objects.filter(email="anna@example.org").exists()


def test_a_pair_twice_in_the_file_is_reported_once_as_an_error(keyed, login):
    client = login(keyed.users["administrator"])
    row = "L1;Anna;;Vries;anna@example.org;Moeder;ja"
    upload(client, keyed, csv_file(row, row))
    run = ImportRun.objects.get()
    map_columns(client, run)
    run.refresh_from_db()
    assert (run.counts["new"], run.counts["errors"]) == (1, 1)


def test_a_latin1_comma_export_is_read(keyed, login):
    client = login(keyed.users["administrator"])
    header = HEADER.replace(";", ",")
    row = "L1,Zoë,,Ölçer,zoe@example.org,Pleegmoeder,ja"
    data = csv_file(row, header=header, encoding="latin-1")
    upload(client, keyed, data)
    run = ImportRun.objects.get()
    map_columns(client, run)
    line = ImportRun.objects.get().lines.get()
    assert json.loads(line.data)["full_name"] == "Zoë Ölçer"


def test_a_file_that_is_no_csv_is_refused_and_nothing_waits(keyed, login):
    client = login(keyed.users["administrator"])
    upload(client, keyed, b"\x00\x01\x02binary")
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.REFUSED and run.pending_file is None
    assert run.refused_reason


def test_invitations_go_out_only_when_asked(keyed, login, django_capture_on_commit_callbacks):
    client = login(keyed.users["administrator"])
    imported(
        client,
        keyed,
        django_capture_on_commit_callbacks,
        "L1;Anna;;Vries;anna@example.org;Moeder;ja",
        "L2;Anna;;Vries;anna@example.org;Moeder;ja",
        "L1;Bram;;Bos;bram@example.org;Vader;ja",
    )
    assert mail.outbox == []
    page = client.get(reverse("sync:parents"))
    waiting = {s.pk: s.waiting for s in page.context["waiting"]}
    assert waiting[keyed.pupil.school.pk] == 2  # Anna once, though she has two children

    # A teacher, and a director of another school, cannot send them: nothing changes.
    for role in ("teacher", "director_other_school"):
        other = login(keyed.users[role])
        other.post(reverse("sync:invite"), {"school": keyed.pupil.school.pk})
    assert not Invitation.objects.exists()

    client = login(keyed.users["administrator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("sync:invite"), {"school": keyed.pupil.school.pk})
    assert response.status_code == 302
    invited = set(Invitation.objects.values_list("parent__email", flat=True))
    assert invited == {"anna@example.org", "bram@example.org"}
    assert sorted(m.to[0] for m in mail.outbox) == ["anna@example.org", "bram@example.org"]
    # Asking again invites nobody twice.
    client.post(reverse("sync:invite"), {"school": keyed.pupil.school.pk})
    assert Invitation.objects.count() == 2


def test_the_command_imports_the_parents(keyed, tmp_path):
    path = tmp_path / "verzorgers.csv"
    path.write_bytes(csv_file("L1;Anna;;Vries;anna@example.org;Moeder;ja"))
    out = io.StringIO()
    call_command(
        "import_pupils", str(path), "--parents", "--school", keyed.pupil.school.brin, stdout=out
    )
    assert out.getvalue().strip().splitlines()[-1].startswith("created 1, updated 0")
    assert Guardianship.objects.filter(parent__email="anna@example.org").exists()
    # Columns it does not recognise stop it before anything changes.
    path.write_bytes(csv_file("L1;x;;y;z@example.org;;ja", header="a;b;c;d;e;f;g"))
    ColumnMapping.objects.all().delete()
    with pytest.raises(CommandError):
        call_command("import_pupils", str(path), "--parents", "--school", keyed.pupil.school.brin)
    assert not User.objects.filter(email="z@example.org").exists()


def test_services_refuse_a_teacher(keyed):
    data = csv_file("L1;Anna;;Vries;anna@example.org;Moeder;ja")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.parents_upload(
            school=keyed.pupil.school,
            stream=io.BytesIO(data),
            size=len(data),
            acting_user=keyed.users["teacher"],
        )
    assert not ImportRun.objects.exists()


def test_new_parents_are_linked_together_audited_without_their_password(
    keyed, login, django_capture_on_commit_callbacks
):
    client = login(keyed.users["administrator"])
    run = imported(
        client,
        keyed,
        django_capture_on_commit_callbacks,
        "L1;Anna;;Vries;anna@example.org;Moeder;ja",
        "L2;Anna;;Vries;ANNA@example.org;Moeder;ja",
        "L2;Bram;;Bos;bram@example.org;Vader;nee",
    )
    anna = User.objects.get(email="anna@example.org")
    assert anna.guardianships.count() == 2 and not anna.has_usable_password()
    created = AuditEntry.objects.get_for_object(anna).get(action=AuditEntry.Action.CREATE)
    assert created.actor == keyed.users["administrator"] and "password" not in created.changes
    bram = Guardianship.objects.get(parent__email="bram@example.org")
    assert not bram.has_parental_authority and bram.pupil == keyed.other_pupil
    assert AuditEntry.objects.get_for_object(bram).filter(action=AuditEntry.Action.CREATE).exists()
    assert not ImportLine.objects.filter(run=run, applied=False).exists()


def test_a_link_made_meanwhile_is_reported_and_the_others_are_linked(
    keyed, login, django_capture_on_commit_callbacks
):
    client = login(keyed.users["administrator"])
    upload(
        client,
        keyed,
        csv_file(
            "L1;Anna;;Vries;anna@example.org;Moeder;ja", "L2;Bram;;Bos;bram@example.org;Vader;ja"
        ),
    )
    run = ImportRun.objects.get()
    map_columns(client, run)
    # Between the preview and the confirmation the school links Anna by hand.
    from pupils import services as pupil_services

    pupil_services.parent_link(
        pupil=keyed.pupil,
        email="anna@example.org",
        full_name="Anna Vries",
        relation="mother",
        has_parental_authority=True,
        has_information_right=False,
        acting_user=keyed.users["director"],
    )
    run = apply(client, ImportRun.objects.get(), django_capture_on_commit_callbacks)
    assert run.counts["failed"] == 1
    assert Guardianship.objects.filter(parent__email="anna@example.org").count() == 1
    assert Guardianship.objects.filter(parent__email="bram@example.org").count() == 1


CONTACT_HEADER = f"{HEADER};Straat;Huisnummer;Postcode;Woonplaats;Telefoon mobiel;Telefoon werk"


def contact_import(client, world, callbacks, *rows, header=CONTACT_HEADER) -> ImportRun:
    upload(client, world, csv_file(*rows, header=header))
    run = ImportRun.objects.latest("pk")
    if run.status == ImportRun.Status.MAPPING:
        map_columns(
            client,
            run,
            street="Straat",
            house_number="Huisnummer",
            postcode="Postcode",
            city="Woonplaats",
            phone_mobile="Telefoon mobiel",
            phone_work="Telefoon werk",
        )
        run = ImportRun.objects.latest("pk")
    return run


def test_addresses_and_phone_numbers_come_with_the_parents_encrypted_and_audited(
    keyed, login, django_capture_on_commit_callbacks
):
    from django.db import connection

    client = login(keyed.users["administrator"])
    run = contact_import(
        client,
        keyed,
        django_capture_on_commit_callbacks,
        "L1;Anna;de;Vries;anna@example.org;Moeder;ja;Kerkstraat;12a;3512 AB;Utrecht;06-12345678;",
        "L2;Anna;de;Vries;anna@example.org;Moeder;ja;Kerkstraat;12a;3512 AB;Utrecht;06-12345678;",
    )
    assert run.counts["new"] == 2
    apply(client, run, django_capture_on_commit_callbacks)
    anna = User.objects.get(email="anna@example.org")
    contact = anna.contact
    assert (contact.street, contact.postcode, contact.city) == (
        "Kerkstraat 12a",
        "3512 AB",
        "Utrecht",
    )
    assert (contact.phone_mobile, contact.phone_work) == ("06-12345678", "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT street, phone_mobile FROM pupils_parentcontact")
        stored = " ".join(map(str, cursor.fetchone()))
    assert "Kerkstraat" not in stored and "12345678" not in stored
    entry = AuditEntry.objects.get_for_object(contact).get()
    assert "12345678" not in json.dumps(entry.changes) and "Kerkstraat" not in json.dumps(
        entry.changes
    )
    assert entry.actor == keyed.users["administrator"]

    # The same file again changes nothing; a new number is a change, shown before and after.
    again = contact_import(
        client,
        keyed,
        django_capture_on_commit_callbacks,
        "L1;Anna;de;Vries;anna@example.org;Moeder;ja;Kerkstraat;12a;3512 AB;Utrecht;06-12345678;",
    )
    assert not again.lines.exists() and again.counts["unchanged"] == 1
    changed = contact_import(
        client,
        keyed,
        django_capture_on_commit_callbacks,
        "L1;Anna;de;Vries;anna@example.org;Moeder;ja;Kerkstraat;12a;3512 AB;Utrecht;06-87654321;",
    )
    line = changed.lines.get()
    assert (line.kind, line.fields) == ("changed", ["phone_mobile"])
    page = client.get(reverse("sync:run", args=[changed.pk])).content.decode()
    assert "06-12345678" in page and "06-87654321" in page
    apply(client, changed, django_capture_on_commit_callbacks)
    contact.refresh_from_db()
    assert contact.phone_mobile == "06-87654321" and contact.street == "Kerkstraat 12a"
    assert AuditEntry.objects.get_for_object(contact).count() == 2


def test_a_phone_number_that_is_none_is_reported_and_nothing_is_stored(
    keyed, login, django_capture_on_commit_callbacks
):
    client = login(keyed.users["administrator"])
    run = contact_import(
        client,
        keyed,
        django_capture_on_commit_callbacks,
        "L1;Anna;de;Vries;anna@example.org;Moeder;ja;Kerkstraat;1;3512 AB;Utrecht;bel mij;",
    )
    line = run.lines.get()
    assert line.kind == "error" and "bel mij" in line.message
    assert not Guardianship.objects.filter(parent__email="anna@example.org").exists()
    from pupils.models import ParentContact

    assert not ParentContact.objects.exists()
