"""Demo consents: the purposes of the two school guides, their texts, and decisions.

Decisions are demo history, written straight into the append-only table (as
an import of last year's paper forms would), so seeding sends no notices.
Idempotent: purposes and versions by code and number; decisions only for
pupils that have none yet.
"""

import datetime
import random

from django.utils import timezone

from consents.models import Decision, Publication, Purpose, PurposePick, PurposeVersion
from pupils.models import Guardianship, Pupil
from schoolprivacy.models import User

from . import data

IMAGES = Purpose.Category.IMAGES

# (code, category, trigger, schools, order, title nl, title en, text nl, text en)
PURPOSES = [
    (
        "foto-website",
        IMAGES,
        "all",
        ["regenboog", "horizon"],
        10,
        "Foto's en video's op de website van de school",
        "Photos and videos on the school website",
        "We zetten soms foto's of korte filmpjes van activiteiten op onze website, bijvoorbeeld "
        "van de schoolreis of een sportdag. Iedereen op internet kan die zien. We zetten er nooit "
        "de volledige naam van uw kind bij.",
        "We sometimes put photos or short videos of activities on our website, for example of the "
        "school trip or a sports day. Anyone on the internet can see them. We never add your "
        "child's full name.",
    ),
    (
        "foto-nieuwsbrief",
        IMAGES,
        "all",
        ["regenboog", "horizon"],
        20,
        "Foto's in de nieuwsbrief en de ouderapp",
        "Photos in the newsletter and the parent app",
        "In de nieuwsbrief en de ouderapp delen we foto's van wat er in de klas gebeurt. Alleen "
        "ouders van de school kunnen die zien.",
        "In the newsletter and the parent app we share photos of what happens in class. Only "
        "parents of the school can see them.",
    ),
    (
        "foto-schoolgids",
        IMAGES,
        "all",
        ["regenboog", "horizon"],
        30,
        "Foto's in de schoolgids",
        "Photos in the school guide",
        "De schoolgids staat op onze website en ligt op school. Er kunnen foto's van leerlingen "
        "in staan.",
        "The school guide is on our website and at school. It may contain photos of pupils.",
    ),
    (
        "foto-sociale-media",
        IMAGES,
        "all",
        ["regenboog", "horizon"],
        40,
        "Foto's en video's op sociale media",
        "Photos and videos on social media",
        "We plaatsen soms foto's op Facebook. Een foto op sociale media kan door anderen worden "
        "gedeeld en is moeilijk helemaal te verwijderen.",
        "We sometimes post photos on Facebook. A photo on social media can be shared by others "
        "and "
        "is hard to remove completely.",
    ),
    (
        "foto-pers",
        IMAGES,
        "all",
        ["regenboog", "horizon"],
        50,
        "Foto's in de krant of op tv",
        "Photos in the newspaper or on TV",
        "Soms komt er een journalist op school, bijvoorbeeld bij een opening of een project. Uw "
        "kind kan dan in de krant, op een nieuwssite of op tv komen.",
        "Sometimes a journalist visits the school, for example at an opening or a project. Your "
        "child may then appear in the newspaper, on a news site or on TV.",
    ),
    (
        "zorg-revalidatie",
        Purpose.Category.CARE_PARTNER,
        "specialist_support",
        ["horizon"],
        60,
        "Gegevens delen met het revalidatiecentrum",
        "Sharing information with the rehabilitation centre",
        "Als uw kind therapie krijgt van het revalidatiecentrum, wisselen de intern begeleider en "
        "de therapeut informatie uit over wat uw kind nodig heeft in de klas.",
        "When your child receives therapy from the rehabilitation centre, the care coordinator "
        "and "
        "the therapist exchange information about what your child needs in class.",
    ),
    (
        "zorg-lwoe",
        Purpose.Category.CARE_PARTNER,
        "specialist_support",
        ["horizon", "regenboog"],
        70,
        "Gegevens delen met het Landelijk Werkverband Onderwijs en Epilepsie",
        "Sharing information with the national epilepsy education service (LWOE)",
        "Een consulent van het LWOE helpt de school om uw kind met epilepsie goed te begeleiden. "
        "Daarvoor deelt de school medische en schoolgegevens met de consulent.",
        "A consultant of the LWOE helps the school to support your child with epilepsy. For that "
        "the school shares medical and school information with the consultant.",
    ),
    (
        "zorg-bartimeus",
        Purpose.Category.CARE_PARTNER,
        "specialist_support",
        ["horizon"],
        80,
        "Gegevens delen met Bartiméus",
        "Sharing information with Bartiméus",
        "Bartiméus begeleidt leerlingen die slecht zien. De school deelt daarvoor gegevens over "
        "het zien en het leren van uw kind.",
        "Bartiméus supports pupils with a visual impairment. For that the school shares "
        "information about your child's sight and learning.",
    ),
    (
        "stage",
        Purpose.Category.INTERNSHIP,
        "internship",
        ["horizon"],
        90,
        "Gegevens delen met het stagebedrijf",
        "Sharing information with the internship company",
        "Voor een stage deelt de school de naam, de begeleidingsbehoefte en de contactgegevens "
        "van uw kind met het stagebedrijf.",
        "For an internship the school shares your child's name, support needs and contact "
        "details with the company.",
    ),
    (
        "geloof",
        Purpose.Category.RELIGION,
        "all",
        ["horizon"],
        100,
        "Geloofsovertuiging vastleggen (niet verplicht)",
        "Recording religion (optional)",
        "U mag de school laten weten welk geloof uw kind heeft, zodat we daar rekening mee houden "
        "(bijvoorbeeld bij feestdagen of eten). Dit is nooit verplicht.",
        "You may tell the school your child's religion, so that we can take it into account (for "
        "example at holidays or meals). This is never required.",
    ),
]

