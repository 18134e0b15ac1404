"""Demo supplier register: the suppliers of the school guides, what they receive, and the
recipients on a legal basis. Leaflet addresses point at each supplier's own site and are
for the administrator to check; the field sets follow the school guides."""

import datetime

from suppliers.models import FieldSet, Recipient, Supplier, SupplierUse

NAME = ["first_name", "name_prefix", "last_name"]
BASIC = [*NAME, "school", "group", "year_group"]

# name: (leaflet path, agreement model, field sets [(from, fields, not shared)])
DETAILS = {
    "ParnasSys": (
        "/privacy",
        "Model verwerkersovereenkomst Privacyconvenant 4.0",
        [
            (
                datetime.date(2018, 8, 1),
                [
                    *BASIC,
                    "date_of_birth",
                    "gender",
                    "bsn",
                    "enrolment",
                    "parents_contact",
                    "test_results",
                    "agreements",
                    "reports",
                    "special_needs",
                    "medical",
                ],
                "",
            )
        ],
    ),
    "Overstapservice Onderwijs": (
        "/privacy",
        "Model verwerkersovereenkomst Privacyconvenant 4.0",
        [
            (
                datetime.date(2018, 8, 1),
                [
                    *BASIC,
                    "date_of_birth",
                    "gender",
                    "bsn",
                    "test_results",
                    "reports",
                    "special_needs",
                ],
                "only when the pupil moves to another school, with the parents informed",
            )
        ],
    ),
    "Basispoort": (
        "/privacybijsluiter",
        "Model verwerkersovereenkomst Privacyconvenant 4.0",
        [
            (
                datetime.date(2016, 8, 1),
                [*BASIC, "gender", "login_id"],
                "no learning or test results",
            ),
            # From school year 2018-19 Basispoort no longer receives gender.
            (datetime.date(2018, 8, 1), [*BASIC, "login_id"], "no learning or test results"),
        ],
    ),
    "SKOOL": (
        "/privacy",
        "Model verwerkersovereenkomst Privacyconvenant 4.0",
        [(datetime.date(2019, 8, 1), [*BASIC, "login_id"], "")],
    ),
    "Gynzy": (
        "/nl/privacy",
        "Model verwerkersovereenkomst Privacyconvenant 4.0",
        [(datetime.date(2019, 8, 1), [*BASIC, "login_id", "learning_results"], "")],
    ),
    "Malmberg Staal": (
        "/privacy",
        "Model verwerkersovereenkomst Privacyconvenant 4.0",
        [(datetime.date(2019, 8, 1), [*BASIC, "login_id", "learning_results"], "")],
    ),
    "Blink Groove.me": (
        "/privacy",
        "Model verwerkersovereenkomst Privacyconvenant 4.0",
        [(datetime.date(2020, 8, 1), [*BASIC, "login_id", "learning_results"], "")],
    ),
    "Nieuwsbegrip": (
        "/privacy",
        "Model verwerkersovereenkomst Privacyconvenant 4.0",
        [(datetime.date(2019, 8, 1), [*BASIC, "login_id", "learning_results"], "")],
    ),
}

RECIPIENTS = [
    (
        "DUO (BRON)",
        "Wet op het primair onderwijs art. 178a; Wet op de expertisecentra art. 164a",
        [*NAME, "date_of_birth", "gender", "bsn", "school", "enrolment"],
    ),
    (
        "Inspectie van het Onderwijs",
        "Wet op het onderwijstoezicht art. 6",
        [*NAME, "school", "group", "test_results"],
    ),
    (
        "Leerplichtambtenaar van de gemeente",
        "Leerplichtwet 1969 art. 18 en 21",
        [*NAME, "date_of_birth", "bsn", "school", "enrolment", "parents_contact"],
    ),
    (
        "Het schoolbestuur (gemeenschappelijke administratie)",
        "AVG art. 6 lid 1 sub e; statuten van de stichting",
        [*NAME, "date_of_birth", "school", "group", "enrolment"],
    ),
]


def seed_register(seeder, board, schools) -> None:
    since = datetime.date(2022, 8, 1)
    for name, website, category, used_by in seeder.data.SUPPLIERS:
        path, model, field_sets = DETAILS[name]
        supplier, created = Supplier.objects.get_or_create(
            board=board,
            name=name,
            defaults={
                "website": website,
                "category": category,
                "privacy_leaflet_url": website.rstrip("/") + path,
                "leaflet_version": "2025.1",
                "leaflet_date": datetime.date(2025, 6, 1),
                "agreement_status": Supplier.AgreementStatus.SIGNED,
                "agreement_model": model,
                "agreement_signed_on": datetime.date(2023, 5, 1),
                "agreement_expires_on": datetime.date(2027, 7, 31),
                "storage_location": Supplier.Location.EU,
            },
        )
        seeder.report.count("suppliers", created)
        for key in used_by:
            SupplierUse.objects.get_or_create(
                supplier=supplier, school=schools[key], defaults={"since": since}
            )
        for valid_from, fields, not_shared in field_sets:
            FieldSet.objects.get_or_create(
                supplier=supplier,
                valid_from=valid_from,
                defaults={"fields": sorted(fields), "not_shared": not_shared},
            )
    for name, basis, fields in RECIPIENTS:
        recipient, created = Recipient.objects.get_or_create(
            board=board, name=name, defaults={"legal_basis": basis, "fields": sorted(fields)}
        )
        seeder.report.count("legal recipients", created)
        recipient.schools.add(*schools.values())
