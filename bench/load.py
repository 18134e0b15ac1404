"""The board-scale data set, loaded in bulk: INSERT ... SELECT over generate_series, and COPY
for the rows whose encrypted fields must be sealed in Python.

The board has up to SCHOOLS schools of PUPILS_PER_SCHOOL pupils in groups of GROUP_SIZE
(SCHOOLS fixes the layout of the ids; a run loads as many schools as its size needs).
Every row is a function of its number, so any range of pupils can be loaded on its own:
the bench loads a tenth of its size, measures, grows to the whole size and measures again.
Pupils, parents, decisions and requests have explicit ids (found by arithmetic); dossier
entries and audit rows take theirs from the sequences. The sequences are moved past the
ids afterwards, so the ORM can go on.

What the data looks like (docs/benchmarks.md repeats it):

* per school 75 staff: a director, a team leader, two care coordinators, an
  administrator, two teachers per group (each with the guardian grant on the
  group) and two without a group; one privacy officer for the board;
* per pupil one or two parents with parental authority (70 % have two), a group
  placement, and a dossier of 60 entries over the kinds: 24 test results, 28 reports
  and notes (of which 4 referral reports) and 8 agreements; a medical record for 5 %;
* every 8th pupil a leaver: left more than two years ago (no group, its placement
  ended), all its requests closed, so that the retention sweep erases its dossier;
* one pupil per school (slot LONG_SLOT) with a long history: 300 entries, 2,280 looks;
* six consent purposes (four photo channels; the care partner only for picked pupils,
  the internship from 15) with one text version each, adopted by every school; ten
  decisions per pupil (a decision on each purpose, and later withdrawals and renewals on
  the photo channels);
* ten requests per pupil: 1 % open and due within the sweep's horizon (or a few days
  overdue), 0.5 % open and not yet due, the rest answered, refused or withdrawn in the
  past three years; no request events, notices or copies for these;
* 300 audit rows per pupil: 285 ACCESS entries (staff who looked at the dossier, mostly
  its teacher), the creation of its ten decisions and of five of its requests;
* 150 suppliers used by every school, 30 processing activities (the Art. 30 register);
* the BSN is left empty (NULL, as for pupils without one); the encrypted fields that
  cannot be NULL (request explanation and answer, special records) are sealed, each
  bound to its own row, as the application would;
* for the guardian reference only: a generic object permission ("view_pupil") per
  pupil for each of its two teachers, its director and its team leader.

Foreign-key and audit triggers are switched off while loading
(session_replication_role = replica): the rows are consistent by construction, and
checking ten million deferred foreign keys one by one would be most of the time.
"""

# The SQL below is built from this module's constants only; values go as parameters.
# ruff: noqa: S608

from __future__ import annotations

import datetime
import io
import uuid

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from schoolprivacy import audit_partitions
from schoolprivacy.encryption import encrypt

