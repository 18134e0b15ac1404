"""Demo dossiers: who teaches which group, entries, and special-category records.

Everything is written through the pupils services, so the demo obeys the same
access rules as the users do. Idempotent: what exists is left alone.
"""

import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from pupils import services
from pupils.models import (
    Agreement,
    Attachment,
    EmergencyContact,
    Guardianship,
    Note,
    ParentContact,
    ParentDeclaration,
    Pupil,
    SpecialRecord,
    TestResult,
)
from schoolprivacy.models import User

from . import data, exports

Kind = SpecialRecord.Kind

# (teacher e-mail, school key, group index)
TEACHING = [
    ("leerkracht@regenboog.example", "regenboog", 4),  # Groep 5
    ("leerkracht2@regenboog.example", "regenboog", 6),  # Groep 7
    ("leerkracht@horizon.example", "horizon", 1),  # SO-middenbouw
    ("leerkracht@horizon.example", "horizon", 5),  # VSO-3
]

TESTS = [
    ("IEP Rekenen", ["1F", "2F", "1S"]),
    ("DMT Technisch lezen", ["I", "II", "III", "IV"]),
    ("Begrijpend lezen", ["A", "B", "C", "D"]),
]

# (first name, last name, kind, content, source, source detail)
SPECIAL = [
    (
        "Lotte",
        "Bakker",
        Kind.MEDICAL,
        "Ernstige pinda-allergie. Geen traktaties met noten. EpiPen ligt in de bovenste la "
        "van het bureau in groep 5.",
        "parent",
        "",
    ),
    (
        "Daan",
        "Bakker",
        Kind.MEDICAL,
        "Epilepsie (absences en soms een tonisch-klonische aanval).",
        "care_partner",
        "Landelijk Werkverband Onderwijs en Epilepsie",
    ),
    (
        "Daan",
        "Bakker",
        Kind.PROTOCOL,
        "Bij een aanval langer dan 5 minuten: midazolam neusspray 5 mg toedienen (bevoegd: juf "
        "Sem en de IB'er), 112 bellen, moeder bellen. Bekwaamheidsverklaring in het dossier.",
        "care_partner",
        "Landelijk Werkverband Onderwijs en Epilepsie",
    ),
    (
        "Daan",
        "Bakker",
        Kind.MEDICATION,
        "Depakine 2x daags, thuis ingenomen. Op school alleen noodmedicatie.",
        "parent",
        "",
    ),
    (
        "Daan",
        "Bakker",
        Kind.DIAGNOSIS,
        "Epilepsie, vastgesteld in 2022 door de kinderneuroloog.",
        "care_partner",
        "kinderneuroloog",
    ),
    (
        "Milan",
        "Dekker",
        Kind.CUSTODY,
        "Moeder heeft eenhoofdig gezag (gezagsregister, 2024). Vader heeft informatierecht: hij "
        "krijgt de rapporten, maar mag Milan niet zonder toestemming van moeder ophalen.",
        "parent",
        "uittreksel gezagsregister",
    ),
    (
        "Milan",
        "Dekker",
        Kind.WELLBEING,
        "Milan is sinds de scheiding stiller in de klas. Wekelijks kort gesprek met de IB'er.",
        "school",
        "",
    ),
]


def _user(email: str) -> User:
    return User.objects.get(email=email)


def seed_dossiers(seeder, schools, groups) -> None:
    for email, school_key, index in TEACHING:
        group, _age = groups[school_key][index]
        services.group_assign_teacher(group=group, teacher=_user(email))
    horizon_ib = _user("ib@horizon.example")
    milan = Pupil.objects.get(first_name="Milan", last_name="Dekker")
    services.pupil_assign_care_coordinator(pupil=milan, care_coordinator=horizon_ib)

    for email, school_key, index in TEACHING:
        teacher = _user(email)
        group, _age = groups[school_key][index]
        for pupil in Pupil.objects.filter(group=group).order_by("pk"):
            _test_results(seeder, pupil, teacher)
    _story_entries(seeder)
    _special_records(seeder)
    _declarations(seeder)
    _contacts(seeder)