# The same questions put to a pupil of 16 or older, who decides alone: (title nl, title en,
# text nl, text en), "je" instead of "uw kind".
TO_PUPIL = {
    "foto-website": (
        "Foto's en video's op de website van de school",
        "Photos and videos on the school website",
        "We zetten soms foto's of korte filmpjes van activiteiten op onze website, bijvoorbeeld "
        "van een sportdag. Iedereen op internet kan die zien. We zetten er nooit je volledige "
        "naam bij.",
        "We sometimes put photos or short videos of activities on our website, for example of a "
        "sports day. Anyone on the internet can see them. We never add your full name.",
    ),
    "foto-nieuwsbrief": (
        "Foto's in de nieuwsbrief en de ouderapp",
        "Photos in the newsletter and the parent app",
        "In de nieuwsbrief en de ouderapp delen we foto's van wat er in de klas gebeurt. Alleen "
        "ouders van de school kunnen die zien; jij kunt dus op zo'n foto staan.",
        "In the newsletter and the parent app we share photos of what happens in class. Only "
        "parents of the school can see them, and you may be in such a photo.",
    ),
    "foto-schoolgids": (
        "Foto's in de schoolgids",
        "Photos in the school guide",
        "De schoolgids staat op onze website en ligt op school. Er kan een foto van jou in staan.",
        "The school guide is on our website and at school. It may contain a photo of you.",
    ),
    "foto-sociale-media": (
        "Foto's en video's op sociale media",
        "Photos and videos on social media",
        "We plaatsen soms foto's op Facebook. Een foto van jou op sociale media kan door anderen "
        "worden gedeeld en is moeilijk helemaal te verwijderen.",
        "We sometimes post photos on Facebook. A photo of you on social media can be shared by "
        "others and is hard to remove completely.",
    ),
    "foto-pers": (
        "Foto's in de krant of op tv",
        "Photos in the newspaper or on TV",
        "Soms komt er een journalist op school, bijvoorbeeld bij een opening of een project. Je "
        "kunt dan in de krant, op een nieuwssite of op tv komen.",
        "Sometimes a journalist visits the school, for example at an opening or a project. You "
        "may then appear in the newspaper, on a news site or on TV.",
    ),
    "zorg-revalidatie": (
        "Gegevens delen met het revalidatiecentrum",
        "Sharing information with the rehabilitation centre",
        "Als je therapie krijgt van het revalidatiecentrum, wisselen de intern begeleider en de "
        "therapeut informatie uit over wat je nodig hebt in de klas.",
        "When you receive therapy from the rehabilitation centre, the care coordinator and the "
        "therapist exchange information about what you need in class.",
    ),
    "zorg-lwoe": (
        "Gegevens delen met het Landelijk Werkverband Onderwijs en Epilepsie",
        "Sharing information with the national epilepsy education service (LWOE)",
        "Een consulent van het LWOE helpt de school om je goed te begeleiden bij je epilepsie. "
        "Daarvoor deelt de school medische en schoolgegevens met de consulent.",
        "A consultant of the LWOE helps the school to support you with your epilepsy. For that "
        "the school shares medical and school information with the consultant.",
    ),
    "zorg-bartimeus": (
        "Gegevens delen met Bartiméus",
        "Sharing information with Bartiméus",
        "Bartiméus begeleidt leerlingen die slecht zien. De school deelt daarvoor gegevens over "
        "hoe je ziet en hoe je leert.",
        "Bartiméus supports pupils with a visual impairment. For that the school shares "
        "information about your sight and your learning.",
    ),
    "stage": (
        "Gegevens delen met je stagebedrijf",
        "Sharing information with your internship company",
        "Voor je stage deelt de school je naam, je begeleidingsbehoefte en je contactgegevens "
        "met het stagebedrijf.",
        "For your internship the school shares your name, your support needs and your contact "
        "details with the company.",
    ),
    "geloof": (
        "Je geloof vastleggen (niet verplicht)",
        "Recording your religion (optional)",
        "Je mag de school laten weten welk geloof je hebt, zodat we daar rekening mee houden "
        "(bijvoorbeeld bij feestdagen of eten). Dit is nooit verplicht.",
        "You may tell the school your religion, so that we can take it into account (for "
        "example at holidays or meals). This is never required.",
    ),
}

