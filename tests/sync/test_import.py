"""The sync with the pupil administration: one idempotent import, matched by keys, with a
preview first; bad input reported per line, a file that cannot be used refused whole."""

import datetime
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from pupils.models import Group, GroupPlacement, GroupUserObjectPermission, Pupil
from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.models import Membership, Role, User
from sync import services
from sync.models import ImportLine, ImportRun

from .files import P, T, edexml

pytestmark = pytest.mark.django_db
D = datetime.date
EXPORT_DAY = D(2026, 11, 30)


@pytest.fixture
def school(world):
    return world.pupil.school


def preview(world, data: bytes, **kwargs) -> ImportRun:
    return services.edexml_preview(
        school=world.pupil.school,
        stream=io.BytesIO(data),
        size=kwargs.pop("size", len(data)),
        acting_user=world.users["administrator"],
        export_date=EXPORT_DAY,
        **kwargs,
    )


def run_import(world, data: bytes, **confirm) -> ImportRun:
    run = preview(world, data)
    assert run.status == ImportRun.Status.PREVIEW, run.refused_reason
    services.import_confirm(run=run, acting_user=world.users["administrator"], **confirm)
    return services.import_apply(run_id=run.pk)


def file_for(world, pupils, **kwargs):
    return edexml(pupils, brin=world.pupil.school.brin, **kwargs)


CLASS = [
    P("L1", "Jansen", "Noor", birth="2017-05-01", bsn="111222333"),
    P("L2", "Dijk", "Sem", prefix="van", birth="2017-08-12", gender="1"),
    P("L3", "Yilmaz", "Elif", birth="2016-11-30", group="g6", year_group="6"),
]
TEACHERS = [T("T1", "Hendriks", "Tom", "tom.hendriks@school.example", groups=["g5"])]


def school_pupils(world):
    return Pupil.objects.filter(school=world.pupil.school, external_key__isnull=False)


def test_a_first_import_creates_the_groups_the_pupils_and_the_teachers(world):
    run = run_import(world, file_for(world, CLASS, teachers=TEACHERS), leavers_confirmed=True)
    assert run.status == ImportRun.Status.DONE
    assert run.counts["new"] == 3
    groups = {g.external_key: g for g in Group.objects.filter(external_key__isnull=False)}
    assert set(groups) == {"g5", "g6"} and groups["g5"].school_year == 2026
    noor = Pupil.objects.get(external_key="L1")
    assert (noor.first_name, noor.last_name, noor.bsn, noor.group) == (
        "Noor",
        "Jansen",
        "111222333",
        groups["g5"],
    )
    assert GroupPlacement.objects.filter(pupil=noor, group=groups["g5"]).exists()
    tom = User.objects.get(email="tom.hendriks@school.example")
    assert Membership.objects.filter(user=tom, role=Role.TEACHER).exists()
    assert not tom.has_usable_password()  # invited when the administrator chooses
    assert GroupUserObjectPermission.objects.filter(user=tom, content_object=groups["g5"]).exists()
    create = AuditEntry.objects.get_for_object(noor).get(action=AuditEntry.Action.CREATE)
    assert create.actor == world.users["administrator"]
    assert not ImportLine.objects.exclude(data__isnull=True).exists()  # nothing kept


def test_a_second_import_of_the_same_file_changes_nothing(world):
    data = file_for(world, CLASS, teachers=TEACHERS)
    run_import(world, data, leavers_confirmed=True)
    entries = AuditEntry.objects.count()
    again = preview(world, data)
    assert again.counts["new"] == again.counts["updated"] == again.counts["leaving"] == 0
    assert again.counts["unchanged"] == 3
    assert not again.lines.exists()
    services.import_confirm(run=again, acting_user=world.users["administrator"])
    services.import_apply(run_id=again.pk)
    assert AuditEntry.objects.count() == entries