SCHOOLS = 100
PUPILS_PER_SCHOOL = 1_000
GROUP_SIZE = 30
GROUPS_PER_SCHOOL = -(-PUPILS_PER_SCHOOL // GROUP_SIZE)  # 34
STAFF_PER_SCHOOL = 75
PRIVACY_OFFICER = SCHOOLS * STAFF_PER_SCHOOL + 1  # user id 7,501
FIRST_PARENT = PRIVACY_OFFICER + 1  # parent A of pupil p: FIRST_PARENT + p - 1
SECOND_PARENTS = FIRST_PARENT + SCHOOLS * PUPILS_PER_SCHOOL  # parent B ids start here
PURPOSES = 6  # ids 1..6; 1..4 are photo channels
DECISIONS_PER_PUPIL = 10
REQUESTS_PER_PUPIL = 10
#: The dossier of a pupil: TESTS + NOTES + AGREEMENTS = 60 entries over the kinds.
TESTS, NOTES, AGREEMENTS = 24, 28, 8
ENTRIES = TESTS + NOTES + AGREEMENTS
#: The audit log of a pupil: LOOKS looks by staff, its 10 decisions and 5 requests made.
LOOKS = 285
AUDIT_PER_PUPIL = LOOKS + 15
#: One pupil per school (the one in this slot) has a long history: LONG_HISTORY times the
#: entries (300) and LONG_LOOKS times the looks (2,280).
LONG_SLOT = 500
LONG_HISTORY = 5
LONG_LOOKS = 8
#: How far back the audit rows go (a leaver's looks are from before it left: at most 800
#: days and 285 × 60 hours more): the audit log's monthly partitions are made from the
#: month of the oldest entry, as a log that has been kept that long has them.
HISTORY_DAYS = 800 + 285 * 60 // 24 + 2
SCHOOL_YEAR = 2026
#: An unusable password hash: the bench logs in with force_login.
PASSWORD = "!bench-unusable"  # noqa: S105

# Staff of a school by their number k (0..74) within it.
DIRECTOR, TEAM_LEADER, CARE_1, CARE_2, ADMINISTRATOR = range(5)
FIRST_TEACHER = 5  # k = 5..38 teach group k-5; k = 39..72 are the second teachers

# The big tables: their secondary indexes are built after the load of the largest step.
BIG_TABLES = (
    "auditlog_logentry",
    "consents_decision",
    "requests_datarequest",
    "guardian_userobjectpermission",
    "pupils_testresult",
    "pupils_note",
    "pupils_agreement",
    "pupils_guardianship",
)
#: Rows the application makes while the bench measures get ids from here on, so that
#: they never meet the ids of a later loading step.
FIRST_FREE_ID = 10_000_001
SEQUENCED_TABLES = (
    "schoolprivacy_user",
    "schoolprivacy_board",
    "schoolprivacy_school",
    "schoolprivacy_membership",
    "schoolprivacy_boardmembership",
    "pupils_group",
    "pupils_pupil",
    "pupils_groupplacement",
    "pupils_guardianship",
    "pupils_groupuserobjectpermission",
    "pupils_testresult",
    "pupils_note",
    "pupils_agreement",
    "pupils_specialrecord",
    "suppliers_supplier",
    "suppliers_supplieruse",
    "suppliers_processingactivity",
    "consents_purpose",
    "consents_purpose_schools",
    "consents_purposeversion",
    "consents_decision",
    "requests_datarequest",
    "auditlog_logentry",
    "guardian_userobjectpermission",
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Emma Noah Julia Liam Mila Lucas Sophie Sem Tess Finn Zoë Daan Nora Levi Sara Luuk "
    "Yara Bram Evi Milan Lotte Jesse Fleur Thijs Lynn Ruben Noor Mees Anna Sam"
)
LAST_NAMES = _words(
    "Jansen Visser Smit Meijer Bos Mulder Vos Peters Hendriks Dekker Brouwer Dijkstra Koster "
    "Prins Kok Huisman Wouters Vermeulen Kuipers Schouten Bakker Willems Maas Post"
)


def _sql_array(words) -> str:
    return "ARRAY[" + ",".join(f"'{w}'" for w in words) + "]"


def school_of(pupil: int) -> int:
    return (pupil - 1) // PUPILS_PER_SCHOOL + 1


def group_of(pupil: int) -> int:
    school = school_of(pupil)
    slot = (pupil - 1) % PUPILS_PER_SCHOOL
    return (school - 1) * GROUPS_PER_SCHOOL + slot // GROUP_SIZE + 1


def staff_id(school: int, k: int) -> int:
    return (school - 1) * STAFF_PER_SCHOOL + k + 1


def teacher_of(pupil: int) -> int:
    """The first teacher of the pupil's group (leavers: of the group it was in)."""
    slot = (pupil - 1) % PUPILS_PER_SCHOOL
    return staff_id(school_of(pupil), FIRST_TEACHER + slot // GROUP_SIZE)


def is_leaver(pupil: int) -> bool:
    return pupil % 8 == 0


def long_history(pupil: int) -> bool:
    return pupil % PUPILS_PER_SCHOOL == LONG_SLOT


def parent_a(pupil: int) -> int:
    return FIRST_PARENT + pupil - 1


def execute(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _bulk_session() -> None:
    execute("SET session_replication_role = replica")
    execute("SET synchronous_commit = off")
    execute("SET maintenance_work_mem = '256MB'")


def _normal_session() -> None:
    execute("SET session_replication_role = origin")
    execute("RESET synchronous_commit")
    execute("RESET maintenance_work_mem")


def _ids() -> dict[str, int]:
    """Content type and permission ids the rows point to (they differ per database)."""
    pupil = ContentType.objects.get(app_label="pupils", model="pupil")
    return {
        "ct_pupil": pupil.pk,
        "ct_decision": ContentType.objects.get(app_label="consents", model="decision").pk,
        "ct_request": ContentType.objects.get(app_label="requests", model="datarequest").pk,
        "teach_group": Permission.objects.get(
            codename="teach_group", content_type__app_label="pupils"
        ).pk,
        "view_pupil": Permission.objects.get(codename="view_pupil", content_type=pupil).pk,
    }


# --- The board ----------------------------------------------------------------------------


def load_board() -> None:
    """The board, its privacy officer, and its consent purposes with their texts; the audit
    log's monthly partitions for the years of history the data holds."""
    today = datetime.date.today()
    first = audit_partitions.Month.of(today - datetime.timedelta(days=HISTORY_DAYS))
    audit_partitions.create(
        audit_partitions.months_between(first, audit_partitions.Month.of(today))
    )
    audit_partitions.ensure(today)
    _bulk_session()
    execute(
        "INSERT INTO schoolprivacy_board (id, name, privacy_contact_email, created_at) "
        "VALUES (1, 'Stichting Bench', 'fg@bench.example', now())"
    )
    execute(
        "INSERT INTO schoolprivacy_user (id, password, is_superuser, email, full_name, language, "
        "is_active, is_staff, date_joined) VALUES (%s, %s, false, 'fg@bench.example', "
        "'Functionaris Gegevensbescherming', 'nl', true, false, now())",
        [PRIVACY_OFFICER, PASSWORD],
    )
    execute(
        "INSERT INTO schoolprivacy_boardmembership (id, role, created_at, board_id, user_id) "
        "VALUES (1, 'privacy_officer', now(), 1, %s)",
        [PRIVACY_OFFICER],
    )
    # (code, category, whom it is for: consents/audience.py) The care partner's question
    # only for the pupils the care coordinator picks, the internship from 15, as De Twijn.
    purposes = [
        ("website", "images", None, False),
        ("social-media", "images", None, False),
        ("nieuwsbrief", "images", None, False),
        ("jaarboek", "images", None, False),
        ("zorgpartner", "care_partner", None, True),
        ("stage", "internship", 15, False),
    ]
    for pk, (code, category, min_age, picked_only) in enumerate(purposes, start=1):
        execute(
            'INSERT INTO consents_purpose (id, code, category, "trigger", requires_all_holders, '
            '"order", active, departments, year_groups, min_age, picked_only, board_id) '
            "VALUES (%s, %s, %s, 'all', false, %s, true, '{}', '{}', %s, %s, 1)",
            [pk, code, category, pk * 10, min_age, picked_only],
        )
        execute(
            "INSERT INTO consents_purposeversion (id, number, valid_from, material_change, "
            "title_nl, title_en, text_nl, text_en, pupil_title_nl, pupil_text_nl, "
            "pupil_title_en, pupil_text_en, created_at, purpose_id) VALUES "
            "(%s, 1, '2023-08-01', true, %s, %s, %s, %s, '', '', '', '', now(), %s)",
            [
                pk,
                f"Foto's: {code}",
                f"Photos: {code}",
                f"Mogen wij foto's van uw kind gebruiken voor {code}? " * 4,
                f"May we use photos of your child for {code}? " * 4,
                pk,
            ],
        )
    _normal_session()
    load_suppliers()


SUPPLIERS = 150
ACTIVITIES = 30


def load_suppliers() -> None:
    """The board's supplier register (SUPPLIERS) and its Art. 30 register (ACTIVITIES).

    Written with bulk_create, which writes no audit entries: as loaded, not as recorded."""
    from suppliers.models import ProcessingActivity, Supplier

    categories = [c for c, _label in Supplier.Category.choices]
    Supplier.objects.bulk_create(
        Supplier(
            board_id=1,
            name=f"Leverancier {n:03d}",
            website=f"https://leverancier{n}.example",
            category=categories[n % len(categories)],
            agreement_status=Supplier.AgreementStatus.SIGNED if n % 5 else "draft",
            agreement_signed_on=datetime.date(2023, 1, 1) + datetime.timedelta(days=n),
            agreement_expires_on=datetime.date(2027, 1, 1) + datetime.timedelta(days=n),
            sub_processors="Hosting BV, Mail BV",
            security_measures="ISO 27001, versleuteling in rust en onderweg",
            contact=f"privacy@leverancier{n}.example",
        )
        for n in range(1, SUPPLIERS + 1)
    )
    ProcessingActivity.objects.bulk_create(
        ProcessingActivity(
            board_id=1,
            name=f"Verwerking {n:02d}",
            purpose="Het geven van onderwijs en de begeleiding van leerlingen. " * 3,
            legal_basis="Wettelijke verplichting (art. 6 lid 1 sub c AVG)",
            data_subjects="leerlingen, ouders",
            data_categories="naam, adres, geboortedatum, resultaten",
            supplier_categories=categories[: 1 + n % len(categories)],
            retention="2 jaar na vertrek",
            security_measures="toegang per rol, audit log",
            order=n,
        )
        for n in range(1, ACTIVITIES + 1)
    )


# --- Schools and staff --------------------------------------------------------------------


def load_schools(first: int, last: int) -> None:
    """Schools *first*..*last* with their groups, staff, roles and the teachers' grants."""
    ids = _ids()
    _bulk_session()
    params = {"first": first, "last": last, "per": STAFF_PER_SCHOOL, "g": GROUPS_PER_SCHOOL}
    execute(
        "INSERT INTO schoolprivacy_school (id, name, brin, kind, created_at, board_id) "
        "SELECT s, 'Basisschool ' || s, lpad(s::text, 3, '0') || 'BE', "
        "CASE WHEN s %% 10 = 0 THEN 'special' ELSE 'primary' END, now(), 1 "
        "FROM generate_series(%(first)s, %(last)s) s",
        params,
    )
    execute(
        "INSERT INTO pupils_group (id, name, school_year, year_group, department, school_id) "
        "SELECT (s - 1) * %(g)s + g + 1, 'Groep ' || (g %% 8 + 1) || chr(65 + g / 8), "
        f"{SCHOOL_YEAR}, g %% 8 + 1, '', s "
        "FROM generate_series(%(first)s, %(last)s) s, generate_series(0, %(g)s - 1) g",
        params,
    )
    execute(
        "INSERT INTO schoolprivacy_user (id, password, is_superuser, email, full_name, language, "
        "is_active, is_staff, date_joined) "
        "SELECT (s - 1) * %(per)s + k + 1, %(password)s, false, "
        "'staff' || ((s - 1) * %(per)s + k + 1) || '@bench.example', "
        "'Medewerker ' || ((s - 1) * %(per)s + k + 1), 'nl', true, false, now() "
        "FROM generate_series(%(first)s, %(last)s) s, generate_series(0, %(per)s - 1) k",
        {**params, "password": PASSWORD},
    )
    execute(
        "INSERT INTO schoolprivacy_membership (id, role, created_at, user_id, school_id) "
        "SELECT (s - 1) * %(per)s + k + 1, CASE k WHEN 0 THEN 'director' "
        "WHEN 1 THEN 'team_leader' WHEN 2 THEN 'care_coordinator' WHEN 3 THEN 'care_coordinator' "
        "WHEN 4 THEN 'administrator' ELSE 'teacher' END, now(), (s - 1) * %(per)s + k + 1, s "
        "FROM generate_series(%(first)s, %(last)s) s, generate_series(0, %(per)s - 1) k",
        params,
    )
    # Two teachers per group (k = 5.. and k = 5 + groups ..): the guardian grant on the group.
    execute(
        "INSERT INTO pupils_groupuserobjectpermission (id, content_object_id, permission_id, "
        "user_id) SELECT ((s - 1) * %(g)s + g) * 2 + t + 1, (s - 1) * %(g)s + g + 1, %(perm)s, "
        "(s - 1) * %(per)s + 5 + g + t * %(g)s + 1 "
        "FROM generate_series(%(first)s, %(last)s) s, generate_series(0, %(g)s - 1) g, "
        "generate_series(0, 1) t",
        {**params, "perm": ids["teach_group"]},
    )
    execute(
        "INSERT INTO consents_purpose_schools (id, purpose_id, school_id) "
        "SELECT (s - 1) * %(n)s + p, p, s "
        "FROM generate_series(%(first)s, %(last)s) s, generate_series(1, %(n)s) p",
        {**params, "n": PURPOSES},
    )
    # Every school uses every supplier of the board's register.
    execute(
        "INSERT INTO suppliers_supplieruse (since, supplier_id, school_id) "
        "SELECT date '2022-08-01' + s, u.id, s "
        "FROM generate_series(%(first)s, %(last)s) s, suppliers_supplier u",
        params,
    )
    _normal_session()


# --- Pupils and everything about them ---------------------------------------------------------


def load_pupils(first: int, last: int) -> None:
    """Pupils *first*..*last*: parents, placements, dossier, consents, requests, audit."""
    ids = _ids()
    _bulk_session()
    params = {
        "first": first,
        "last": last,
        "per_school": PUPILS_PER_SCHOOL,
        "gsize": GROUP_SIZE,
        "g": GROUPS_PER_SCHOOL,
        "staff": STAFF_PER_SCHOOL,
        "pa": FIRST_PARENT - 1,  # parent A of p: pa + p
        "pb": SECOND_PARENTS,
        "password": PASSWORD,
        **ids,
    }
    # Expressions shared by the statements below, in terms of the pupil number p.
    school = "((p - 1) / %(per_school)s + 1)"
    group = f"(({school} - 1) * %(g)s + ((p - 1) %% %(per_school)s) / %(gsize)s + 1)"
    group_in_school = "(((p - 1) %% %(per_school)s) / %(gsize)s)"
    teacher = f"(({school} - 1) * %(staff)s + 5 + {group_in_school} + 1)"
    director = f"(({school} - 1) * %(staff)s + 1)"
    # Parent B exists for 70 % of the pupils: (p - 1) %% 10 < 7, numbered densely.
    parent_b = "(%(pb)s + ((p - 1) / 10) * 7 + (p - 1) %% 10)"
    has_b = "((p - 1) %% 10 < 7)"

    # Every 8th pupil left the school more than two years ago: no group, a placement that
    # ended on the leave date, and a dossier the retention sweep erases (RETENTION_DUE).
    leaver = "(p %% 8 = 0)"
    left_on = "(current_date - (760 + p %% 400))"
    execute(
        "INSERT INTO pupils_pupil (id, uid, first_name, name_prefix, last_name, date_of_birth, "
        "gender, bsn, bsn_index, enrolled_on, left_on, board_id, group_id, school_id, "
        "account_id, anonymised_at, eckid) "
        f"SELECT p, gen_random_uuid(), ({_sql_array(FIRST_NAMES)})[1 + p %% {len(FIRST_NAMES)}], "
        "CASE WHEN p %% 9 = 0 THEN 'van' ELSE '' END, "
        f"({_sql_array(LAST_NAMES)})[1 + (p / 7) %% {len(LAST_NAMES)}], "
        "date '2014-09-01' + (p %% 2900), (ARRAY['f','m','x'])[1 + p %% 3], NULL, NULL, "
        f"CASE WHEN {leaver} THEN date '2015-08-17' + (p %% 500) "
        "ELSE date '2019-08-19' + (p %% 1500) END, "
        f"CASE WHEN {leaver} THEN {left_on} END, 1, "
        f"CASE WHEN {leaver} THEN NULL ELSE {group} END, {school}, NULL, NULL, '' "
        "FROM generate_series(%(first)s, %(last)s) p",
        params,
    )
    execute(
        "INSERT INTO pupils_groupplacement (id, start_on, end_on, group_id, pupil_id) "
        f"SELECT p, CASE WHEN {leaver} THEN {left_on} - 300 ELSE date '{SCHOOL_YEAR}-08-24' END, "
        f"CASE WHEN {leaver} THEN {left_on} END, {group}, p "
        "FROM generate_series(%(first)s, %(last)s) p",
        params,
    )
    execute(
        "INSERT INTO schoolprivacy_user (id, password, is_superuser, email, full_name, language, "
        "is_active, is_staff, date_joined) "
        "SELECT id, %(password)s, false, 'ouder' || id || '@bench.example', "
        "'Ouder' || ' ' || id, CASE WHEN id %% 12 = 0 THEN 'en' ELSE 'nl' END, true, false, now() "
        "FROM (SELECT %(pa)s + p AS id FROM generate_series(%(first)s, %(last)s) p "
        f"UNION ALL SELECT {parent_b} FROM generate_series(%(first)s, %(last)s) p "
        f"WHERE {has_b}) parents",
        params,
    )
    execute(
        "INSERT INTO pupils_guardianship (id, relation, has_parental_authority, "
        "has_information_right, contact_shared, updated_at, parent_id, pupil_id) "
        "SELECT p * 2 - 1, 'mother', true, false, false, now(), %(pa)s + p, p "
        "FROM generate_series(%(first)s, %(last)s) p "
        f"UNION ALL SELECT p * 2, 'father', true, false, false, now(), {parent_b}, p "
        f"FROM generate_series(%(first)s, %(last)s) p WHERE {has_b}",
        params,
    )
    # The dossier: ENTRIES per pupil over the kinds, LONG_HISTORY times as many for one
    # pupil per school (ids from the sequences: nothing finds these rows by arithmetic).
    many = f"(CASE WHEN p %% {PUPILS_PER_SCHOOL} = {LONG_SLOT} THEN {LONG_HISTORY} ELSE 1 END)"
    execute(
        "INSERT INTO pupils_testresult (recorded_at, source, source_detail, test_name, "
        "taken_on, score, level, remark, author_id, pupil_id, version) "
        "SELECT now() - (t * 30 || ' days')::interval, 'school', '', "
        "(ARRAY['Rekenen-Wiskunde','Begrijpend lezen','Spelling','Technisch lezen'])[1 + t %% 4], "
        f"date '{SCHOOL_YEAR}-11-01' - t * 30, (180 + (p + t) %% 60)::text, "
        f"(ARRAY['I','II','III','IV','V'])[1 + (p + t) %% 5], '', {teacher}, p, 1 "
        f"FROM generate_series(%(first)s, %(last)s) p, generate_series(1, {TESTS} * {many}) t",
        params,
    )
    # Notes: of every 7 one a referral report, the others reports and notes by turns.
    execute(
        "INSERT INTO pupils_note (recorded_at, source, source_detail, kind, written_on, "
        "title, body, author_id, pupil_id, version) "
        "SELECT now() - (t * 25 || ' days')::interval, 'school', '', "
        "CASE WHEN t %% 7 = 0 THEN 'referral' WHEN t %% 2 = 0 THEN 'report' ELSE 'note' END, "
        f"date '{SCHOOL_YEAR}-10-20' - t * 25, "
        "CASE WHEN t %% 7 = 0 THEN 'Verwijzing' WHEN t %% 2 = 0 THEN 'Rapportgesprek' "
        "ELSE 'Notitie ' || t END, "
        "'Gesprek met ouders over de voortgang; afspraken volgen. ' || repeat('Tekst. ', 20), "
        f"{teacher}, p, 1 "
        f"FROM generate_series(%(first)s, %(last)s) p, generate_series(1, {NOTES} * {many}) t",
        params,
    )
    execute(
        "INSERT INTO pupils_agreement (recorded_at, source, source_detail, agreed_on, "
        "participants, agreement, follow_up, follow_up_on, author_id, pupil_id, version) "
        "SELECT now() - (t * 60 || ' days')::interval, 'school', '', "
        f"date '{SCHOOL_YEAR}-10-01' - t * 60, 'ouders, leerkracht, leerling', "
        "'Extra oefenen met lezen, twee keer per week thuis.', '', NULL, "
        f"{teacher}, p, 1 "
        f"FROM generate_series(%(first)s, %(last)s) p, "
        f"generate_series(1, {AGREEMENTS} * {many}) t",
        params,
    )
    # Decisions: one on each purpose, then four later ones on the photo channels.
    execute(
        "INSERT INTO consents_decision (id, choice, decider_role, decided_at, channel, "
        "recorded_at, submission, decided_by_id, pupil_id, recorded_by_id, purpose_id, "
        "version_id, scan) "
        "SELECT (p - 1) * 10 + j, "
        "CASE WHEN j <= 6 THEN (CASE WHEN (p + j) %% 4 = 0 THEN 'refused' ELSE 'given' END) "
        "WHEN (p + j) %% 2 = 0 THEN 'withdrawn' ELSE 'given' END, 'parent', "
        "timestamptz '2023-09-04 09:00+00' + ((j * 97 + p %% 90) || ' days')::interval, "
        "'portal', "
        "timestamptz '2023-09-04 09:00+00' + ((j * 97 + p %% 90) || ' days')::interval, "
        "gen_random_uuid(), %(pa)s + p, p, %(pa)s + p, "
        "CASE WHEN j <= 6 THEN j ELSE j - 6 END, CASE WHEN j <= 6 THEN j ELSE j - 6 END, '' "
        "FROM generate_series(%(first)s, %(last)s) p, generate_series(1, 10) j",
        params,
    )
    _load_requests(first, last)
    _load_special_records(first, last)
    # Audit: LOOKS looks at the dossier (LOOKS * LONG_LOOKS for the long histories) by
    # staff, mostly the pupil's teacher, then its director and a care coordinator, spread
    # over the past two years and more; the creation of the 10 decisions and 5 requests.
    # A leaver's looks are from before it left. Ids from the sequence, as for the entries.
    looked = f"(CASE WHEN p %% {PUPILS_PER_SCHOOL} = {LONG_SLOT} THEN {LONG_LOOKS} ELSE 1 END)"
    care = f"(({school} - 1) * %(staff)s + {CARE_1} + 1)"
    columns = (
        "INSERT INTO auditlog_logentry (object_pk, object_id, object_repr, action, changes, "
        "timestamp, actor_id, content_type_id, remote_addr, additional_data, serialized_data, "
        "cid, changes_text, remote_port, actor_email) "
    )
    execute(
        columns + "SELECT p::text, p, '#' || p, 3, "
        '\'{"viewed": ["dossier", ""]}\'::jsonb, '
        f"now() - (CASE WHEN {leaver} THEN interval '800 days' ELSE interval '0' END) "
        f"- make_interval(hours => (i * 60) / {looked} + p %% 29), "
        f"CASE WHEN i %% 5 = 0 THEN {director} WHEN i %% 7 = 0 THEN {care} ELSE {teacher} END, "
        "%(ct_pupil)s, NULL, jsonb_build_object('pupil_id', p), NULL, NULL, '', NULL, NULL "
        f"FROM generate_series(%(first)s, %(last)s) p, generate_series(1, {LOOKS} * {looked}) i",
        params,
    )
    execute(
        columns + "SELECT ((p - 1) * 10 + i)::text, (p - 1) * 10 + i, 'consent decision', 0, "
        '\'{"choice": ["None", "given"]}\'::jsonb, '
        "now() - ((i * 97 + p %% 29) || ' days')::interval, %(pa)s + p, %(ct_decision)s, NULL, "
        "jsonb_build_object('pupil_id', p), NULL, NULL, '', NULL, NULL "
        "FROM generate_series(%(first)s, %(last)s) p, generate_series(1, 10) i",
        params,
    )
    execute(
        columns + "SELECT ((p - 1) * 10 + i)::text, (p - 1) * 10 + i, 'request', 0, "
        '\'{"status": ["None", "received"]}\'::jsonb, '
        "now() - ((i * 131 + p %% 29) || ' days')::interval, %(pa)s + p, %(ct_request)s, NULL, "
        "jsonb_build_object('pupil_id', p), NULL, NULL, '', NULL, NULL "
        "FROM generate_series(%(first)s, %(last)s) p, generate_series(1, 5) i",
        params,
    )
    # The generic guardian table, for the reference of M2 only: what per-object grants
    # would need for the same access (two teachers, the director, the team leader).
    execute(
        "INSERT INTO guardian_userobjectpermission (id, object_pk, content_type_id, "
        "permission_id, user_id) "
        "SELECT (p - 1) * 4 + r + 1, p::text, %(ct_pupil)s, %(view_pupil)s, "
        f"CASE r WHEN 0 THEN {teacher} WHEN 1 THEN {teacher} + %(g)s "
        f"WHEN 2 THEN {director} ELSE {director} + 1 END "
        "FROM generate_series(%(first)s, %(last)s) p, generate_series(0, 3) r",
        params,
    )
    _normal_session()


def _copy(table: str, columns: tuple[str, ...], lines) -> None:
    """COPY *lines* (tab-separated text, no escapes needed) into *table*."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.connection.cursor() as raw, raw.copy(sql) as copy:
        buffer = io.StringIO()
        for n, line in enumerate(lines, start=1):
            buffer.write(line)
            if n % 20_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


REQUEST_KINDS = (
    "access",
    "rectification",
    "erasure",
    "restriction",
    "objection",
    "portability",
    "recipients",
)
REQUEST_COLUMNS = (
    "id",
    "uid",
    "kind",
    "status",
    "requester_role",
    "channel",
    "identity_check",
    "identity_note",
    "received_at",
    "received_on",
    "first_due_on",
    "due_on",
    "extension_reasons",
    "explanation",
    "categories",
    "answer",
    "answer_data",
    "answered_at",
    "closed_at",
    "submission",
    "board_id",
    "handler_id",
    "pupil_id",
    "recorded_by_id",
    "requester_id",
    "school_id",
)


def request_plan(pupil: int, i: int, today: datetime.date) -> tuple[str, datetime.date]:
    """The status and due date of request *i* of *pupil*: 1 % due, 0.5 % open, rest closed.

    A leaver's requests are all closed: an open one would hold its data from the sweep."""
    if pupil % 8 == 0:
        received = today - datetime.timedelta(days=900 + (pupil * 7 + i * 31) % 1000)
        return ("completed", "refused")[i % 2], received + datetime.timedelta(days=30)
    if i == 0 and pupil % 10 == 0:  # due: from three days overdue to ten days ahead
        status = "received" if pupil % 20 == 0 else "in_progress"
        return status, today + datetime.timedelta(days=(pupil // 10) % 14 - 3)
    if i == 1 and pupil % 20 == 5:  # open, due after the sweep's horizon
        return "in_progress", today + datetime.timedelta(days=11 + pupil % 19)
    closed = ("completed",) * 8 + ("refused", "withdrawn")
    received = today - datetime.timedelta(days=40 + (pupil * 7 + i * 31) % 1000)
    return closed[(pupil + i) % 10], received + datetime.timedelta(days=30)


def _load_requests(first: int, last: int) -> None:
    today = datetime.date.today()
    column = "requests_datarequest.{}.{}"

    def lines():
        for p in range(first, last + 1):
            school = school_of(p)
            director = staff_id(school, DIRECTOR)
            for i in range(REQUESTS_PER_PUPIL):
                pk = (p - 1) * REQUESTS_PER_PUPIL + i + 1
                uid = str(uuid.uuid4())
                status, due = request_plan(p, i, today)
                received = due - datetime.timedelta(days=30)
                closed = status not in ("received", "in_progress")
                answered = r"\N"
                if closed:
                    answered = f"{received + datetime.timedelta(days=20)} 12:00+00"
                answer = "Uw verzoek is afgehandeld." if closed else ""
                yield (
                    "\t".join(
                        (
                            str(pk),
                            uid,
                            REQUEST_KINDS[i % len(REQUEST_KINDS)],
                            status,
                            "parent",
                            "portal",
                            "portal_login",
                            "",
                            f"{received} 10:00+00",
                            str(received),
                            str(due),
                            str(due),
                            "",
                            encrypt("", context=column.format("explanation", uid)),
                            "{}",
                            encrypt(answer, context=column.format("answer", uid)),
                            "{}",
                            answered,
                            answered,
                            str(uuid.uuid4()),
                            "1",
                            r"\N" if status == "received" else str(director),
                            str(p),
                            str(parent_a(p)),
                            str(parent_a(p)),
                            str(school),
                        )
                    )
                    + "\n"
                )

    _copy("requests_datarequest", REQUEST_COLUMNS, lines())


def _load_special_records(first: int, last: int) -> None:
    """A medical record (encrypted, bound to its row) for one pupil in twenty."""

    def lines():
        for p in range(first, last + 1):
            if p % 20 != 1:
                continue
            uid = str(uuid.uuid4())
            content = encrypt(
                "Allergie voor pinda's; EpiPen in de klas.",
                context=f"pupils_specialrecord.content.{uid}",
            )
            source = encrypt("", context=f"pupils_specialrecord.source_detail.{uid}")
            author = staff_id(school_of(p), CARE_1)
            yield (
                f"{p}\t{uid}\tmedical\t{content}\t2025-09-01 09:00+00\tparent\t{source}"
                f"\t{author}\t{p}\n"
            )

    columns = ("id", "uid", "kind", "content", "recorded_at", "source", "source_detail")
    _copy("pupils_specialrecord", (*columns, "author_id", "pupil_id"), lines())


# --- Around the big step ----------------------------------------------------------------------


def drop_secondary_indexes() -> list[str]:
    """Drop the big tables' indexes that back no constraint; returns their definitions."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [list(BIG_TABLES)],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


def create_indexes(definitions: list[str]) -> None:
    """Build the dropped indexes again. A partitioned table's index (the audit log's) is
    defined `ON ONLY` the parent, which builds no index of any partition and leaves the
    parent's INVALID: it is built `ON` the table, for every partition, as it was."""
    execute("SET maintenance_work_mem = '256MB'")
    for definition in definitions:
        execute(definition.replace(" ON ONLY ", " ON ", 1))
    execute("RESET maintenance_work_mem")


def finish() -> None:
    """Move every sequence past the ids of the whole data set, and fresh planner statistics."""
    with connection.cursor() as cursor:
        for table in SEQUENCED_TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"greatest(%s, (SELECT max(id) FROM {table}) + 1), false)",
                [FIRST_FREE_ID],
            )
    # VACUUM cannot run in a transaction: Django's connection is in autocommit here.
    execute("VACUUM ANALYZE")