# Whom the questions are for (consents/audience.py): the care partners only for the pupils
# the care coordinator picks (De Twijn: "waar van toepassing"), the internship for the VSO
# from 15; the rest for every pupil of their schools.
AUDIENCES: dict[str, dict[str, object]] = {
    "zorg-revalidatie": {"picked_only": True},
    "zorg-lwoe": {"picked_only": True},
    "zorg-bartimeus": {"picked_only": True},
    "stage": {"departments": ["VSO"], "min_age": 15},
}

#: The pupil the care coordinator put the epilepsy network's question to (demo/dossiers.py).
PICKS = [("Daan", "Bakker", "zorg-lwoe", "ib@horizon.example")]

SOCIAL_MEDIA_V2 = (
    "Foto's en video's op sociale media",
    "Photos and videos on social media",
    "We plaatsen soms foto's op Facebook en sinds dit schooljaar ook op Instagram. Een foto op "
    "sociale media kan door anderen worden gedeeld en is moeilijk helemaal te verwijderen.",
    "We sometimes post photos on Facebook and, from this school year, on Instagram. A photo on "
    "social media can be shared by others and is hard to remove completely.",
)

PUPIL_ACCOUNT = ("leerling@horizon.example", "pupil of 16+ – own portal, decides own consents")


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))


def seed_consents(seeder, board, schools) -> None:
    purposes = {}
    for code, category, trigger, school_keys, order, tnl, ten, xnl, xen in PURPOSES:
        purpose, created = Purpose.objects.get_or_create(
            board=board,
            code=code,
            defaults={
                "category": category,
                "trigger": trigger,
                "order": order,
                **AUDIENCES.get(code, {}),
            },
        )
        seeder.report.count("consent purposes", created)
        purpose.schools.add(*[schools[k] for k in school_keys])
        PurposeVersion.objects.get_or_create(
            purpose=purpose,
            number=1,
            defaults={
                "valid_from": datetime.date(2024, 8, 1),
                "title_nl": tnl,
                "title_en": ten,
                "text_nl": xnl,
                "text_en": xen,
                **_to_pupil(code),
            },
        )
        purposes[code] = purpose
    tnl, ten, xnl, xen = SOCIAL_MEDIA_V2
    social_v2, _ = PurposeVersion.objects.get_or_create(
        purpose=purposes["foto-sociale-media"],
        number=2,
        defaults={
            "valid_from": datetime.date(data.SCHOOL_YEAR, 8, 1),
            "material_change": True,
            "title_nl": tnl,
            "title_en": ten,
            "text_nl": xnl,
            "text_en": xen,
            **_to_pupil("foto-sociale-media", instagram=True),
        },
    )
    _pupil_account(seeder)
    _picks(purposes)
    _decisions(seeder, purposes, social_v2)
    _publication(seeder, schools, purposes)


def _to_pupil(code: str, *, instagram: bool = False) -> dict[str, str]:
    title_nl, title_en, text_nl, text_en = TO_PUPIL[code]
    if instagram:
        text_nl = text_nl.replace(
            "op Facebook", "op Facebook en sinds dit schooljaar op Instagram"
        )
        text_en = text_en.replace(
            "on Facebook", "on Facebook and, from this school year, on Instagram"
        )
    return {
        "pupil_title_nl": title_nl,
        "pupil_title_en": title_en,
        "pupil_text_nl": text_nl,
        "pupil_text_en": text_en,
    }


def _picks(purposes) -> None:
    """Demo history, like the decisions: written straight, so seeding sends no e-mail."""
    for first, last, code, email in PICKS:
        pupil = Pupil.objects.get(first_name=first, last_name=last, school__brin="99HZ")
        PurposePick.objects.get_or_create(
            purpose=purposes[code],
            pupil=pupil,
            defaults={"picked_by": User.objects.get(email=email)},
        )


def _pupil_account(seeder) -> None:
    """The oldest pupil of VSO-3 gets an account: from 16 the pupil decides alone."""
    pupil = Pupil.objects.filter(
        group__name="VSO-3", group__school_year=data.SCHOOL_YEAR
    ).earliest("date_of_birth", "pk")
    email, story = PUPIL_ACCOUNT
    if pupil.account_id is None:
        account = seeder.user(email, pupil.full_name)
        pupil.account = account
        pupil.save(update_fields=["account"])
    seeder.report.logins.append((email, pupil.full_name, story))