def test_a_changed_group_moves_the_pupil_and_keeps_the_history(world):
    run_import(world, file_for(world, CLASS), leavers_confirmed=True)
    moved = [
        P(p.key, p.last_name, p.first, p.birth, p.prefix, p.group, p.year_group, p.gender, p.bsn)
        for p in CLASS
    ]
    moved[0].group, moved[0].year_group = "g6", "6"
    run = preview(world, file_for(world, moved))
    assert run.counts["moved"] == 1
    services.import_confirm(run=run, acting_user=world.users["administrator"])
    services.import_apply(run_id=run.pk)
    noor = Pupil.objects.get(external_key="L1")
    assert noor.group.external_key == "g6"
    history = list(GroupPlacement.objects.filter(pupil=noor).order_by("start_on"))
    assert [p.group.external_key for p in history] == ["g5", "g6"]
    assert history[0].end_on is not None


def test_a_changed_name_updates_through_the_owning_service_audited(world):
    run_import(world, file_for(world, CLASS), leavers_confirmed=True)
    renamed = list(CLASS)
    renamed[0] = P("L1", "Jansen-de Wit", "Noor", birth="2017-05-01", bsn="111222333")
    run = preview(world, file_for(world, renamed))
    line = run.lines.get(kind="changed")
    assert line.fields == ["last_name"]
    services.import_confirm(run=run, acting_user=world.users["administrator"])
    services.import_apply(run_id=run.pk)
    noor = Pupil.objects.get(external_key="L1")
    change = (
        AuditEntry.objects.get_for_object(noor).filter(action=AuditEntry.Action.UPDATE).latest()
    )
    assert change.changes["last_name"] == ["Jansen", "Jansen-de Wit"]


def test_a_pupil_missing_from_a_complete_export_leaves_on_the_export_date(world):
    run_import(world, file_for(world, CLASS), leavers_confirmed=True)
    run = preview(world, file_for(world, CLASS[:2]))
    assert run.counts["leaving"] >= 1
    services.import_confirm(
        run=run, acting_user=world.users["administrator"], leavers_confirmed=run.leavers_guarded
    )
    services.import_apply(run_id=run.pk)
    assert Pupil.objects.get(external_key="L3").left_on == EXPORT_DAY


def test_more_than_ten_percent_leaving_stops_until_confirmed(world):
    run_import(world, file_for(world, CLASS), leavers_confirmed=True)
    run = preview(world, file_for(world, CLASS[:1]))
    assert run.leavers_guarded
    with pytest.raises(ValidationError) as error:
        services.import_confirm(run=run, acting_user=world.users["administrator"])
    assert "leavers_confirmed" in error.value.message_dict
    assert ImportRun.objects.get(pk=run.pk).status == ImportRun.Status.PREVIEW
    assert not Pupil.objects.filter(external_key__in=["L2", "L3"], left_on__isnull=False).exists()


def test_the_first_import_matches_pupils_by_bsn_or_by_name_and_birth(world):
    by_bsn = world.pupil
    by_name = world.other_pupil
    by_name.bsn, by_name.bsn_index = None, None
    by_name.save()
    pupils = [
        P(
            "K1",
            by_bsn.last_name,
            by_bsn.first_name,
            birth=str(by_bsn.date_of_birth),
            bsn=by_bsn.bsn,
        ),
        P("K2", by_name.last_name, by_name.first_name, birth=str(by_name.date_of_birth)),
    ]
    run = run_import(world, file_for(world, pupils), leavers_confirmed=True)
    assert run.counts["new"] == 0
    assert Pupil.objects.get(pk=by_bsn.pk).external_key == "K1"
    assert Pupil.objects.get(pk=by_name.pk).external_key == "K2"