def _test_results(seeder, pupil, teacher) -> None:
    for number, (test, levels) in enumerate(TESTS):
        taken_on = date(data.SCHOOL_YEAR, 10, 6 + number)
        exists = TestResult.objects.filter(pupil=pupil, test_name=test, taken_on=taken_on).exists()
        seeder.report.count("dossier entries", not exists)
        if not exists:
            services.test_result_record(
                pupil=pupil,
                acting_user=teacher,
                test_name=test,
                taken_on=taken_on,
                score=str(seeder.rng.randint(20, 60)),
                level=seeder.rng.choice(levels),
                remark="",
            )


def _story_entries(seeder) -> None:
    lotte = Pupil.objects.get(first_name="Lotte", last_name="Bakker")
    teacher = _user("leerkracht@regenboog.example")
    if not Agreement.objects.filter(pupil=lotte).exists():
        seeder.report.count("dossier entries", True)
        services.agreement_record(
            pupil=lotte,
            acting_user=teacher,
            agreed_on=date(data.SCHOOL_YEAR, 9, 24),
            participants="moeder (Sanne Bakker), meester Tom, Lotte",
            agreement="Lotte oefent thuis twee keer per week tien minuten met de tafels van 6 "
            "tot en met 9. Op school krijgt ze extra instructie in de verlengde instructiegroep.",
            follow_up="Evaluatie in het oudergesprek.",
            follow_up_on=date(data.SCHOOL_YEAR, 11, 26),
        )
    reports = [
        # Last year's, in groep 4: the one her mother may ask to have deleted.
        (
            date(data.SCHOOL_YEAR - 1, 11, 20),
            "Verslag oudergesprek groep 4",
            "Gesprek over de overstap naar groep 4. Lotte was in het begin wat teruggetrokken; "
            "thuis speelde toen een verhuizing. Afgesproken om het rustig aan te doen.",
        ),
        (
            date(data.SCHOOL_YEAR, 10, 15),
            "Verslag oudergesprek",
            "Gesprek over de start van groep 5. Lotte voelt zich op haar plek en heeft "
            "een paar goede vriendinnen in de klas.",
        ),
    ]
    for written_on, title, body in reports:
        exists = Note.objects.filter(pupil=lotte, title=title).exists()
        seeder.report.count("dossier entries", not exists)
        if not exists:
            services.note_record(
                pupil=lotte,
                acting_user=teacher,
                kind=Note.Kind.REPORT,
                written_on=written_on,
                title=title,
                body=body,
            )


#: (pupil first name, last name, parent e-mail, education level, nationality, declared on)
DECLARATIONS = [
    ("Lotte", "Bakker", "ouder@ouders.example", "other", "", (8, 22)),
    ("Daan", "Bakker", "ouder@ouders.example", "other", "Nederlandse", (8, 24)),
]


def _declarations(seeder) -> None:
    """The parents' declarations for the funding rules, recorded by each school's administrator."""
    for first, last, email, level, nationality, (month, day) in DECLARATIONS:
        pupil = Pupil.objects.select_related("school").get(first_name=first, last_name=last)
        parent = _user(email)
        exists = ParentDeclaration.objects.filter(pupil=pupil, parent=parent).exists()
        seeder.report.count("parents' declarations", not exists)
        if not exists:
            services.declaration_record(
                pupil=pupil,
                parent=parent,
                education_level=level,
                nationality=nationality,
                declared_on=date(pupil.enrolled_on.year, month, day),
                acting_user=seeder.administrators[pupil.school_id],
            )


def _special_records(seeder) -> None:
    authors = {
        "regenboog": _user("ib@regenboog.example"),
        "horizon": _user("ib@horizon.example"),
    }
    keys = {spec["brin"]: spec["key"] for spec in data.SCHOOLS}
    for first, last, kind, content, source, detail in SPECIAL:
        pupil = Pupil.objects.select_related("school").get(first_name=first, last_name=last)
        exists = SpecialRecord.objects.filter(pupil=pupil, kind=kind).exists()
        seeder.report.count("special-category records", not exists)
        if not exists:
            services.special_record_add(
                pupil=pupil,
                kind=kind,
                acting_user=authors[keys[pupil.school.brin]],
                content=content,
                source=source,
                source_detail=detail,
            )