def _decisions(seeder, purposes, social_v2) -> None:
    administrators = seeder.administrators
    images = [p for p in purposes.values() if p.category == IMAGES]
    versions = {
        (v.purpose_id, v.number): v for v in PurposeVersion.objects.filter(purpose__in=images)
    }
    last_year = datetime.date(data.SCHOOL_YEAR - 1, 9, 12)
    this_year = datetime.date(data.SCHOOL_YEAR, 9, 10)
    holders: dict[int, int] = {}
    for g in Guardianship.objects.filter(has_parental_authority=True).order_by("pk"):
        holders.setdefault(g.pupil_id, g.parent_id)
    decided = set(Decision.objects.values_list("pupil_id", flat=True).distinct())
    rows = []
    for pupil in Pupil.objects.exclude(pk__in=decided).order_by("pk"):
        if pupil.account_id:
            account = User.objects.get(pk=pupil.account_id)
            rows.append(
                _row(
                    pupil,
                    purposes["foto-website"],
                    versions,
                    1,
                    "given",
                    account,
                    "pupil",
                    _at(this_year),
                    "portal",
                    account,
                )
            )
            rows.append(
                _row(
                    pupil,
                    purposes["foto-sociale-media"],
                    versions,
                    2,
                    "refused",
                    account,
                    "pupil",
                    _at(this_year),
                    "portal",
                    account,
                )
            )
            continue
        # Per pupil, so that a second run makes the same choices (idempotent).
        rng = random.Random(f"consents-{pupil.pk}")  # noqa: S311 (demo data)
        parent_id = holders.get(pupil.pk)
        if parent_id is None or rng.random() < 0.15:
            continue  # no answer yet: no consent
        parent = User(pk=parent_id)
        admin = administrators[pupil.school_id]
        for purpose in images:
            code = purpose.code
            if code == "foto-sociale-media":
                # Given last year on version 1: needs renewal on the new text.
                if rng.random() < 0.6:
                    rows.append(
                        _row(
                            pupil,
                            purpose,
                            versions,
                            1,
                            "given",
                            parent,
                            "parent",
                            _at(last_year),
                            "paper",
                            admin,
                        )
                    )
                continue
            choice = "refused" if code == "foto-pers" and rng.random() < 0.5 else "given"
            rows.append(
                _row(
                    pupil,
                    purpose,
                    versions,
                    1,
                    choice,
                    parent,
                    "parent",
                    _at(this_year),
                    "paper",
                    admin,
                )
            )
    # One by one, so that django-auditlog writes the audit row of each.
    for row in rows:
        row.save()
        seeder.report.count("consent decisions", True)
    # Lotte's mother already renewed on the new social-media text, in the portal.
    lotte = Pupil.objects.get(first_name="Lotte", last_name="Bakker")
    if not Decision.objects.filter(pupil=lotte, version=social_v2).exists():
        mother = User.objects.get(email=data.PARENTS["bakker"][0])
        Decision.objects.create(
            pupil=lotte,
            purpose=social_v2.purpose,
            version=social_v2,
            choice="given",
            decided_by=mother,
            decider_role="parent",
            decided_at=_at(datetime.date(data.SCHOOL_YEAR, 9, 20)),
            channel="portal",
            recorded_by=mother,
        )
        seeder.report.count("consent decisions", True)


def _row(pupil, purpose, versions, number, choice, decider, role, when, channel, recorder):
    return Decision(
        pupil=pupil,
        purpose=purpose,
        version=versions[(purpose.pk, number)],
        choice=choice,
        decided_by=decider,
        decider_role=role,
        decided_at=when,
        channel=channel,
        recorded_by=recorder,
    )


def _publication(seeder, schools, purposes) -> None:
    from consents import selectors

    school = schools["regenboog"]
    title = "Schoolreis groep 5 naar het Openluchtmuseum"
    if Publication.objects.filter(school=school, title=title).exists():
        return
    purpose = purposes["foto-website"]
    pupils = list(Pupil.objects.filter(group__name="Groep 5", group__school_year=data.SCHOOL_YEAR))
    states = selectors.consent_states(pupils=pupils, purposes=[purpose])
    shown = [p for p in pupils if states[(p.pk, purpose.pk)].outcome.consent][:6]
    publication = Publication.objects.create(
        school=school,
        purpose=purpose,
        title=title,
        location="https://www.regenboog.example/nieuws/schoolreis",
        published_on=datetime.date(data.SCHOOL_YEAR, 10, 2),
        recorded_by=User.objects.get(email="leerkracht@regenboog.example"),
    )
    publication.pupils.set(shown)
    seeder.report.count("publications", True)