def test_an_ambiguous_match_is_reported_never_guessed(world):
    twin = Pupil.objects.get(pk=world.other_pupil.pk)
    for pupil in (world.pupil, twin):
        pupil.first_name, pupil.last_name = "Sam", "Visser"
        pupil.date_of_birth = D(2017, 3, 14)
        pupil.bsn, pupil.bsn_index = None, None
        pupil.save()
    run = preview(world, file_for(world, [P("K1", "Visser", "Sam", birth="2017-03-14")]))
    (error,) = run.lines.filter(kind="error")
    assert "name and date of birth" in error.message or "naam en geboortedatum" in error.message
    assert run.counts["new"] == 0


@pytest.mark.parametrize(
    ("pupils", "reason"),
    [
        ([P("L1", "Jansen", "Noor", group="gX")], "gX"),
        ([P("L1", "Jansen", "Noor"), P("L1", "Smit", "Tim")], "L1"),
        ([P("L1", "Jansen", "Noor", bsn="123456789")], "BSN"),
        ([P("L1", "Jansen", "Noor", birth="2099-01-01")], "future"),
        ([P("L1", "Jansen", "Noor", birth="14-03-2017")], "14-03-2017"),
        ([P("", "Jansen", "Noor")], "key"),
    ],
    ids=["unknown-group", "duplicate-key", "invalid-bsn", "future-birth", "no-date", "no-key"],
)
def test_bad_lines_are_reported_and_nothing_changes_without_confirmation(world, pupils, reason):
    before = Pupil.objects.count()
    run = preview(world, file_for(world, pupils))
    assert run.status == ImportRun.Status.PREVIEW
    errors = list(run.lines.filter(kind="error"))
    assert errors and errors[0].line > 0
    with pytest.raises(ValidationError):
        services.import_confirm(
            run=run, acting_user=world.users["administrator"], leavers_confirmed=True
        )
    assert Pupil.objects.count() == before


@pytest.mark.parametrize(
    "data",
    [
        b"not xml",
        b"<EDEX><school><brincode>00XX</brincode><schooljaar>2026-2027</schooljaar>"
        b"</school></EDEX>",
    ],
    ids=["not-xml", "another-school"],
)
def test_a_file_that_cannot_be_used_is_refused_whole(world, data):
    before = Pupil.objects.count()
    run = preview(world, data)
    assert run.status == ImportRun.Status.REFUSED and run.refused_reason
    assert not run.lines.exists() and Pupil.objects.count() == before


def test_a_file_of_200_mb_is_refused_before_it_is_read(world):
    run = preview(world, b"", size=200 * 1024 * 1024)
    assert run.status == ImportRun.Status.REFUSED and "MB" in run.refused_reason


def test_only_the_administrator_and_director_import(world):
    for role in ("teacher", "care_coordinator", "team_leader", "privacy_officer", "parent"):
        with pytest.raises(services.PermissionDenied):
            services.edexml_preview(
                school=world.pupil.school,
                stream=io.BytesIO(file_for(world, CLASS)),
                size=10,
                acting_user=world.users[role],
            )
    assert not ImportRun.objects.exists()


def test_the_command_imports_and_ends_with_one_line(world, tmp_path):
    path = tmp_path / "EDEX.XML"
    path.write_bytes(file_for(world, CLASS))
    out = io.StringIO()
    call_command(
        "import_pupils",
        str(path),
        "--school",
        world.pupil.school.brin,
        "--confirm-leavers",
        "--user",
        world.users["administrator"].email,
        stdout=out,
    )
    assert out.getvalue().strip().splitlines()[-1] == (
        "created 3, updated 0, unchanged 0, left 2, errors 0"
    )


def test_a_dry_run_reports_everything_and_changes_nothing(world, tmp_path):
    path = tmp_path / "EDEX.XML"
    path.write_bytes(file_for(world, CLASS))
    before = (Pupil.objects.count(), Group.objects.count(), ImportRun.objects.count())
    out = io.StringIO()
    call_command(
        "import_pupils", str(path), "--school", world.pupil.school.brin, "--dry-run", stdout=out
    )
    text = out.getvalue()
    assert "created 3" in text and "would leave at once" in text  # the guard, reported
    assert (Pupil.objects.count(), Group.objects.count(), ImportRun.objects.count()) == before


