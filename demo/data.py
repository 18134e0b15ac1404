"""The fixed part of the demo: the board, its schools, staff, named parents and suppliers.

All people are fictional. The suppliers are the ones the two school guides name.
"""

from typing import TypedDict

from schoolprivacy.models import BoardRole, Role, School
from suppliers.models import Supplier

#: Every demo login uses this password. Local and test databases only.
DEMO_PASSWORD = "Welkom-demo-2026"  # noqa: S105 (a published demo password, not a secret)
#: Every demo staff login has an authenticator with this published key (the second step):
#: add it to an authenticator app, or run `python manage.py demo_code`. Demo only.
DEMO_TOTP_KEY = "7363686f6f6c707269766163792d64656d6f2121"  # "schoolprivacy-demo!!"

SCHOOL_YEAR = 2026  # 2026-2027

BOARD = {
    "name": "Stichting Kindkracht Onderwijs",
    "privacy_contact_email": "fg@kindkracht.example",
}


class SchoolSpec(TypedDict):
    key: str
    name: str
    brin: str
    kind: str
    groups: list[tuple[str, int | None, int]]  # (name, year group, age on 1 October)


SCHOOLS: list[SchoolSpec] = [
    {
        "key": "regenboog",
        "name": "Basisschool De Regenboog",
        "brin": "99RB",
        "kind": School.Kind.PRIMARY,
        # (name, year group, age of the pupils on 1 October)
        "groups": [(f"Groep {n}", n, n + 3) for n in range(1, 9)],
    },
    {
        "key": "horizon",
        "name": "Expertisecentrum De Horizon",
        "brin": "99HZ",
        "kind": School.Kind.SPECIAL,
        "groups": [
            ("SO-onderbouw", None, 5),
            ("SO-middenbouw", None, 8),
            ("SO-bovenbouw", None, 11),
            ("VSO-1", None, 13),
            ("VSO-2", None, 15),
            ("VSO-3", None, 17),
        ],
    },
]


def department_of(group_name: str) -> str:
    """The department of a special-needs centre's group: SO or VSO, from its name."""
    prefix = group_name.split("-", 1)[0]
    return prefix if prefix in ("SO", "VSO") else ""


PUPILS_PER_SCHOOL = 50

# (e-mail, full name, school key or None for the board, role)
STAFF = [
    ("fg@kindkracht.example", "Marloes Verhoeven", None, BoardRole.PRIVACY_OFFICER),
    ("bestuur@kindkracht.example", "Karin Mulder", None, BoardRole.BOARD_ADMINISTRATOR),
    ("directeur@regenboog.example", "Hanneke de Wit", "regenboog", Role.DIRECTOR),
    ("teamleider@regenboog.example", "Ruud Smeets", "regenboog", Role.TEAM_LEADER),
    ("ib@regenboog.example", "Anouk van Leeuwen", "regenboog", Role.CARE_COORDINATOR),
    ("leerkracht@regenboog.example", "Tom Hendriks", "regenboog", Role.TEACHER),
    ("leerkracht2@regenboog.example", "Fatima El Amrani", "regenboog", Role.TEACHER),
    ("beheerder@regenboog.example", "Wim Claassen", "regenboog", Role.ADMINISTRATOR),
    ("directeur@horizon.example", "Joost Brouwer", "horizon", Role.DIRECTOR),
    ("teamleider@horizon.example", "Ingrid Koster", "horizon", Role.TEAM_LEADER),
    ("ib@horizon.example", "Yvonne Peeters", "horizon", Role.CARE_COORDINATOR),
    ("leerkracht@horizon.example", "Sem Willems", "horizon", Role.TEACHER),
    ("beheerder@horizon.example", "Ellen Bosman", "horizon", Role.ADMINISTRATOR),
]

TECHNICAL_ADMIN = ("admin@kindkracht.example", "Technisch Beheer")

# Named parents with a story; their children come first in the pupil list.
# (e-mail, full name)
PARENTS = {
    "bakker": ("ouder@ouders.example", "Sanne Bakker"),
    "visser_father": ("peter.visser@ouders.example", "Peter Visser"),
    "visser_mother": ("ilse.mulder@ouders.example", "Ilse Mulder"),
    "dekker_mother": ("naima.dekker@ouders.example", "Naima Dekker"),
    "dekker_father": ("kees.dekker@ouders.example", "Kees Dekker"),
}

