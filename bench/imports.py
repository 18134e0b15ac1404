"""M7: the import from the pupil administration at board size (sync/, issue 15).

A board's export of 60,000 pupils, 2,400 groups and 3,000 teachers (EDEXML 2.1, one
file) and its parents CSV of 110,000 rows are generated here, imported as the command
``import_pupils`` does (read into a preview, confirmed, applied), then imported a second
time (which must change nothing). The floor is the same rows written into another
school with one bulk INSERT per table (Django's ``bulk_create``): groups, pupils and
their placements, the teachers' and parents' accounts, the teachers' roles and grants,
the parents' contact details and the guardianships. The audit entries the import writes
for each of those rows are not in the floor: it is the rows alone (FI+audit shows what
writing them adds).

Every import and the floor run in a process of their own (forked), as a worker would:
its peak resident size is the worker's peak memory, compared between a 6,000- and the
60,000-pupil file.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import connections, transaction

from .measure import Bench, Result, client_of, floors_for, getter, measure_page

PUPILS = 60_000
GROUPS = 2_400
TEACHERS = 3_000
PARENT_ROWS = 110_000
SMALL = 10  # the small file is a tenth of the large one
SCHOOL_YEAR = 2026
NAMESPACE = "http://www.edustandaard.nl/edex/2.1"
FIRST = ("Emma", "Noah", "Julia", "Liam", "Mila", "Luuk", "Tess", "Sem", "Saar", "Finn")
LAST = ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder")


# --- The files ----------------------------------------------------------------------------


def bsn(n: int) -> str:
    """The *n*-th citizen service number that passes the eleven-test (the 9th digit is
    chosen; a number whose check would be 10 is skipped by using the next base)."""
    base = 10_000_000 + n * 2
    while True:
        digits = [int(c) for c in f"{base:08d}"]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        check = total % 11
        if check < 10:
            return f"{base:08d}{check}"
        base += 1


def _names(n: int) -> tuple[str, str, str]:
    last = LAST[n % len(LAST)]
    prefix, _, last = last.rpartition(" ")
    return FIRST[n % len(FIRST)], prefix, f"{last}{n % 997}"


def write_edexml(path: Path, brin: str, pupils: int, groups: int, teachers: int) -> None:
    """An EDEXML 2.1 export, written as a stream."""
    with path.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<EDEX xmlns="{NAMESPACE}">\n')
        out.write(
            f"<school><schooljaar>{SCHOOL_YEAR}-{SCHOOL_YEAR + 1}</schooljaar>"
            f"<brincode>{brin}</brincode><dependancecode>00</dependancecode></school>\n"
        )
        out.write("<groepen>\n")
        for g in range(groups):
            out.write(
                f'<groep key="G{g:05d}"><naam>Groep {g % 8 + 1}-{g:05d}</naam>'
                f"<jaargroep>{g % 8 + 1}</jaargroep></groep>\n"
            )
        out.write("</groepen>\n<leerlingen>\n")
        for p in range(pupils):
            first, prefix, last = _names(p)
            g = p % groups
            born = datetime.date(2015, 1, 1) + datetime.timedelta(days=(p * 7) % 2900)
            out.write(
                f'<leerling key="L{p:06d}" eckid="https://ketenid.nl/201703/{p:040d}">'
                f"<achternaam>{last}</achternaam><voorvoegsel>{prefix}</voorvoegsel>"
                f"<voornamen>{first}</voornamen><roepnaam>{first}</roepnaam>"
                f"<geboortedatum>{born.isoformat()}</geboortedatum>"
                f"<geslacht>{1 + p % 2}</geslacht><jaargroep>{g % 8 + 1}</jaargroep>"
                f'<bsn>{bsn(p)}</bsn><groep key="G{g:05d}"/></leerling>\n'
            )
        out.write("</leerlingen>\n<leerkrachten>\n")
        for t in range(teachers):
            first, prefix, last = _names(t + 7)
            taught = "".join(
                f'<groep key="G{g:05d}"/>' for g in range(t * groups // teachers, groups, teachers)
            )
            out.write(
                f'<leerkracht key="T{t:05d}"><achternaam>{last}</achternaam>'
                f"<voorvoegsel>{prefix}</voorvoegsel><roepnaam>{first}</roepnaam>"
                f"<emailadres>leerkracht{t}@{brin.lower()}.bench.example</emailadres>"
                f"<groepen>{taught}</groepen></leerkracht>\n"
            )
        out.write("</leerkrachten>\n</EDEX>\n")


def parent_rows(pupils: int, rows: int):
    """(pupil, parent number, relation) for *rows* rows: the first pupils have two parents,
    the rest one; one pupil in ten shares its parents with the pupil before it (siblings)."""
    two = rows - pupils
    for p in range(pupils):
        family = p - 1 if p % 10 == 1 else p
        yield p, family * 2, "Moeder"
        if p < two:
            yield p, family * 2 + 1, "Vader"


def write_parents(path: Path, brin: str, pupils: int, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(
            "Leerlingnummer;Roepnaam verzorger;Tussenvoegsel verzorger;Achternaam verzorger;"
            "E-mail verzorger;Relatie tot leerling;Ouderlijk gezag;Straat;Huisnummer;Postcode;"
            "Woonplaats;Telefoon mobiel\r\n"
        )
        for p, parent, relation in parent_rows(pupils, rows):
            first, prefix, last = _names(parent + 3)
            street, number, postcode, city, phone = contact(parent)
            out.write(
                f"L{p:06d};{first};{prefix};{last};ouder{parent}@{brin.lower()}.bench.example;"
                f"{relation};ja;{street};{number};{postcode};{city};{phone}\r\n"
            )


def contact(parent: int) -> tuple[str, str, str, str, str]:
    """A parent's street, house number, postcode, town and mobile number."""
    return (
        f"{LAST[parent % len(LAST)].split()[-1]}straat",
        str(parent % 150 + 1),
        f"{1000 + parent % 9000} AB",
        "Utrecht",
        f"06-{parent % 100_000_000:08d}",
    )