def test_the_command_refuses_an_unusable_file_with_an_error(world, tmp_path):
    path = tmp_path / "EDEX.XML"
    path.write_bytes(b"<html/>")
    with pytest.raises(CommandError):
        call_command(
            "import_pupils",
            str(path),
            "--school",
            world.pupil.school.brin,
            "--dry-run",
            stdout=io.StringIO(),
        )


def test_a_first_import_gives_the_groups_made_here_their_key_and_moves_nobody(world):
    pupil, group = world.pupil, world.pupil.group
    placements = GroupPlacement.objects.filter(pupil=pupil).count()
    row = P(
        "K1",
        pupil.last_name,
        pupil.first_name,
        prefix=pupil.name_prefix,
        birth=pupil.date_of_birth.isoformat(),
        gender={"m": "1", "f": "2"}.get(pupil.gender, "0"),
        bsn=pupil.bsn or "",
        group="G-A",
    )
    data = file_for(
        world,
        [row],
        year=f"{group.school_year}-{group.school_year + 1}",
        groups=(("G-A", group.name.upper(), "5", False),),
    )
    run = preview(world, data)
    assert run.counts["groups_new"] == 0 and run.counts["groups_changed"] == 1
    assert (run.counts["new"], run.counts["moved"]) == (0, 0)
    services.import_confirm(
        run=run, acting_user=world.users["administrator"], leavers_confirmed=True
    )
    services.import_apply(run_id=run.pk)
    group.refresh_from_db()
    pupil.refresh_from_db()
    assert group.external_key == "G-A"
    assert pupil.group == group and pupil.external_key == "K1"
    assert GroupPlacement.objects.filter(pupil=pupil).count() == placements
    assert not Group.objects.filter(
        school=group.school, name__startswith=group.name + " ("
    ).exists()


def test_a_preview_nobody_confirms_is_removed_after_two_weeks(world):
    stale = preview(world, file_for(world, CLASS))
    fresh = preview(world, file_for(world, CLASS))
    assert stale.lines.exists()
    two_weeks_ago = timezone.now() - datetime.timedelta(days=services.STALE_DAYS, hours=1)
    ImportRun.objects.filter(pk=stale.pk).update(uploaded_at=two_weeks_ago)
    assert services.stale_imports_sweep() == 1
    stale.refresh_from_db()
    assert stale.status == ImportRun.Status.EXPIRED and not stale.lines.exists()
    assert ImportRun.objects.get(pk=fresh.pk).status == ImportRun.Status.PREVIEW
    assert fresh.lines.exists()
    assert services.stale_imports_sweep() == 0
    with pytest.raises(ValidationError):
        services.import_confirm(run=stale, acting_user=world.users["administrator"])


def test_new_pupils_are_enrolled_together_audited_with_the_bsn_masked(world):
    run_import(world, file_for(world, CLASS, teachers=TEACHERS), leavers_confirmed=True)
    noor = Pupil.objects.get(external_key="L1")
    create = AuditEntry.objects.get_for_object(noor).get(action=AuditEntry.Action.CREATE)
    assert create.actor == world.users["administrator"]
    assert "111222333" not in json.dumps(create.changes)
    assert create.changes["last_name"][1] == "Jansen"
    placement = GroupPlacement.objects.get(pupil=noor)
    assert AuditEntry.objects.get_for_object(placement).filter(action=AuditEntry.Action.CREATE)
    line = ImportLine.objects.get(key="L1")
    assert line.pupil == noor and line.applied and line.data is None