# Children of the named parents: (school key, group index, first, prefix, last, gender,
# [(parent key, relation, has authority, information right)])
STORY_PUPILS = [
    # Two children of one mother, in the two schools of the board.
    ("regenboog", 4, "Lotte", "", "Bakker", "f", [("bakker", "mother", True, False)]),
    ("horizon", 1, "Daan", "", "Bakker", "m", [("bakker", "mother", True, False)]),
    # Separated parents who both kept parental authority.
    (
        "regenboog",
        6,
        "Noor",
        "",
        "Visser",
        "f",
        [("visser_father", "father", True, False), ("visser_mother", "mother", True, False)],
    ),
    # Sole authority with the mother; the father has the information right only.
    (
        "regenboog",
        2,
        "Milan",
        "",
        "Dekker",
        "m",
        [("dekker_mother", "mother", True, False), ("dekker_father", "father", False, True)],
    ),
]

FIRST_NAMES_F = [
    "Emma",
    "Julia",
    "Mila",
    "Tess",
    "Sophie",
    "Zoë",
    "Sara",
    "Nora",
    "Evi",
    "Anna",
    "Yara",
    "Liv",
    "Fenna",
    "Saar",
    "Lieke",
    "Amira",
    "Hanna",
    "Isa",
    "Roos",
    "Femke",
]
FIRST_NAMES_M = [
    "Noah",
    "Sem",
    "Lucas",
    "Liam",
    "Finn",
    "Levi",
    "Mees",
    "Jesse",
    "Bram",
    "Luuk",
    "Adam",
    "Daan",
    "Thijs",
    "Sam",
    "Mohammed",
    "Ravi",
    "Jens",
    "Ruben",
    "Olivier",
    "Gijs",
]
LAST_NAMES = [
    ("", "Jansen"),
    ("de", "Jong"),
    ("", "Smit"),
    ("van", "Dijk"),
    ("", "Meijer"),
    ("van der", "Berg"),
    ("", "Mulder"),
    ("de", "Boer"),
    ("", "Vos"),
    ("", "Peters"),
    ("", "Hendriks"),
    ("van", "Leeuwen"),
    ("", "Dekker"),
    ("", "Brouwer"),
    ("de", "Graaf"),
    ("van der", "Linden"),
    ("", "Kok"),
    ("", "Jacobs"),
    ("", "Bos"),
    ("", "Yilmaz"),
    ("", "Vermeulen"),
    ("van den", "Heuvel"),
    ("", "Schouten"),
    ("", "Aydın"),
    ("", "Postma"),
]

SUPPLIERS = [
    # (name, website, category, schools using it)
    (
        "ParnasSys",
        "https://www.parnassys.nl",
        Supplier.Category.PUPIL_ADMINISTRATION,
        ["regenboog", "horizon"],
    ),
    (
        "Overstapservice Onderwijs",
        "https://www.overstapserviceonderwijs.nl",
        Supplier.Category.SCHOOL_TRANSFER,
        ["regenboog", "horizon"],
    ),
    (
        "Basispoort",
        "https://www.basispoort.nl",
        Supplier.Category.ACCESS_BROKER,
        ["regenboog", "horizon"],
    ),
    ("SKOOL", "https://www.skool.nl", Supplier.Category.ICT_MANAGEMENT, ["regenboog", "horizon"]),
    (
        "Gynzy",
        "https://www.gynzy.com",
        Supplier.Category.LEARNING_METHOD,
        ["regenboog", "horizon"],
    ),
    (
        "Malmberg Staal",
        "https://www.malmberg.nl",
        Supplier.Category.LEARNING_METHOD,
        ["regenboog"],
    ),
    ("Blink Groove.me", "https://www.blink.nl", Supplier.Category.LEARNING_METHOD, ["regenboog"]),
    (
        "Nieuwsbegrip",
        "https://www.nieuwsbegrip.nl",
        Supplier.Category.LEARNING_METHOD,
        ["regenboog"],
    ),
]


# --- Signing in with the board's own accounts (signin/, demo/oidc_provider.py) ----------
# `make run` starts a local OpenID Connect provider with these accounts; the demo board
# signs its staff in through it. Published demo values: loopback only, never production.
class DemoProvider(TypedDict):
    name: str
    client_id: str
    client_secret: str
    domains: list[str]


OIDC_PROVIDER: DemoProvider = {
    "name": "Kindkracht-account",
    "client_id": "schoolprivacy-demo",
    "client_secret": "demo-oidc-client-secret-loopback-only",
    "domains": ["kindkracht.example", "regenboog.example", "horizon.example"],
}
#: The default address of the demo provider (scripts/stack.py may choose another port).
OIDC_ISSUER = "http://127.0.0.1:8765"
#: Accounts at the demo provider: (username, password, the staff member's e-mail, MFA).
OIDC_ACCOUNTS = [
    ("fatima", "Kindkracht-2026", "leerkracht2@regenboog.example", True),
]