# --- Schools, and running in a process of one's own ---------------------------------------------


def make_school(brin: str):
    """A board with one school of that BRIN and its administrator."""
    from schoolprivacy.models import Board, Membership, Role, School, User

    board = Board.objects.create(name=f"Bestuur {brin}", privacy_contact_email="fg@bench.example")
    school = School.objects.create(board=board, name=f"School {brin}", brin=brin)
    admin = User.objects.create_user(
        email=f"admin@{brin.lower()}.bench.example", full_name=f"Administratie {brin}"
    )
    Membership.objects.create(user=admin, school=school, role=Role.ADMINISTRATOR)
    return school, admin


def _status_mib(name: str) -> float:
    """A size from /proc/self/status (VmRSS, VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(name)


def in_child(fn: Callable[[], dict]) -> dict:
    """Run *fn* in a forked process (a worker of its own) and return what it returned, with
    its wall time and how far its resident size grew above where it started (its peak,
    reset at the start: a forked process inherits its parent's)."""
    connections.close_all()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        status = 0
        try:
            Path("/proc/self/clear_refs").write_text("5")  # the peak starts here
            start_rss = _status_mib("VmRSS")
            start = time.perf_counter()
            result = fn()
            result["seconds"] = time.perf_counter() - start
            result["rss_mib"] = _status_mib("VmHWM") - start_rss
        except BaseException as error:
            result, status = {"error": repr(error)}, 1
        with os.fdopen(write, "w") as out:
            json.dump(result, out)
        connections.close_all()
        os._exit(status)
    os.close(write)
    with os.fdopen(read) as source:
        result = json.load(source)
    os.waitpid(pid, 0)
    if "error" in result:
        raise RuntimeError(f"the child process failed: {result['error']}")
    return result


def preview(school_id: int, path: Path, *, parents: bool = False) -> dict:
    """Read an export into a preview as the command does; the run and its counts."""
    from schoolprivacy.models import Role, School
    from sync import selectors, services

    school = School.objects.get(pk=school_id)
    admin = school.memberships.get(role=Role.ADMINISTRATOR).user
    with path.open("rb") as stream:
        size = path.stat().st_size
        if parents:
            run = services.parents_upload(
                school=school, stream=stream, size=size, acting_user=admin
            )
            if run.pending_file:
                header = services.pending_header(run)
                run = services.column_mapping_save(
                    run=run, mapping=selectors.proposed_mapping(run, header), acting_user=admin
                )
        else:
            run = services.edexml_preview(
                school=school, stream=stream, size=size, acting_user=admin
            )
    return {"run": run.pk, "counts": run.counts, "status": run.status}


def apply(run_id: int) -> dict:
    """Confirm and apply a preview in this process (as the worker's task does)."""
    from sync import services
    from sync.models import ImportRun

    run = ImportRun.objects.select_related("school", "uploaded_by").get(pk=run_id)
    with transaction.atomic():
        services.import_confirm(run=run, acting_user=run.uploaded_by, errors_confirmed=True)
    run = services.import_apply(run_id=run_id)
    return {"counts": run.counts, "status": run.status}


def import_in_workers(school_id: int, files: tuple[Path, Path], between=None) -> dict:
    """Both files imported as the pages do it, each phase in a worker of its own: the pupils'
    preview, their apply, the parents (preview and apply). *between* is called with the
    preview's run before it is applied (the page the administrator reads). Per phase: its
    seconds and how far its resident size grew."""
    edexml, parents = files
    previewed = in_child(lambda: preview(school_id, edexml))
    if between is not None:
        between(previewed["run"])
    applied = in_child(lambda: apply(previewed["run"]))
    family = in_child(lambda: _parents_both(school_id, parents))
    return {
        "pupils": previewed["counts"],
        "parents": family["parents"],
        "seconds": previewed["seconds"] + applied["seconds"] + family["seconds"],
        "pupil_file_mib": max(previewed["rss_mib"], applied["rss_mib"]),
        "parents_mib": family["rss_mib"],
        "note": (
            f"pupils: preview {previewed['seconds']:.1f} s, applied {applied['seconds']:.1f} s;"
            f" parents: preview {family['parents_preview_s']:.1f} s, applied "
            f"{family['parents_apply_s']:.1f} s"
        ),
    }


# --- The floor --------------------------------------------------------------------------------


def floor_rows(school_id: int, pupils: int, groups: int, teachers: int, rows: int) -> dict:
    """The rows of the two files written into *school* with one INSERT per table."""
    from pupils.models import (
        Group,
        GroupPlacement,
        GroupUserObjectPermission,
        Guardianship,
        ParentContact,
        Pupil,
    )
    from pupils.services import _set_bsn_index
    from schoolprivacy import audit
    from schoolprivacy.models import Membership, Role, School, User

    school = School.objects.get(pk=school_id)
    brin = school.brin.lower()
    enrolled = datetime.date.today()
    unusable = make_password(None)  # as set_unusable_password, which the import uses
    teach = Permission.objects.get(codename="teach_group", content_type__app_label="pupils")
    started = time.perf_counter()
    with transaction.atomic():
        group_rows = Group.objects.bulk_create(
            Group(
                school=school,
                school_year=SCHOOL_YEAR,
                external_key=f"G{g:05d}",
                name=f"Groep {g % 8 + 1}-{g:05d}",
                year_group=g % 8 + 1,
            )
            for g in range(groups)
        )
        pupil_rows = []
        for p in range(pupils):
            first, prefix, last = _names(p)
            pupil = Pupil(
                school=school,
                board_id=school.board_id,
                group=group_rows[p % groups],
                external_key=f"L{p:06d}",
                eckid=f"https://ketenid.nl/201703/{p:040d}",
                first_name=first,
                name_prefix=prefix,
                last_name=last,
                date_of_birth=datetime.date(2015, 1, 1) + datetime.timedelta(days=(p * 7) % 2900),
                gender="m" if p % 2 == 0 else "f",
                bsn=bsn(p),
                enrolled_on=enrolled,
            )
            _set_bsn_index(pupil)
            pupil_rows.append(pupil)
        Pupil.objects.bulk_create(pupil_rows)
        placements = GroupPlacement.objects.bulk_create(
            GroupPlacement(pupil=p, group=p.group, start_on=enrolled) for p in pupil_rows
        )
        staff = User.objects.bulk_create(
            User(
                email=f"leerkracht{t}@{brin}.bench.example",
                full_name=" ".join(n for n in _names(t + 7) if n),
                password=unusable,
            )
            for t in range(teachers)
        )
        roles = Membership.objects.bulk_create(
            Membership(user=u, school=school, role=Role.TEACHER) for u in staff
        )
        grants = GroupUserObjectPermission.objects.bulk_create(
            GroupUserObjectPermission(
                user=staff[t], permission=teach, content_object=group_rows[g]
            )
            for t in range(teachers)
            for g in range(t * groups // teachers, groups, teachers)
        )
        family = {}
        for _p, parent, _relation in parent_rows(pupils, rows):
            if parent not in family:
                family[parent] = User(
                    email=f"ouder{parent}@{brin}.bench.example",
                    full_name=" ".join(n for n in _names(parent + 3) if n),
                    password=unusable,
                )
        User.objects.bulk_create(family.values())
        contacts = ParentContact.objects.bulk_create(
            ParentContact(
                parent=user,
                street=" ".join(contact(parent)[:2]),
                postcode=contact(parent)[2],
                city=contact(parent)[3],
                phone_mobile=contact(parent)[4],
            )
            for parent, user in family.items()
        )
        links = Guardianship.objects.bulk_create(
            Guardianship(
                pupil=pupil_rows[p],
                parent=family[parent],
                relation=Guardianship.Relation.MOTHER
                if relation == "Moeder"
                else Guardianship.Relation.FATHER,
                has_parental_authority=True,
            )
            for p, parent, relation in parent_rows(pupils, rows)
        )
        rows_s = time.perf_counter() - started
        written = [
            *group_rows,
            *pupil_rows,
            *placements,
            *staff,
            *roles,
            *grants,
            *family.values(),
            *contacts,
            *links,
        ]
        entries = audit.write_created(written)
    return {"rows": len(written), "rows_s": rows_s, "audit": entries}


# --- M7 -----------------------------------------------------------------------------------------


def scale_to(pupils: int) -> None:
    """The import's size: *pupils* pupils (at most the 60,000 of the sync issue), with
    groups, teachers and parent rows in the same proportion."""
    global PUPILS, GROUPS, TEACHERS, PARENT_ROWS
    pupils = min(pupils, 60_000)
    PUPILS, GROUPS, TEACHERS, PARENT_ROWS = (
        pupils,
        pupils * 2_400 // 60_000,
        pupils * 3_000 // 60_000,
        pupils * 110_000 // 60_000,
    )


def m7(bench: Bench) -> None:
    """Import a board's export (first time, second time) against the bulk-INSERT floor, the
    worker's memory at a tenth of the size, and the preview's first page."""
    from sync.models import ImportRun

    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    small_school, small_admin = make_school("99BS")
    large_school, admin = make_school("99BL")
    floor_school, _ = make_school("99BF")
    files = {}
    for name, school, scale in (("small", small_school, SMALL), ("large", large_school, 1)):
        edexml, parents = folder / f"{name}.xml", folder / f"{name}.csv"
        write_edexml(edexml, school.brin, PUPILS // scale, GROUPS // scale, TEACHERS // scale)
        write_parents(parents, school.brin, PUPILS // scale, PARENT_ROWS // scale)
        files[name] = (edexml, parents)
    print(
        f"    files: {files['large'][0].stat().st_size / 2**20:.1f} MiB EDEXML, "
        f"{files['large'][1].stat().st_size / 2**20:.1f} MiB CSV",
        flush=True,
    )

    pages = []
    small = import_in_workers(
        small_school.pk,
        files["small"],
        between=lambda run: pages.append(_preview_page(bench, small_admin, small_school, run)),
    )
    floor = in_child(lambda: floor_rows(floor_school.pk, PUPILS, GROUPS, TEACHERS, PARENT_ROWS))
    first = import_in_workers(
        large_school.pk,
        files["large"],
        between=lambda run: pages.append(_preview_page(bench, admin, large_school, run)),
    )
    small_again = import_in_workers(small_school.pk, files["small"])
    second = import_in_workers(large_school.pk, files["large"])
    for path in (*files["small"], *files["large"]):
        path.unlink()
    folder.rmdir()

    floor_s = floor["rows_s"]
    bench.add(Result("FI", f"bulk INSERT floor: {floor['rows']:,} rows", floor_s * 1000, None))
    bench.add(
        Result(
            "FI+audit",
            f"the same and {floor['audit']:,} audit entries",
            floor["seconds"] * 1000,
            floor["seconds"] / floor_s,
            of="FI",
        )
    )
    for key, what, result in (
        ("M7 first", f"first import: {PUPILS:,} pupils, {PARENT_ROWS:,} parent rows", first),
        ("M7 second", "the same two files again", second),
    ):
        bench.add(
            Result(
                key,
                what,
                result["seconds"] * 1000,
                result["seconds"] / floor_s,
                of="FI",
                rss_mib=result["pupil_file_mib"],
                note=result["note"],
            )
        )
    first_ratio, second_ratio = first["seconds"] / floor_s, second["seconds"] / floor_s
    bench.check("M7 first import ≤ 15×FI", f"{first_ratio:.1f}×", first_ratio <= 15)
    bench.check("M7 second import ≤ 3×FI", f"{second_ratio:.1f}×", second_ratio <= 3)
    created = first["pupils"]["new"], first["parents"]["new"]
    bench.check(
        "M7 the first import creates every pupil and parent link",
        f"{created[0]:,} pupils, {created[1]:,} links",
        created == (PUPILS, PARENT_ROWS),
    )
    p, f = second["pupils"], second["parents"]
    still = p["new"] + p["updated"] + p["leaving"] + p["errors"] + f["new"] + f["changed"]
    bench.check(
        "M7 the second import changes nothing",
        f"{p['unchanged']:,} pupils and {f['unchanged']:,} links unchanged",
        still == 0,
    )
    for label, small_run, large_run in (
        ("first", small, first),
        ("second", small_again, second),
    ):
        growth = large_run["pupil_file_mib"] - small_run["pupil_file_mib"]
        bench.add(
            Result(
                f"M7 memory {label}",
                f"worker, the pupil file, {PUPILS // SMALL:,} → {PUPILS:,} pupils",
                0,
                None,
                rss_mib=growth,
                note=(
                    f"grew {small_run['pupil_file_mib']:.0f} → "
                    f"{large_run['pupil_file_mib']:.0f} MiB; the parents' worker "
                    f"{small_run['parents_mib']:.0f} → {large_run['parents_mib']:.0f} MiB"
                ),
            )
        )
        bench.check(
            f"M7 the worker's memory grows < 50 MiB ({label} import)",
            f"{growth:.0f} MiB",
            growth < 50,
        )
    # Like any list page: paged, so the first page of a board's preview costs what the first
    # page of a school's does (as M1 checks its lists from 1,000 to 100,000 pupils).
    small_page, large_page = pages
    grows = large_page.measured_fd / small_page.measured_fd
    bench.check(
        f"M7 the preview's first page: t({PUPILS:,}) ≤ 1.3×t({PUPILS // SMALL:,} pupils)"
        " (each as a ratio to its FD)",
        f"{grows:.2f}×",
        grows <= 1.3,
    )
    bench.check(
        "M7 the preview's first page: its query count does not grow",
        f"{small_page.queries} / {large_page.queries}",
        small_page.queries == large_page.queries,
    )
    ImportRun.objects.filter(school__in=[small_school, large_school]).delete()


def _parents_both(school_id: int, path: Path) -> dict:
    """The parents export: read into a preview (the columns said the first time), applied."""
    started = time.perf_counter()
    family = preview(school_id, path, parents=True)
    previewed = time.perf_counter()
    apply(family["run"])
    return {
        "parents": family["counts"],
        "parents_preview_s": previewed - started,
        "parents_apply_s": time.perf_counter() - previewed,
    }


def _preview_page(bench: Bench, admin, school, run_id: int) -> Result:
    """The preview's first page between the floors, all as the school's administrator."""
    from sync.models import ImportRun

    lines = ImportRun.objects.get(pk=run_id).lines.count()
    return measure_page(
        bench,
        f"M7 page@{lines:,}",
        f"the preview's first page ({lines:,} lines)",
        [getter(client_of(admin.pk), f"/sync/{run_id}/")],
        floors_for(admin.pk),
        cold=False,
    )