#: The parents whose address and phones the school holds before any import: the values the
#: administration's export holds too (demo/exports.py), and a work number it does not.
PARENT_CONTACTS = [
    ("ouder@ouders.example", {}),
    ("peter.visser@ouders.example", {}),
    ("ilse.mulder@ouders.example", {"phone_work": "030-2345678"}),
]


def _as_exported(email: str) -> dict:
    street, number, postcode, city, mobile = exports.contact_of(email)
    return {
        "street": f"{street} {number}",
        "postcode": postcode,
        "city": city,
        "phone_mobile": mobile,
    }


#: (pupil first name, last name, [(kind, parent e-mail or "", name, relation, phone)])
EMERGENCY_CONTACTS = [
    (
        "Lotte",
        "Bakker",
        [
            ("person", "ouder@ouders.example", "", "", ""),
            ("person", "", "Henk Bakker", "opa", "06-11223344"),
            ("gp", "", "Huisartsenpraktijk De Linde", "", "030-2712345"),
        ],
    ),
    (
        "Daan",
        "Bakker",
        [
            ("person", "ouder@ouders.example", "", "", ""),
            ("person", "", "Ineke de Wit", "buurvrouw", "06-55667788"),
            ("gp", "", "Huisartsenpraktijk De Linde", "", "030-2712345"),
            ("hospital", "", "Wilhelmina Kinderziekenhuis, Utrecht", "", "088-7554000"),
        ],
    ),
    (
        "Noor",
        "Visser",
        [
            ("person", "ilse.mulder@ouders.example", "", "", ""),
            ("person", "peter.visser@ouders.example", "", "", ""),
        ],
    ),
]


def protocol_pdf() -> bytes:
    """A small, whole PDF (one A4 page): the individual protocol attached to Daan's protocol
    record. Uploads are checked whole (schoolprivacy/uploads.py), so it is a real one."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _contacts(seeder) -> None:
    """The parents' contact details, whom to call for three pupils, and the separated Visser
    parents who agreed that each may see the other's details."""
    for email, values in PARENT_CONTACTS:
        parent = _user(email)
        exists = ParentContact.objects.filter(parent=parent).exists()
        seeder.report.count("contact details", not exists)
        if not exists:
            guardianship = (
                Guardianship.objects.select_related("pupil").filter(parent=parent).earliest("pk")
            )
            services.parent_contact_update(
                parent=parent,
                pupil=guardianship.pupil,
                acting_user=seeder.administrators[guardianship.pupil.school_id],
                **_as_exported(email),
                **values,
            )
    for first, last, contacts in EMERGENCY_CONTACTS:
        pupil = Pupil.objects.get(first_name=first, last_name=last)
        if EmergencyContact.objects.filter(pupil=pupil).exists():
            continue
        for kind, email, name, relation, phone in contacts:
            seeder.report.count("emergency contacts", True)
            services.emergency_contact_save(
                pupil=pupil,
                acting_user=seeder.administrators[pupil.school_id],
                kind=kind,
                parent_id=_user(email).pk if email else None,
                name=name,
                relation=relation,
                phone=phone,
            )
    for guardianship in Guardianship.objects.filter(
        pupil__last_name="Visser", contact_shared=False
    ):
        services.guardianship_update(
            guardianship=guardianship,
            has_parental_authority=guardianship.has_parental_authority,
            has_information_right=guardianship.has_information_right,
            contact_shared=True,
            acting_user=seeder.administrators[guardianship.pupil.school_id],
        )
    daan = Pupil.objects.get(first_name="Daan", last_name="Bakker")
    protocol = SpecialRecord.objects.get(pupil=daan, kind=Kind.PROTOCOL, replaces__isnull=True)
    if not Attachment.objects.filter(special_record=protocol).exists():
        seeder.report.count("documents", True)
        services.attachment_add(
            entry=protocol,
            file=SimpleUploadedFile("protocol.pdf", protocol_pdf()),
            title="Individueel handelingsprotocol epilepsie (getekend)",
            acting_user=_user("ib@horizon.example"),
        )
