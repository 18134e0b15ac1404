"""The demo's exports (demo/files/) match the seeded demo, and importing them shows every
kind of line once, then nothing the second time (README, "Trying the import")."""

import csv
import io

import pytest

from demo import exports
from pupils.models import Group, Guardianship, ParentContact, Pupil
from schoolprivacy.models import School, User
from sync import selectors, services
from sync.models import ImportRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def regenboog(demo):
    return School.objects.get(brin=exports.SCHOOL_BRIN)


def test_the_demo_files_are_those_of_the_seeded_demo(regenboog):
    assert (exports.DIRECTORY / exports.EDEXML).read_bytes() == exports.edexml_bytes(regenboog), (
        "run `manage.py demo_exports` after changing the demo"
    )
    assert (exports.DIRECTORY / exports.PARENTS).read_bytes() == exports.parents_bytes(regenboog)


def _edexml(school, admin) -> ImportRun:
    content = (exports.DIRECTORY / exports.EDEXML).read_bytes()
    return services.edexml_preview(
        school=school, stream=io.BytesIO(content), size=len(content), acting_user=admin
    )


def _parents(school, admin) -> ImportRun:
    content = (exports.DIRECTORY / exports.PARENTS).read_bytes()
    run = services.parents_upload(
        school=school, stream=io.BytesIO(content), size=len(content), acting_user=admin
    )
    if run.status == ImportRun.Status.MAPPING:
        header = services.pending_header(run)
        mapping = selectors.proposed_mapping(run, header)
        run = services.column_mapping_save(run=run, mapping=mapping, acting_user=admin)
    return run


def _apply(run, admin) -> ImportRun:
    services.import_confirm(run=run, acting_user=admin)
    return services.import_apply(run_id=run.pk)


def test_the_demo_import_shows_each_kind_of_line_then_changes_nothing(regenboog):
    admin = User.objects.get(email="beheerder@regenboog.example")
    groups = Group.objects.filter(school=regenboog).count()
    current = Pupil.objects.filter(school=regenboog, left_on__isnull=True).count()
    run = _edexml(regenboog, admin)
    counts = run.counts
    assert counts["errors"] == 0, list(run.lines.filter(kind="error").values("line", "message"))
    assert (counts["new"], counts["moved"], counts["leaving"]) == (2, 1, 1)
    assert counts["groups_new"] == 0 and counts["groups_changed"] == 8  # they get their keys
    assert counts["teachers_new"] == 1
    assert not run.leavers_guarded
    assert _apply(run, admin).status == ImportRun.Status.DONE
    assert Group.objects.filter(school=regenboog).count() == groups
    assert Pupil.objects.filter(school=regenboog, left_on__isnull=True).count() == current + 1
    again = _edexml(regenboog, admin)
    assert not again.lines.exists() and again.counts["unchanged"] == current + 1

    links = Guardianship.objects.filter(pupil__school=regenboog).count()
    held = set(ParentContact.objects.values_list("parent__email", flat=True))
    parents = _parents(regenboog, admin)
    assert parents.counts["errors"] == 0
    assert parents.counts["new"] == 3  # the new pupils'
    # The demo holds the story parents' addresses and phone numbers as the export has them;
    # the export brings the others', one line for each parent (a parent of two pupils has one).
    rows = csv.DictReader(
        io.StringIO((exports.DIRECTORY / exports.PARENTS).read_text()), delimiter=";"
    )
    in_file = {row["E-mail verzorger"] for row in rows}
    known = in_file & set(User.objects.values_list("email", flat=True))
    assert held and held <= known
    # The new pupils' parents are new lines; the story parents' details are as the file has them.
    assert parents.counts["changed"] == len(known - held)
    changed = parents.lines.filter(kind="changed").first()
    assert set(changed.fields) == {"street", "postcode", "city", "phone_mobile"}
    _apply(parents, admin)
    assert Guardianship.objects.filter(pupil__school=regenboog).count() == (
        links + parents.counts["new"]
    )
    mila_mother = User.objects.get(email="anouk.kok@ouders.example")
    assert mila_mother.contact.phone_mobile.startswith("06-")
    assert mila_mother.contact.city == "Utrecht"
    second = _parents(regenboog, admin)
    assert second.status == ImportRun.Status.PREVIEW  # the columns were kept
    assert not second.lines.exists()