def test_a_bsn_taken_meanwhile_is_reported_for_its_line_and_the_others_are_enrolled(world):
    run = preview(world, file_for(world, CLASS))
    # Between the preview and the confirmation another school of the board enrols Noor.
    other = Membership.objects.get(user=world.users["director_other_school"]).school
    from pupils import services as pupil_services

    pupil_services.pupil_create(
        school=other,
        acting_user=world.users["director_other_school"],
        first_name="Noor",
        last_name="Jansen",
        date_of_birth=D(2017, 5, 1),
        enrolled_on=D(2023, 8, 20),
        bsn="111222333",
    )
    services.import_confirm(
        run=run, acting_user=world.users["administrator"], leavers_confirmed=True
    )
    run = services.import_apply(run_id=run.pk)
    assert run.counts["failed"] == 1
    assert ImportLine.objects.get(run=run, key="L1").message
    assert not Pupil.objects.filter(external_key="L1").exists()
    assert Pupil.objects.filter(external_key__in=["L2", "L3"]).count() == 2


def test_new_teachers_are_taken_on_together_audited_and_an_existing_account_is_reused(world):
    parent = world.users["parent"]  # a parent of the school who also teaches there
    teachers = [
        *TEACHERS,
        T("T2", "Bakker", "Eva", parent.email.upper(), groups=["g5", "g6"]),
        T("T3", "Smit", "Joost", "joost.smit@school.example", groups=["g6"]),
    ]
    classes = [*CLASS]
    run = run_import(world, file_for(world, classes, teachers=teachers), leavers_confirmed=True)
    assert run.counts["teachers_new"] == 3 and run.counts["failed"] == 0
    assert User.objects.filter(email__iexact=parent.email).count() == 1  # no second account
    parent.refresh_from_db()
    assert parent.has_usable_password()  # the parent's own login is untouched
    taught = set(
        GroupUserObjectPermission.objects.filter(
            content_object__school=world.pupil.school, content_object__external_key__isnull=False
        ).values_list("user__email", "content_object__external_key")
    )
    assert taught == {
        ("tom.hendriks@school.example", "g5"),
        (parent.email, "g5"),
        (parent.email, "g6"),
        ("joost.smit@school.example", "g6"),
    }
    joost = User.objects.get(email="joost.smit@school.example")
    role = Membership.objects.get(user=joost, school=world.pupil.school)
    assert role.role == Role.TEACHER
    for row in (joost, role, GroupUserObjectPermission.objects.get(user=joost)):
        entry = AuditEntry.objects.get_for_object(row).get(action=AuditEntry.Action.CREATE)
        assert entry.actor == world.users["administrator"]
    assert "password" not in AuditEntry.objects.get_for_object(joost).get().changes


def test_taking_on_teachers_is_refused_whole_for_another_schools_group_or_a_teacher(world):
    from pupils import services as pupil_services

    other = Membership.objects.get(user=world.users["director_other_school"]).school
    foreign = Group.objects.create(school=other, name="Elders", school_year=2026)
    before = (User.objects.count(), Membership.objects.count(), AuditEntry.objects.count())
    teachers = [{"email": "new@school.example", "full_name": "Nieuw", "groups": [foreign]}]
    with pytest.raises(ValidationError):
        pupil_services.teachers_take_on(
            school=world.pupil.school, acting_user=world.users["administrator"], teachers=teachers
        )
    with pytest.raises(PermissionDenied):
        pupil_services.teachers_take_on(
            school=world.pupil.school, acting_user=world.users["teacher"], teachers=[]
        )
    assert (User.objects.count(), Membership.objects.count(), AuditEntry.objects.count()) == before


def test_the_preview_asks_the_same_few_queries_for_ten_teachers_as_for_one(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(count):
        teachers = [
            T(f"T{n}", "Leraar", f"N{n}", f"leraar{n}.{count}@school.example", groups=["g5"])
            for n in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            run = preview(world, file_for(world, CLASS, teachers=teachers))
        assert run.counts["teachers_new"] == count
        return len(captured)

    queries(1)  # what is read once per process (content types, translations) is read
    assert queries(10) == queries(1)
