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
                "alleen bij een overstap naar een andere school, met medeweten van de ouders",
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
                "geen leer- of toetsresultaten",
            ),
            # From school year 2018-19 Basispoort no longer receives gender.
            (datetime.date(2018, 8, 1), [*BASIC, "login_id"], "geen leer- of toetsresultaten"),
            # Today's set, as a board's privacy guide lists it: "een identificatienummer van
            # Basispoort, voornaam, achternaam, tussenvoegsel, geboortedatum, leerlingkey,
            # groepskey, groepsnaam, jaargroep, geslacht en het identificatienummer van de
            # school".
            (
                datetime.date(2024, 8, 1),
                [
                    "basispoort_id",
                    *NAME,
                    "date_of_birth",
                    "pupil_key",
                    "group_key",
                    "group",
                    "year_group",
                    "gender",
                    "school_id",
                ],
                "geen leer- of toetsresultaten, geen BSN",
            ),
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


def _slug(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


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
                # Fictional addresses: GDPR Art. 19 notices go here (the administrator
                # fills in the real privacy contact of each supplier).
                "contact": f"privacy@{_slug(name)}.example",
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
    seed_activities_and_documents(seeder, board)


ACTIVITIES = [
    (
        "Leerlingadministratie",
        "Inschrijving, bekostiging en verplichte opgaven aan DUO.",
        "AVG art. 6 lid 1 sub c (wettelijke plicht): WPO en WEC",
        "leerlingen, ouders/verzorgers",
        "naam, geboortedatum, geslacht, BSN, adres, inschrijving, groep, gezag",
        ["pupil_administration", "school_transfer"],
        True,
        "5 jaar na uitschrijving (bekostigingsvoorschriften)",
    ),
    (
        "Leerlingdossier en leerlingvolgsysteem",
        "De ontwikkeling van de leerling volgen en begeleiden: afspraken, toetsresultaten, "
        "verslagen.",
        "AVG art. 6 lid 1 sub e (taak van algemeen belang); art. 9 lid 2 sub g voor gezondheid",
        "leerlingen, ouders/verzorgers",
        "toetsresultaten, afspraken, verslagen; bijzondere gegevens (medisch, medicatie, "
        "protocollen, diagnose, welbevinden) versleuteld",
        ["pupil_administration"],
        True,
        "2 jaar na uitschrijving; verwijzingsgegevens 3 jaar",
    ),
    (
        "Digitale leermiddelen",
        "Leerlingen laten werken met digitale lesmethodes, via een toegangsdienst.",
        "AVG art. 6 lid 1 sub e",
        "leerlingen",
        "naam, groep, inlognaam, resultaten in de lesmethode",
        ["learning_method", "access_broker", "ict_management"],
        False,
        "zolang de leerling de methode gebruikt, daarna volgens de privacybijsluiter",
    ),
    (
        "Beeldmateriaal en toestemmingen",
        "Foto's en video's van activiteiten publiceren, alleen met toestemming per kanaal.",
        "AVG art. 6 lid 1 sub a (toestemming)",
        "leerlingen, ouders/verzorgers",
        "foto's en video's; toestemmingsbesluiten met tekstversie",
        ["communication"],
        False,
        "tot intrekking van de toestemming; besluiten als bewijs 2 jaar na uitschrijving",
    ),
]

SECURITY = (
    "Toegang per rol en per groep, tweestapsverificatie voor medewerkers, versleuteling van "
    "BSN en bijzondere gegevens, logging van elke inzage, verwerkersovereenkomsten."
)

DOCUMENTS = [
    (
        "regulation",
        "3.0",
        datetime.date(2025, 8, 1),
        datetime.date(2025, 6, 12),
        "Privacyreglement van Stichting Kindkracht Onderwijs.\n\n1. Dit reglement beschrijft hoe "
        "de scholen van de stichting omgaan met persoonsgegevens van leerlingen en ouders.\n2. De "
        "scholen verwerken alleen gegevens die nodig zijn voor onderwijs en begeleiding.\n3. "
        "Ouders hebben recht op inzage, correctie en verwijdering; zie de schoolgids.",
    ),
    (
        "code_of_conduct",
        "2.1",
        datetime.date(2025, 8, 1),
        None,
        "Gedragscode voor medewerkers.\n\nOpen een leerlingdossier alleen als je het nodig hebt "
        "voor je werk. Deel geen leerlinggegevens via privé-apps. Meld een datalek direct bij de "
        "privacycontactpersoon.",
    ),
    (
        "social_media",
        "1.0",
        datetime.date(2024, 8, 1),
        None,
        "Protocol sociale media.\n\nDe school plaatst alleen foto's van leerlingen met "
        "toestemming voor dat kanaal, en zet er nooit de volledige naam bij.",
    ),
]


def seed_activities_and_documents(seeder, board) -> None:
    from suppliers.models import PrivacyDocument, ProcessingActivity

    for order, (name, purpose, basis, subjects, data, categories, legal, retention) in enumerate(
        ACTIVITIES
    ):
        _, created = ProcessingActivity.objects.get_or_create(
            board=board,
            name=name,
            defaults={
                "purpose": purpose,
                "legal_basis": basis,
                "data_subjects": subjects,
                "data_categories": data,
                "supplier_categories": categories,
                "includes_legal_recipients": legal,
                "retention": retention,
                "security_measures": SECURITY,
                "order": order,
            },
        )
        seeder.report.count("processing activities", created)
    for kind, version, valid_from, approved, text in DOCUMENTS:
        _, created = PrivacyDocument.objects.get_or_create(
            board=board,
            kind=kind,
            version=version,
            defaults={"valid_from": valid_from, "approved_by_council_on": approved, "text": text},
        )
        seeder.report.count("privacy documents", created)
